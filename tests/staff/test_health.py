"""Marketplace health on hand-built data (quality.md §3): proposals per job, hire rate, time
to hire, the Top Rated share of contracts started and the JSS distribution, by month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.contracts.conftest import LETTER, hire, make_world
from tests.factories import make_freelancer, make_job
from workhall.core import clock
from workhall.jobs import service as jobs
from workhall.proposals import service as proposals
from workhall.reputation.models import Evaluation
from workhall.staff.health import health_report, jss_distribution, month_bounds

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def evaluation(db, user, instant, level="none", jss=None):
    db.add(Evaluation(user_id=user.id, instant=instant, jss=jss, level=level, earned_level=level))
    db.flush()


def test_month_bounds_cross_the_year():
    bounds = month_bounds(datetime(2026, 2, 10, tzinfo=UTC), 3)
    assert [f"{b:%Y-%m-%d}" for b in bounds] == [
        "2025-12-01",
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
    ]
    assert len(month_bounds(NOW)) == 13 and month_bounds(NOW)[-1] == at(12, 1, 0)


def test_health_numbers_on_two_jobs_one_hired(db, settings):
    # October: job A gets 2 proposals and a hire 3 days after posting; job B gets 1
    # proposal and is cancelled without a hire. Hire rate 1 of 2 closed = 50%.
    clock.set_now(at(10, 5))
    w = make_world(db, settings)  # job A and its first proposal
    second = make_freelancer(db, settings)
    proposals.submit_proposal(db, settings, second, w.job.id, LETTER, 9_000)
    evaluation(db, w.freelancer, at(10, 1), "top_rated", 95)  # Top Rated before the start
    clock.set_now(at(10, 10))
    job_b = make_job(db, settings, w.client)
    proposals.submit_proposal(db, settings, second, job_b.id, LETTER, 9_000)
    clock.set_now(at(10, 8))
    hire(db, settings, w, 10_000)
    clock.set_now(at(10, 20))
    jobs.cancel_job(db, settings, w.client, job_b.id)
    # November: a third job posted, no proposals yet.
    clock.set_now(at(11, 2))
    make_job(db, settings, w.client)
    evaluation(db, second, at(11, 1), "none", 72)

    r = health_report(db, NOW)
    oct_, nov = r.months.index("2026-10"), r.months.index("2026-11")
    assert r.months[-1] == "2026-11" and len(r.months) == 12
    assert (r.jobs_posted[oct_], r.proposals[oct_], r.proposals_per_job[oct_]) == (2, 3, 1.5)
    assert (r.jobs_posted[nov], r.proposals[nov], r.proposals_per_job[nov]) == (1, 0, 0.0)
    assert (r.jobs_closed[oct_], r.jobs_hired[oct_], r.hire_rate[oct_]) == (2, 1, 50.0)
    assert r.hire_rate[nov] is None  # nothing closed: undefined, not 0%
    assert (r.hires[oct_], r.median_days_to_hire[oct_], r.mean_days_to_hire[oct_]) == (1, 3.0, 3.0)
    assert r.median_days_to_hire[nov] is None
    assert (r.contracts_started[oct_], r.contracts_top_rated[oct_]) == (1, 1)
    assert r.top_rated_share[oct_] == 100.0
    assert sum(r.jobs_posted) == 3
    assert r.jss == {"< 50": 0, "50–79": 1, "80–89": 0, "90–100": 1, "none": 0}


def test_top_rated_share_uses_the_level_at_the_start(db, settings):
    clock.set_now(at(9, 1))
    w = make_world(db, settings)
    # Top Rated only from after the contract started: the contract does not count as theirs.
    evaluation(db, w.freelancer, at(9, 1) - timedelta(days=30), "none", 85)
    evaluation(db, w.freelancer, at(9, 20), "top_rated_plus", 98)
    clock.set_now(at(9, 10))
    hire(db, settings, w, 10_000)
    r = health_report(db, NOW)
    sep = r.months.index("2026-09")
    assert (r.contracts_started[sep], r.contracts_top_rated[sep]) == (1, 0)
    assert r.top_rated_share[sep] == 0.0


def test_median_and_mean_differ_over_three_hires(db, settings):
    for posted_day, hired_day in ((1, 2), (1, 3), (1, 11)):  # 1, 2 and 10 days
        clock.set_now(at(8, posted_day))
        w = make_world(db, settings)
        clock.set_now(at(8, hired_day))
        hire(db, settings, w, 10_000)
    r = health_report(db, NOW)
    aug = r.months.index("2026-08")
    assert r.hires[aug] == 3
    assert r.median_days_to_hire[aug] == 2.0 and r.mean_days_to_hire[aug] == 4.3


def test_jss_distribution_takes_the_latest_evaluation_and_counts_the_unevaluated(db, settings):
    clock.set_now(NOW)
    scores = [None, 10, 49, 50, 79, 80, 89, 90, 100]
    for jss in scores:
        f = make_freelancer(db, settings)
        evaluation(db, f, NOW - timedelta(days=10), "none", 99)  # older: ignored
        evaluation(db, f, NOW - timedelta(days=1), "none", jss)
    make_freelancer(db, settings)  # never evaluated
    make_freelancer(db, settings, status="closed")  # closed: left out
    later = make_freelancer(db, settings)
    evaluation(db, later, NOW + timedelta(days=1), "none", 95)  # after "now": not yet
    assert jss_distribution(db, NOW) == {
        "< 50": 2,
        "50–79": 2,
        "80–89": 2,
        "90–100": 2,
        "none": 3,
    }


def test_empty_marketplace_has_no_numbers_but_no_errors(db, settings):
    r = health_report(db, NOW)
    assert r.jobs_posted == [0] * 12 and r.proposals_per_job == [None] * 12
    assert r.hire_rate == [None] * 12 and r.top_rated_share == [None] * 12
    assert set(r.as_json()) >= {"months", "jss", "jss_buckets", "hire_rate"}


def test_health_page_and_json(db, settings, client):
    import json
    import re

    from tests.staff.conftest import browse_as, make_staff

    clock.set_now(at(10, 5))
    w = make_world(db, settings)
    clock.set_now(at(10, 7))
    hire(db, settings, w, 10_000)
    clock.set_now(NOW)
    browse_as(client, db, settings, make_staff(db, settings, "trust_safety"))
    page = client.get("/staff/health")
    assert page.status_code == 200
    assert '<script src="/static/js/staff.js" defer></script>' in page.text
    assert "/static/vendor/chartjs/chart.umd.min.js" in page.text
    for canvas in ("proposals", "hire-rate", "time-to-hire", "top-rated", "jss"):
        assert f'id="chart-{canvas}"' in page.text
    block = re.search(r'<script type="application/json" id="health-data">(.*?)</script>', page.text)
    assert block is not None
    data = json.loads(block.group(1))
    oct_ = data["months"].index("2026-10")
    assert data["hire_rate"][oct_] == 100.0 and data["median_days_to_hire"][oct_] == 2.0
    assert data["jss_buckets"] == ["< 50", "50–79", "80–89", "90–100", "none"]
    assert ">2026-10</th>" in page.text
    assert client.get("/staff/health.json").json() == data
