"""Support ticket API: who may open and read tickets, problem documents for bad input, and
nothing written on a refusal (trust.md §3)."""

from __future__ import annotations

import pytest

from tests.factories import api_headers, make_client, make_freelancer
from tests.support.conftest import count, make_staff, make_top_rated
from workhall.support.models import SupportMessage, SupportTicket

NEW = {"subject": "Payout missing", "category": "payments", "body": "My payout is late."}


def test_top_rated_opens_a_priority_ticket(db, settings, client):
    h = api_headers(db, settings, make_top_rated(db, settings))
    r = client.post("/api/v1/support/tickets", json=NEW, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["priority"] == "priority" and body["status"] == "open"
    assert body["messages"][0]["body"] == "My payout is late."
    listed = client.get("/api/v1/support/tickets", headers=h).json()["items"]
    assert [t["id"] for t in listed] == [body["id"]]


def test_client_ticket_is_standard_and_thread_grows(db, settings, client):
    h = api_headers(db, settings, make_client(db, settings))
    t = client.post("/api/v1/support/tickets", json=NEW, headers=h).json()
    assert t["priority"] == "standard"
    r = client.post(f"/api/v1/support/tickets/{t['id']}/messages", json={"body": "+1"}, headers=h)
    assert r.status_code == 201 and r.json()["from_staff"] is False
    got = client.get(f"/api/v1/support/tickets/{t['id']}", headers=h).json()
    assert [m["body"] for m in got["messages"]] == ["My payout is late.", "+1"]


def test_agent_reply_through_the_api_answers(db, settings, client):
    h = api_headers(db, settings, make_freelancer(db, settings))
    t = client.post("/api/v1/support/tickets", json=NEW, headers=h).json()
    agent = api_headers(db, settings, make_staff(db, settings, "support"))
    r = client.post(
        f"/api/v1/support/tickets/{t['id']}/messages", json={"body": "Fixed."}, headers=agent
    )
    assert r.status_code == 201 and r.json()["from_staff"] is True
    got = client.get(f"/api/v1/support/tickets/{t['id']}", headers=h).json()
    assert got["status"] == "answered" and got["first_response_at"] is not None


def test_others_and_anonymous_cannot_reach_a_ticket(db, settings, client):
    owner = api_headers(db, settings, make_freelancer(db, settings))
    t = client.post("/api/v1/support/tickets", json=NEW, headers=owner).json()
    for h in (
        api_headers(db, settings, make_freelancer(db, settings)),
        api_headers(db, settings, make_staff(db, settings, "trust_safety")),
    ):
        assert client.get(f"/api/v1/support/tickets/{t['id']}", headers=h).status_code == 404
        r = client.post(
            f"/api/v1/support/tickets/{t['id']}/messages", json={"body": "x"}, headers=h
        )
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"/api/v1/support/tickets/{t['id']}").status_code == 401
    assert client.get("/api/v1/support/tickets").status_code == 401
    assert count(db, SupportMessage) == 1


def test_staff_cannot_open_tickets(db, settings, client):
    h = api_headers(db, settings, make_staff(db, settings, "support"))
    r = client.post("/api/v1/support/tickets", json=NEW, headers=h)
    assert r.status_code == 403 and r.json()["status"] == 403
    assert count(db, SupportTicket) == 0


@pytest.mark.parametrize(
    "body",
    [
        {**NEW, "subject": ""},
        {**NEW, "subject": "x" * 151},
        {**NEW, "category": "refunds"},
        {**NEW, "body": "x" * 5001},
        {**NEW, "priority": "priority"},  # the priority is not the caller's to choose
        {"subject": "No body", "category": "other"},
    ],
)
def test_bad_input_is_a_422_problem_and_nothing_is_written(db, settings, client, body):
    h = api_headers(db, settings, make_freelancer(db, settings))
    r = client.post("/api/v1/support/tickets", json=body, headers=h)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert count(db, SupportTicket) == 0


def test_blank_reply_is_refused(db, settings, client):
    h = api_headers(db, settings, make_freelancer(db, settings))
    t = client.post("/api/v1/support/tickets", json=NEW, headers=h).json()
    r = client.post(f"/api/v1/support/tickets/{t['id']}/messages", json={"body": "  "}, headers=h)
    assert r.status_code == 422 and count(db, SupportMessage) == 1
    r = client.get("/api/v1/support/tickets/99999999999999999999", headers=h)
    assert r.status_code == 422
