"""The audit log page (trust.md §3): filters by actor, action, subject and dates; pages;
bad filters answered with a message."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.factories import make_freelancer
from tests.staff.conftest import browse_as, make_staff
from workhall.audit.service import record
from workhall.core import clock
from workhall.core.errors import Unprocessable
from workhall.staff import queries


def day(d: int, h: int = 12) -> datetime:
    return datetime(2026, 3, d, h, tzinfo=UTC)


@pytest.fixture
def log(db, settings):
    """Five events over three days by two actors and the system (the accounts were made
    the day before)."""
    clock.set_now(datetime(2026, 2, 28, tzinfo=UTC))
    agent = make_staff(db, settings, "trust_safety")
    other = make_staff(db, settings, "admin")
    target = make_freelancer(db, settings)
    rows = [
        (day(1), agent.id, "account.hold_placed", "user", target.id),
        (day(1, 23), agent.id, "account.status", "user", target.id),
        (day(2), other.id, "dispute.decided", "dispute", 7),
        (day(3, 0), None, "account.hold_ended", "user", target.id),
        (day(3, 23), other.id, "job.removed", "job", 12),
    ]
    for at, actor, action, stype, sid in rows:
        clock.set_now(at)
        record(db, action, stype, sid, actor_id=actor, note="x")
    db.flush()
    clock.set_now(None)
    return agent, other, target


def actions(page) -> list[str]:
    return [e.action for e in page.rows]


def test_filters(db, settings, log):
    agent, other, target = log
    everything = queries.audit_events(db, queries.AuditFilter())
    assert everything.total >= 5 and actions(everything)[0] == "job.removed"  # newest first

    def run(**kw: str) -> list[str]:
        f = queries.audit_filter(
            **{
                "actor": "",
                "action": "",
                "subject_type": "",
                "subject_id": "",
                "date_from": "",
                "date_to": "",
                **kw,
            }
        )
        return actions(queries.audit_events(db, f))

    march = {"date_from": "2026-03-01"}
    assert run(actor=f"@{agent.handle}", **march) == ["account.status", "account.hold_placed"]
    assert run(actor=str(other.id), **march) == ["job.removed", "dispute.decided"]
    assert "account.hold_ended" in run(actor="system")
    assert run(actor="@nobody-by-that-handle") == []
    assert run(action="account.*", date_from="2026-03-01", date_to="2026-03-03") == [
        "account.hold_ended",
        "account.status",
        "account.hold_placed",
    ]
    assert run(action="dispute.decided") == ["dispute.decided"]
    assert run(action="account") == []  # exact unless it ends in . or *
    assert run(subject_type="user", subject_id=str(target.id), date_from="2026-03-01") == [
        "account.hold_ended",
        "account.status",
        "account.hold_placed",
    ]
    # The end date is inclusive up to 23:59:59.999 of that day.
    assert run(date_from="2026-03-03", date_to="2026-03-03") == [
        "job.removed",
        "account.hold_ended",
    ]
    assert run(date_from="2026-03-02", date_to="2026-03-02") == ["dispute.decided"]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"date_from": "03/01/2026"}, "start date"),
        ({"date_to": "2026-02-30"}, "end date"),
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "before the start"),
        ({"action": "a" * 61}, "under 61"),
    ],
)
def test_bad_filters(kw, message):
    base = dict.fromkeys(
        ("actor", "action", "subject_type", "subject_id", "date_from", "date_to"), ""
    )
    with pytest.raises(Unprocessable, match=message):
        queries.audit_filter(**{**base, **kw})


def test_audit_page_filters_and_pages(db, settings, client, log):
    agent, _, target = log
    for i in range(55):
        record(db, "test.bulk", "thing", i, actor_id=agent.id)
    db.flush()
    browse_as(client, db, settings, agent)
    page = client.get("/staff/audit?action=test.bulk")
    assert page.status_code == 200 and "55 events" in page.text and "Page 1 of 2" in page.text
    assert 'href="/staff/audit?action=test.bulk&amp;page=2"' in page.text
    page2 = client.get("/staff/audit?action=test.bulk&page=2")
    assert page2.text.count("<code>test.bulk</code>") == 5
    march_first = "date_from=2026-03-01&date_to=2026-03-01"
    page = client.get(f"/staff/audit?subject_type=user&subject_id={target.id}&{march_first}")
    assert "2 events" in page.text and "account.hold_placed" in page.text
    assert f'href="/staff/users/{target.id}"' in page.text
    bad = client.get("/staff/audit?date_from=yesterday")
    assert bad.status_code == 400 and "Enter the start date as a date" in bad.text
    assert client.get("/staff/audit?page=0").status_code == 400
    assert client.get("/staff/audit?actor=" + "9" * 30).status_code == 400


def test_parse_day():
    assert queries.parse_day(" 2026-03-01 ", "start date") == date(2026, 3, 1)
    assert queries.parse_day("", "start date") is None
