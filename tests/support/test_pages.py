"""Support pages: the user's tickets and form (with the priority target for Top Rated
freelancers), the thread, the staff queue (order, overdue, filters) and its tools."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_client, make_freelancer, sign_in_browser
from tests.support.conftest import T0, count, make_staff, make_top_rated
from workhall.core import clock
from workhall.support import service
from workhall.support.models import SupportMessage, SupportTicket


@pytest.fixture(autouse=True)
def _frozen():
    clock.set_now(T0)


def test_top_rated_sees_priority_and_opens_a_ticket(db, settings, client):
    user = make_top_rated(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    page = client.get("/support")
    assert page.status_code == 200
    assert "priority queue" in page.text and "4 hours" in page.text
    assert 'for="ticket-subject"' in page.text and "No tickets yet" in page.text
    r = client.post(
        "/support",
        data={"csrf_token": csrf, "subject": "Payout", "category": "payments", "body": "Late."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    t = db.scalar(select(SupportTicket))
    assert t is not None and r.headers["location"] == f"/support/{t.id}"
    page = client.get(f"/support/{t.id}")
    assert "Priority" in page.text and "Nov 20, 13:00 UTC" in page.text and "Late." in page.text


def test_plain_freelancer_sees_the_24_hour_target(db, settings, client):
    sign_in_browser(client, db, settings, make_freelancer(db, settings))
    page = client.get("/support")
    assert "24 hours" in page.text and "How to earn it" in page.text


def test_bad_form_rerenders_with_message_and_writes_nothing(db, settings, client):
    csrf = sign_in_browser(client, db, settings, make_client(db, settings))
    r = client.post(
        "/support", data={"csrf_token": csrf, "subject": "", "category": "other", "body": "Hi"}
    )
    assert r.status_code == 400 and "subject" in r.text and "alert-danger" in r.text
    r = client.post(
        "/support", data={"subject": "Hi", "category": "other", "body": "Hi"}
    )  # no CSRF token
    assert r.status_code == 403
    assert count(db, SupportTicket) == 0


def test_user_replies_and_closes_and_reply_reopens(db, settings, client):
    user = make_freelancer(db, settings)
    t = service.open_ticket(db, settings, user, "Q", "other", "q")
    csrf = sign_in_browser(client, db, settings, user)
    r = client.post(f"/support/{t.id}/close", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    db.refresh(t)
    assert t.status == "closed"
    r = client.post(
        f"/support/{t.id}/messages",
        data={"csrf_token": csrf, "body": "Again"},
        follow_redirects=False,
    )
    db.refresh(t)
    assert r.status_code == 303 and t.status == "open"


def test_other_users_anonymous_and_staff_without_role(db, settings, client):
    owner = make_freelancer(db, settings)
    t = service.open_ticket(db, settings, owner, "Private", "other", "secret text")
    db.commit()
    assert client.get(f"/support/{t.id}", follow_redirects=False).status_code == 303  # sign in
    csrf = sign_in_browser(client, db, settings, make_freelancer(db, settings))
    page = client.get(f"/support/{t.id}")
    assert page.status_code == 404 and "secret text" not in page.text
    r = client.post(f"/support/{t.id}/messages", data={"csrf_token": csrf, "body": "x"})
    assert r.status_code == 404 and count(db, SupportMessage) == 1
    sign_in_browser(client, db, settings, make_staff(db, settings, "trust_safety"))
    assert client.get("/staff/support").status_code == 403
    assert client.get(f"/staff/support/{t.id}").status_code == 403
    assert client.get("/support").status_code == 403  # staff use the queue


def test_staff_queue_order_overdue_and_tools(db, settings, client):
    plain = make_freelancer(db, settings, name="Plain Person")
    star = make_top_rated(db, settings, name="Star Person")
    standard = service.open_ticket(db, settings, plain, "Login question", "other", "s")
    clock.set_now(T0 + timedelta(hours=2))
    priority = service.open_ticket(db, settings, star, "Payout question", "payments", "p")
    clock.set_now(T0 + timedelta(hours=7))  # the priority one (due T0+6h) is overdue
    agent = make_staff(db, settings, "support")
    csrf = sign_in_browser(client, db, settings, agent)
    page = client.get("/staff/support")
    assert page.status_code == 200
    assert page.text.index("Payout question") < page.text.index("Login question")
    assert page.text.count("Overdue") == 1 and "table-danger" in page.text
    r = client.post(
        f"/staff/support/{standard.id}/assign", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    mine = client.get("/staff/support?mine=true")
    assert "Login question" in mine.text and "Payout question" not in mine.text
    r = client.post(
        f"/support/{priority.id}/messages",
        data={"csrf_token": csrf, "body": "We are on it."},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/staff/support/{priority.id}"
    db.refresh(priority)
    assert priority.status == "answered" and priority.first_response_at == clock.utcnow()
    answered = client.get("/staff/support?status=answered")
    assert "Payout question" in answered.text and "Login question" not in answered.text
    detail = client.get(f"/staff/support/{priority.id}")
    assert "Star Person" in detail.text and "We are on it." in detail.text
    r = client.post(f"/support/{priority.id}/close", data={"csrf_token": csrf})
    db.refresh(priority)
    assert priority.status == "closed"
    closed = client.get("/staff/support?status=closed&mine=true")  # the first reply assigned it
    assert "Payout question" in closed.text
    empty = client.get("/staff/support?status=answered&mine=true")
    assert "No answered tickets assigned to you" in empty.text
