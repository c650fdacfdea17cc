"""Rising Talent pages and the staff pilot report (reputation.md §3): who may see them, the quiz
through the browser, the arms compared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer, make_user, sign_in_browser
from tests.messages.support import make_contract, pay
from tests.reputation.test_readiness import RIGHT, with_wrong
from workhall.core import clock
from workhall.reputation.models import Evaluation, ReadinessAttempt, RisingTalentEnrollment
from workhall.reputation.pilot_report import build_report
from workhall.reputation.readiness import QUESTIONS

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def attempts(db) -> int:  # type: ignore[no-untyped-def]
    return int(db.scalar(select(func.count()).select_from(ReadinessAttempt)) or 0)


@pytest.fixture(autouse=True)
def _now() -> None:
    clock.set_now(NOW)


# --- who may see the pages ---------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/rising-talent", "/rising-talent/readiness", "/staff/pilot"])
def test_anonymous_is_sent_to_sign_in(client, url) -> None:  # type: ignore[no-untyped-def]
    r = client.get(url, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_clients_are_refused(client, db, settings) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in_browser(client, db, settings, make_client(db, settings))
    assert client.get("/rising-talent").status_code == 403
    assert client.get("/rising-talent/readiness").status_code == 403
    r = client.post("/rising-talent/readiness", data={"csrf_token": csrf, **RIGHT})
    assert r.status_code == 403 and attempts(db) == 0
    assert client.get("/staff/pilot").status_code == 403


def test_freelancer_without_evaluation_sees_the_program(client, db, settings) -> None:  # type: ignore[no-untyped-def]
    sign_in_browser(client, db, settings, make_freelancer(db, settings))
    page = client.get("/rising-talent")
    assert page.status_code == 200
    assert 'id="rising-empty"' in page.text and 'href="/rising-talent/readiness"' in page.text
    assert "Pass mark: 8 of 10" in page.text


def test_freelancer_sees_criteria_from_latest_evaluation(client, db, settings) -> None:  # type: ignore[no-untyped-def]
    user = make_freelancer(db, settings)
    criteria = [
        {"name": "no_jss", "label": "No Job Success Score yet", "met": True, "value": None},
        {"name": "readiness_test", "label": "Readiness test passed", "met": False, "value": None},
    ]
    for instant, label in ((NOW - 30 * DAY, "Old label"), (NOW - 9 * DAY, None)):
        items = [dict(c, label=label or c["label"]) for c in criteria]
        db.add(Evaluation(user_id=user.id, instant=instant, details={"rising_talent": items}))
    db.add(Evaluation(user_id=user.id, instant=NOW + DAY, details={"rising_talent": []}))
    sign_in_browser(client, db, settings, user)
    page = client.get("/rising-talent").text
    assert 'id="rising-criteria"' in page and "Old label" not in page
    assert 'data-criterion="readiness_test"' in page and "Readiness test passed" in page
    assert "June 01, 2026" in page  # the evaluation at or before now, not the future one
    assert "wh-badge-rt" not in page


def test_treatment_arm_sees_the_badge_control_does_not(client, db, settings) -> None:  # type: ignore[no-untyped-def]
    for arm, shown in (("treatment", True), ("control", False)):
        user = make_freelancer(db, settings)
        db.add(Evaluation(user_id=user.id, instant=NOW - DAY, rising_talent=arm, details={}))
        sign_in_browser(client, db, settings, user)
        page = client.get("/rising-talent").text
        assert ("You are a Rising Talent" in page) is shown
        assert ("wh-badge-rt" in page) is shown  # the control arm sees nothing of the pilot


# --- the quiz ----------------------------------------------------------------------------------


def test_quiz_fail_then_retake_refused_then_pass(client, db, settings) -> None:  # type: ignore[no-untyped-def]
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    page = client.get("/rising-talent/readiness")
    assert page.status_code == 200 and 'id="readiness-form"' in page.text
    assert page.text.count('type="radio"') == sum(len(q.choices) for q in QUESTIONS) == 40

    r = client.post("/rising-talent/readiness", data={"csrf_token": csrf, **with_wrong(3)})
    assert r.status_code == 200 and "Not passed — 7 of 10" in r.text
    assert "Jun 11, 2026 12:00 UTC" in r.text and r.text.count('data-correct="no"') == 3

    # the form is gone for 24 hours, and a post is refused with when it opens
    page = client.get("/rising-talent/readiness").text
    assert 'id="readiness-wait"' in page and 'id="readiness-form"' not in page
    r = client.post("/rising-talent/readiness", data={"csrf_token": csrf, **RIGHT})
    assert r.status_code == 409 and "from Jun 11, 2026 12:00 UTC" in r.text
    assert attempts(db) == 1

    clock.set_now(NOW + DAY)
    r = client.post("/rising-talent/readiness", data={"csrf_token": csrf, **RIGHT})
    assert r.status_code == 200 and "Passed — 10 of 10" in r.text
    assert 'id="readiness-passed"' in client.get("/rising-talent").text
    r = client.post("/rising-talent/readiness", data={"csrf_token": csrf, **RIGHT})
    assert r.status_code == 409 and "already passed" in r.text
    assert attempts(db) == 2


def test_quiz_bad_input_and_missing_csrf(client, db, settings) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in_browser(client, db, settings, make_freelancer(db, settings))
    r = client.post("/rising-talent/readiness", data={"csrf_token": csrf, "hack": "a"})
    assert r.status_code == 422 and "Unknown question" in r.text
    r = client.post("/rising-talent/readiness", data={"csrf_token": csrf, "basic_grant": "zz"})
    assert r.status_code == 422 and "not one of its choices" in r.text
    assert client.post("/rising-talent/readiness", data=RIGHT).status_code == 403
    assert attempts(db) == 0


# --- the staff report --------------------------------------------------------------------------


def enroll(
    db,
    settings,
    arm: str,
    eligible_at: datetime,
    *,
    won_after: timedelta | None = None,
    paid: tuple[tuple[timedelta, int], ...] = (),
):  # type: ignore[no-untyped-def]
    user = make_freelancer(db, settings)
    db.add(RisingTalentEnrollment(user_id=user.id, arm=arm, first_eligible_at=eligible_at))
    if won_after is not None or paid:
        contract = make_contract(db, settings, freelancer=user)
        contract.started_at = eligible_at + (won_after if won_after is not None else DAY)
        for offset, cents in paid:
            pay(db, contract, cents, eligible_at + offset)
    db.flush()
    return user


def pilot_world(db, settings) -> None:  # type: ignore[no-untyped-def]
    """Treatment: 4 observed (3 won within 60 days: after 10, 20 and 60 days; one after 61),
    1 too recent. Control: 2 observed (1 won after 30 days)."""
    old = NOW - 100 * DAY
    enroll(
        db,
        settings,
        "treatment",
        old,
        won_after=10 * DAY,
        paid=((5 * DAY, 30_000), (89 * DAY, 10_000), (91 * DAY, 99_999)),
    )
    enroll(db, settings, "treatment", old, won_after=20 * DAY)
    enroll(db, settings, "treatment", old, won_after=60 * DAY)
    enroll(db, settings, "treatment", old, won_after=61 * DAY)
    enroll(db, settings, "treatment", NOW - 10 * DAY)
    enroll(db, settings, "control", old, won_after=30 * DAY, paid=((40 * DAY, 20_000),))
    c = enroll(db, settings, "control", old)
    # a contract started before first eligibility is not a "first contract" of the pilot
    before = make_contract(db, settings, freelancer=c)
    before.started_at = old - DAY
    db.flush()


def test_report_numbers(db, settings) -> None:  # type: ignore[no-untyped-def]
    pilot_world(db, settings)
    report = build_report(db, first_contract_days=60, earnings_days=90, now=NOW)
    t, c = report.arms["treatment"], report.arms["control"]
    assert (t.eligible, t.observed_first_contract, t.won_first_contract) == (5, 4, 3)
    assert (c.eligible, c.observed_first_contract, c.won_first_contract) == (2, 2, 1)
    assert t.share_won == 0.75 and c.share_won == 0.5
    assert t.median_days_to_first_contract == 40.0  # 10, 20, 60, 61 → (20 + 60) ÷ 2
    assert c.median_days_to_first_contract == 30.0
    # earnings in [E, E + 90 days): 300 + 100 for one treatment freelancer, 0 for three
    assert t.observed_earnings == 4 and t.mean_earnings_cents == 40_000 / 4
    assert c.mean_earnings_cents == 20_000 / 2
    assert report.difference.difference == pytest.approx(0.25)
    # SE = √(.75·.25/4 + .5·.5/2) = √(.046875 + .125) = .414578
    assert report.difference.standard_error == pytest.approx(0.414578, abs=1e-6)
    assert report.chart_data()["share_won"] == [75.0, 50.0]


def test_empty_report(db, settings) -> None:  # type: ignore[no-untyped-def]
    report = build_report(db, now=NOW)
    assert report.arms["treatment"].eligible == 0 and report.difference.difference is None


@pytest.mark.parametrize("roles", ["support", "trust_safety", "admin"])
def test_staff_see_the_report(client, db, settings, roles) -> None:  # type: ignore[no-untyped-def]
    pilot_world(db, settings)
    sign_in_browser(client, db, settings, make_user(db, settings, "staff", staff_roles=roles))
    page = client.get("/staff/pilot")
    assert page.status_code == 200
    assert 'data-cell="eligible-treatment">5<' in page.text
    assert 'data-cell="share-treatment">75.0%<' in page.text
    assert 'id="pilot-difference">+25.0 pts' in page.text
    assert 'id="pilot-data"' in page.text and "/static/js/pilot.js" in page.text
    assert 'data-cell="earnings-treatment">$100.00<' in page.text


def test_report_says_when_the_interval_has_no_width(client, db, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Both arms at 0% (or 100%): SE is 0 and "+0.0 to +0.0" would look like certainty."""
    from dataclasses import replace

    from workhall.reputation import pilot, pilot_pages

    def all_zero(*args, **kwargs):  # type: ignore[no-untyped-def]
        report = build_report(*args, **kwargs)
        return replace(report, difference=pilot.two_proportion_difference(0, 4, 0, 1))

    monkeypatch.setattr(pilot_pages, "build_report", all_zero)
    sign_in_browser(client, db, settings, make_user(db, settings, "staff", staff_roles="support"))
    page = client.get("/staff/pilot")
    assert page.status_code == 200
    assert 'id="pilot-difference">+0.0 pts' in page.text
    assert "not meaningful yet" in page.text and "+0.0 to +0.0" not in page.text


def test_non_staff_are_refused_the_report(client, db, settings) -> None:  # type: ignore[no-untyped-def]
    for user in (
        make_freelancer(db, settings),
        make_user(db, settings, "staff", staff_roles=""),  # staff without a role
    ):
        sign_in_browser(client, db, settings, user)
        assert client.get("/staff/pilot").status_code == 403
