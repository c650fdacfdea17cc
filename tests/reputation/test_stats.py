"""My Stats read model on hand-built data (reputation.md §5): earnings by month and from
long-term clients, the stored JSS and badges, the "would recommend" share (hidden under 3
private scores), public feedback bands, Connects lots and movements, boosts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.factories import make_client, make_freelancer, make_job
from tests.reputation.stats_support import (
    client_feedback,
    contract_paid,
    criteria,
    evaluation,
    give_connects,
    propose,
    view,
)
from workhall.core import clock
from workhall.jobs.service import cancel_job
from workhall.reputation.stats import (
    latest_instant,
    month_starts,
    my_stats,
    next_evaluation_instant,
    percent,
    recommend_of,
)

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)


def d(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- pure helpers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "latest", "following"),
    [
        # spec: reputation.md §2.1 — 00:00 UTC on the 1st and the 15th of every month.
        (d(2026, 6, 20, 12), d(2026, 6, 15), d(2026, 7, 1)),
        (d(2026, 6, 15), d(2026, 6, 15), d(2026, 7, 1)),
        (d(2026, 6, 14, 23, 59), d(2026, 6, 1), d(2026, 6, 15)),
        (d(2026, 12, 31, 23), d(2026, 12, 15), d(2027, 1, 1)),
        (d(2026, 1, 1), d(2026, 1, 1), d(2026, 1, 15)),
    ],
)
def test_evaluation_instants(at, latest, following):
    assert latest_instant(at) == latest
    assert next_evaluation_instant(at) == following


def test_percent_rounds_half_up_once():
    assert percent(2, 3) == 66.7
    assert percent(1, 8) == 12.5
    assert percent(1, 16) == 6.3  # 6.25 → 6.3, half up
    assert percent(0, 5) == 0.0
    assert percent(3, 0) is None


def test_month_starts_cover_twelve_calendar_months():
    starts = month_starts(NOW)
    assert (
        starts[0] == d(2025, 7, 1) and starts[-2] == d(2026, 6, 1) and starts[-1] == d(2026, 7, 1)
    )
    assert len(starts) == 13


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"count": 2, "would_recommend": 2, "share": "100.00"}, None),  # spec: only with ≥ 3
        ({"count": 3, "would_recommend": 2, "share": "66.67"}, (3, 2, 66.7)),
        ({"private_scores": 4, "would_recommend": 3}, (4, 3, 75.0)),
        ({"count": 0, "would_recommend": 0, "share": None}, None),
        ({"count": 3, "would_recommend": 5}, None),  # nonsense stored: not shown
        (None, None),
    ],
)
def test_recommend_share_only_from_three_private_scores(stored, expected):
    got = recommend_of({"recommend": stored} if stored is not None else {})
    assert (got and (got.private_scores, got.would_recommend, got.share)) == (expected or None)


# --- earnings -------------------------------------------------------------------------------------


def test_earnings_by_month_and_from_long_term_clients(db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    other = make_freelancer(db, settings)
    repeat, once = make_client(db, settings), make_client(db, settings)
    # The repeat client hired F twice: its payments count as long-term.
    contract_paid(db, settings, repeat, f, [(d(2026, 6, 5), 30_000), (d(2025, 7, 10), 20_000)])
    contract_paid(db, settings, repeat, f, [])
    # Once-only client: one payment in March, one a day before the 12 months began.
    contract_paid(db, settings, once, f, [(d(2026, 3, 15), 50_000), (d(2025, 6, 30, 23), 99_900)])
    contract_paid(db, settings, once, other, [(d(2026, 6, 1), 77_700)])  # someone else's

    earnings = my_stats(db, f.id).earnings
    by_month = {m.month: m.cents for m in earnings.months}
    assert list(by_month) == [f"2025-{m:02d}" for m in range(7, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)
    ]
    assert by_month["2025-07"] == 20_000
    assert by_month["2026-03"] == 50_000
    assert by_month["2026-06"] == 30_000
    assert sum(by_month.values()) == earnings.total_cents == 100_000
    assert earnings.since == d(2025, 7, 1)
    assert earnings.long_term_cents == 50_000
    assert earnings.long_term_share == 50.0


def test_no_earnings_gives_zeros_and_no_share(db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    earnings = my_stats(db, f.id).earnings
    assert earnings.total_cents == 0 and len(earnings.months) == 12
    assert earnings.long_term_share is None and earnings.recommend is None


# --- JSS and badges from stored evaluations -------------------------------------------------------


def test_jss_and_badges_come_from_the_latest_evaluation(db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    evaluation(db, f, d(2025, 5, 15), jss=70)  # older than 12 months: not in the trend
    evaluation(db, f, d(2026, 5, 15), jss=88, level="top_rated")
    evaluation(
        db,
        f,
        d(2026, 6, 15),
        jss=91,
        level="top_rated",
        at_risk=True,
        rising_talent="control",
        eligible_weeks=12,
        details={
            "windows": {
                "24m": "60.61",
                "12m": "60.61",
                "6m": "71.43",
                "3m": "100.00",
                "trending": "85.71",
            },
            "top_rated": criteria(
                ("jss", "Job Success Score at least 90", True, 91),
                ("eligible_weeks", "JSS 90+ on 13 of the last 16 Mondays", False, 12),
            ),
            "plus": criteria(("earnings_365d_plus", "$10,000 earned in 365 days", False, 250_000)),
            "rising_talent": [],
            "at_risk_reasons": ["JSS 90+ on 13 of the last 16 Mondays"],
            "recommend": {"count": 5, "would_recommend": 4, "share": "80.00"},
        },
    )
    evaluation(db, f, d(2026, 7, 1), jss=99)  # after now: not read yet
    stats = my_stats(db, f.id)

    assert stats.jss.jss == 91 and stats.jss.evaluated_at == d(2026, 6, 15)
    assert [(p.instant, p.jss) for p in stats.jss.trend] == [
        (d(2026, 5, 15), 88),
        (d(2026, 6, 15), 91),
    ]
    assert {w.name: w.score for w in stats.jss.windows} == {
        "24m": 60.61,
        "12m": 60.61,
        "6m": 71.43,
        "3m": 100.0,
        "trending": 85.71,
    }
    b = stats.badges
    assert (b.level, b.level_label, b.at_risk, b.eligible_weeks) == (
        "top_rated",
        "Top Rated",
        True,
        12,
    )
    assert b.weeks_considered == 16
    assert b.at_risk_reasons == ["JSS 90+ on 13 of the last 16 Mondays"]
    assert [(c.name, c.met, c.value) for c in b.top_rated] == [
        ("jss", True, 91),
        ("eligible_weeks", False, 12),
    ]
    assert b.plus[0].value == 250_000
    assert b.rising_talent is False  # the control arm never sees the badge (§3.2)
    assert b.next_evaluation_at == d(2026, 7, 1)
    assert stats.earnings.recommend is not None and stats.earnings.recommend.share == 80.0


def test_never_evaluated_has_no_jss_and_no_criteria(db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    stats = my_stats(db, f.id)
    assert stats.jss.jss is None and stats.jss.trend == []
    assert all(w.score is None for w in stats.jss.windows)
    assert stats.badges.level == "none" and stats.badges.top_rated == []


def test_undefined_windows_stay_null(db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    evaluation(db, f, d(2026, 6, 15), details={"windows": {"24m": None, "3m": "12.5"}})
    windows = {w.name: w.score for w in my_stats(db, f.id).jss.windows}
    assert windows == {"24m": None, "12m": None, "6m": None, "3m": 12.5, "trending": None}


# --- feedback -------------------------------------------------------------------------------------


def test_public_feedback_count_bands_and_average(db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    paid = [(d(2026, 1, 5), 10_000)]

    def contract():
        return contract_paid(
            db, settings, make_client(db, settings), f, paid, ended_at=d(2026, 2, 1)
        )

    client_feedback(db, contract(), (5, 5, 5, 5, 5, 5), d(2026, 2, 5))  # 5.00
    client_feedback(db, contract(), (5, 4, 4, 4, 4, 4), d(2026, 2, 5))  # 4.17
    client_feedback(db, contract(), (2, 2, 2, 2, 2, 2), d(2026, 2, 5))  # 2.00
    client_feedback(db, contract(), (5, 5, 4, 4, 5, 4), d(2026, 2, 5))  # 4.50 exactly: top band
    client_feedback(db, contract(), None, d(2026, 2, 5), public_score="3.10")  # imported
    client_feedback(db, contract(), None, d(2026, 2, 5))  # imported without a score: none
    # Not counted: nothing paid, not revealed yet.
    unpaid = contract_paid(db, settings, make_client(db, settings), f, [], ended_at=d(2026, 2, 1))
    client_feedback(db, unpaid, (1, 1, 1, 1, 1, 1), d(2026, 2, 5))
    client_feedback(db, contract(), (1, 1, 1, 1, 1, 1), NOW + timedelta(days=3))

    fb = my_stats(db, f.id).feedback
    assert fb.count == 5
    assert {b.label: b.count for b in fb.buckets} == {
        "4.50–5.00": 2,
        "4.00–4.49": 1,
        "3.00–3.99": 1,
        "2.00–2.99": 1,
        "1.00–1.99": 0,
    }
    # (30 + 25 + 12 + 27) / 6 + 3.10 = 18.7667; / 5 = 3.7533
    assert fb.average == Decimal("3.75")


def test_no_feedback(db, settings):
    clock.set_now(NOW)
    fb = my_stats(db, make_freelancer(db, settings).id).feedback
    assert fb.count == 0 and fb.average is None and sum(b.count for b in fb.buckets) == 0


# --- Connects -------------------------------------------------------------------------------------


def test_connects_lots_spending_refunds_and_boosts(db, settings):
    from workhall.connects.models import ConnectsLot

    clock.set_now(NOW - timedelta(days=2))
    f = make_freelancer(db, settings)  # the sign-up grant
    give_connects(db, settings, f, 20, "test:award")
    boosted, client_a = propose(db, settings, f, NOW - timedelta(days=1), boost=2)
    view(db, settings, boosted, client_a, NOW - timedelta(hours=20))  # the boost is spent
    plain, client_b = propose(db, settings, f, NOW - timedelta(hours=10))
    clock.set_now(NOW - timedelta(hours=5))
    cancel_job(db, settings, client_b, plain.job_id)  # the price comes back as a refund lot
    db.flush()
    clock.set_now(NOW)

    c = my_stats(db, f.id).connects
    price = boosted.connects_price
    live = db.scalars(select(ConnectsLot).where(ConnectsLot.user_id == f.id)).all()
    assert c.balance == sum(lot.remaining for lot in live)
    assert c.balance == settings.connects_plan_basic_monthly + 20 - price - 2 - price + price
    # The grant expires first, so it was spent first (10 = 4 + 2 + 4): only live lots are listed.
    assert sorted(lot.kind for lot in c.lots) == ["award", "refund"]
    assert [lot.expires_at for lot in c.lots] == sorted(lot.expires_at for lot in c.lots)
    june = {m.month: m for m in c.months}["2026-06"]
    assert (june.spent, june.refunded) == (2 * price + 2, price)
    assert (c.spent_total, c.refunded_total) == (2 * price + 2, price)
    assert (c.boosts.boosted, c.boosts.viewed, c.boosts.hired, c.boosts.connects_spent) == (
        1,
        1,
        0,
        2,
    )


def test_unrelated_jobs_do_not_leak_into_my_connects(db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    someone = make_freelancer(db, settings)
    propose(db, settings, someone, NOW - timedelta(hours=3))
    make_job(db, settings)
    c = my_stats(db, f.id).connects
    assert c.spent_total == 0 and c.boosts.boosted == 0
    assert [lot.kind for lot in c.lots] == ["grant"]
