"""The accounts pages: search, the account's page, and the hold / lift / suspend / reinstate
forms — CSRF, reasons, bad input re-rendered with a message and nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_freelancer, sign_in_browser
from tests.staff.conftest import REASON, T0, browse_as, count, make_staff
from workhall.accounts.models import AccountHold, AccountStatusChange
from workhall.core import clock
from workhall.notifications.models import Notification


@pytest.fixture
def agent(db, settings):
    clock.set_now(T0)
    return make_staff(db, settings, "trust_safety")


def test_place_and_lift_a_hold_through_the_page(db, settings, client, agent):
    fl = make_freelancer(db, settings, name="Ada Lovelace")
    csrf = browse_as(client, db, settings, agent)
    page = client.get(f"/staff/users/{fl.id}")
    assert page.status_code == 200
    assert "Ada Lovelace" in page.text and 'for="hold-reason"' in page.text
    assert "No holds, ever." in page.text
    r = client.post(
        f"/staff/users/{fl.id}/holds",
        data={"csrf_token": csrf, "reason": REASON, "ends_at": "2026-11-25T18:00"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/staff/users/{fl.id}"
    hold = db.scalar(select(AccountHold).where(AccountHold.user_id == fl.id))
    assert hold is not None and f"{hold.ends_at:%Y-%m-%d %H:%M %Z}" == "2026-11-25 18:00 UTC"
    db.refresh(fl)
    assert fl.status == "on_hold"
    page = client.get(f"/staff/users/{fl.id}")
    assert "Hold placed until Nov 25, 2026 18:00 UTC" in page.text
    assert "in force" in page.text and REASON in page.text
    assert "account.hold_placed" in page.text  # recent audit events
    r = client.post(
        f"/staff/users/{fl.id}/holds/{hold.id}/lift",
        data={"csrf_token": csrf, "reason": "Bank confirmed the payments."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(fl)
    db.refresh(hold)
    assert fl.status == "active" and hold.lifted_by_id == agent.id
    assert "Lifted: Bank confirmed the payments." in client.get(f"/staff/users/{fl.id}").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": ""}, "at least 5 characters"),
        ({"reason": "x" * 400}, "under 301 characters"),
        ({"reason": REASON, "ends_at": "next tuesday"}, "date and time"),
        ({"reason": REASON, "ends_at": "2026-11-01T10:00"}, "in the future"),
        ({"reason": REASON, "ends_at": "2028-01-01T10:00"}, "within 365 days"),
    ],
)
def test_bad_hold_forms_rerender_and_write_nothing(db, settings, client, agent, data, message):
    fl = make_freelancer(db, settings)
    csrf = browse_as(client, db, settings, agent)
    r = client.post(f"/staff/users/{fl.id}/holds", data={"csrf_token": csrf, **data})
    assert r.status_code == 400 and "alert-danger" in r.text and message in r.text
    assert count(db, AccountHold) == 0 and count(db, AccountStatusChange) == 0
    if data["reason"] and len(data["reason"]) < 300:
        assert data["reason"] in r.text  # the agent's text is kept


def test_oversized_and_csrf_less_forms_are_refused(db, settings, client, agent):
    fl = make_freelancer(db, settings)
    csrf = browse_as(client, db, settings, agent)
    r = client.post(f"/staff/users/{fl.id}/holds", data={"csrf_token": csrf, "reason": "x" * 6000})
    assert r.status_code == 400
    r = client.post(f"/staff/users/{fl.id}/holds", data={"reason": REASON})
    assert r.status_code == 403
    forged = {"csrf_token": "forged", "reason": REASON}
    r = client.post(f"/staff/users/{fl.id}/suspend", data=forged)
    assert r.status_code == 403
    assert count(db, AccountHold) == 0
    db.refresh(fl)
    assert fl.status == "active"


def test_suspend_signs_the_user_out_and_reinstate_brings_them_back(
    db, settings, client, agent, app
):
    from fastapi.testclient import TestClient

    fl = make_freelancer(db, settings)
    with TestClient(app) as theirs:
        sign_in_browser(theirs, db, settings, fl)
        assert theirs.get("/notifications", follow_redirects=False).status_code == 200
        csrf = browse_as(client, db, settings, agent)
        r = client.post(
            f"/staff/users/{fl.id}/suspend",
            data={"csrf_token": csrf, "reason": "Running several accounts."},
            follow_redirects=False,
        )
        assert r.status_code == 303
        db.refresh(fl)
        assert fl.status == "suspended"
        assert theirs.get("/notifications", follow_redirects=False).status_code == 303
    page = client.get(f"/staff/users/{fl.id}")
    assert f'action="/staff/users/{fl.id}/reinstate"' in page.text
    assert f'action="/staff/users/{fl.id}/holds"' not in page.text  # no hold on suspended
    r = client.post(
        f"/staff/users/{fl.id}/reinstate",
        data={"csrf_token": csrf, "reason": "Appeal accepted."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(fl)
    assert fl.status == "active"
    texts = [n.text for n in db.scalars(select(Notification).where(Notification.user_id == fl.id))]
    assert any("suspended. Reason: Running several accounts." in t for t in texts)
    assert any("reinstated (active). Reason: Appeal accepted." in t for t in texts)


def test_conflicts_show_on_the_page(db, settings, client, agent):
    fl = make_freelancer(db, settings)
    csrf = browse_as(client, db, settings, agent)
    r = client.post(
        f"/staff/users/{fl.id}/reinstate", data={"csrf_token": csrf, "reason": "Appeal accepted."}
    )
    assert r.status_code == 400 and "Only a suspended account" in r.text
    r = client.post(f"/staff/users/{agent.id}/suspend", data={"csrf_token": csrf, "reason": REASON})
    assert r.status_code == 403


def test_support_sees_accounts_without_actions(db, settings, client):
    fl = make_freelancer(db, settings)
    browse_as(client, db, settings, make_staff(db, settings, "support"))
    page = client.get(f"/staff/users/{fl.id}")
    assert page.status_code == 200 and "decided by trust &amp; safety" in page.text
    assert "/holds" not in page.text.replace(f"/staff/users/{fl.id}/holds/", "")


def test_unknown_accounts_and_holds_are_404(db, settings, client, agent):
    fl = make_freelancer(db, settings)
    csrf = browse_as(client, db, settings, agent)
    assert client.get("/staff/users/99999999").status_code == 404
    assert client.get(f"/staff/users/{2**63}").status_code in (400, 404)
    r = client.post(
        f"/staff/users/{fl.id}/holds/12345/lift", data={"csrf_token": csrf, "reason": REASON}
    )
    assert r.status_code == 404


def test_search_by_handle_email_and_name_with_pages(db, settings, client, agent):
    for i in range(27):
        make_freelancer(db, settings, name=f"Grace Hopper {i}", email=f"grace{i}@navy.example")
    other = make_freelancer(db, settings, name="Alan Turing")
    browse_as(client, db, settings, agent)
    page = client.get("/staff/users?q=HOPPER")
    assert "27 accounts" in page.text and "Page 1 of 2" in page.text
    assert "Alan Turing" not in page.text
    # No link to a page that does not exist (page 0 before the first, 3 after the last).
    assert "page=0" not in page.text and "q=HOPPER&amp;page=2" in page.text
    page2 = client.get("/staff/users?q=hopper&page=2")
    assert page2.text.count("Grace Hopper") == 2
    assert "page=3" not in page2.text and "q=hopper&amp;page=1" in page2.text
    assert "Alan Turing" in client.get("/staff/users?q=turing").text
    assert "1 account" in client.get(f"/staff/users?q=@{other.handle}").text
    assert "27 accounts" in client.get("/staff/users?q=navy.example").text
    assert "0 accounts" in client.get("/staff/users?q=100%25").text  # % is literal
    assert client.get("/staff/users?status=bogus").status_code == 400
    assert client.get("/staff/users?page=0").status_code == 400
    assert client.get("/staff/users?q=" + "x" * 200).status_code == 400
    held = make_freelancer(db, settings, status="on_hold")
    page = client.get("/staff/users?status=on_hold")
    assert f"@{held.handle}" in page.text and "1 account" in page.text


def test_timed_hold_lifts_on_the_worker_run(db, settings, client, agent):
    fl = make_freelancer(db, settings)
    csrf = browse_as(client, db, settings, agent)
    client.post(
        f"/staff/users/{fl.id}/holds",
        data={"csrf_token": csrf, "reason": REASON, "ends_at": "2026-11-19T09:30"},
    )
    from workhall.staff.tasks import TASKS

    clock.set_now(T0 + timedelta(days=1))
    assert TASKS[0].fn(db, settings) == 1
    db.flush()
    page = client.get(f"/staff/users/{fl.id}")
    assert "account.hold_ended" in page.text and "in force" not in page.text
