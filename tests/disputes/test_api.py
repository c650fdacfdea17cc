"""The disputes API (marketplace.md §5): a journey through it, the authorization matrix (a third
user, the other party, support staff, anonymous) and bad input (4xx, nothing stored)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.contracts.conftest import make_world, problem
from tests.disputes.conftest import T0, balances, file_on_milestone, sent_back_twice
from tests.factories import api_headers, make_client, make_freelancer
from workhall.core import clock
from workhall.disputes.models import Dispute, DisputeMessage

REASON = "I delivered what the job asked for; the client keeps moving the goalposts."


def count(db, model) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_journey(db, settings, client, case, agent_headers):
    w = case.w
    r = client.post(
        "/api/v1/disputes", json={"milestone_id": case.milestone.id, "reason": REASON}, headers=w.fh
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "awaiting_client" and body["at_stake_cents"] == 10_000
    assert body["answer_due"].startswith("2026-11-23T09:30")
    did = body["id"]
    r = client.post(f"/api/v1/disputes/{did}/messages", json={"body": "Hello."}, headers=w.fh)
    assert r.status_code == 201 and r.json()["author_role"] == "freelancer"
    r = client.post(f"/api/v1/disputes/{did}/answer", json={"answer": "It is not."}, headers=w.ch)
    assert r.status_code == 200 and r.json()["status"] == "in_mediation"
    r = client.get("/api/v1/staff/disputes", headers=agent_headers)
    assert [d["id"] for d in r.json()["items"]] == [did]
    decision = {"outcome": "split", "freelancer_cents": 7_000, "client_cents": 3_000}
    headers = {**agent_headers, "Idempotency-Key": "decide-1"}
    r = client.post(f"/api/v1/disputes/{did}/decide", json=decision, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "split" and r.json()["freelancer_cents"] == 7_000
    again = client.post(f"/api/v1/disputes/{did}/decide", json=decision, headers=headers)
    assert again.status_code == 200 and again.headers.get("idempotent-replayed") == "true"
    assert balances(db, w.freelancer)["freelancer_pending"] == 6_300
    r = client.get(f"/api/v1/disputes/{did}", headers=w.ch)
    assert r.json()["status"] == "decided" and len(r.json()["messages"]) == 1


def test_staff_queue_is_ordered_by_due_time(db, settings, client, agent_headers, world):
    first = file_on_milestone(db, settings, sent_back_twice(db, settings, world))
    clock.advance(timedelta(hours=3))
    other = make_world(db, settings)
    second = file_on_milestone(db, settings, sent_back_twice(db, settings, other))
    r = client.get("/api/v1/staff/disputes", headers=agent_headers)
    assert [d["id"] for d in r.json()["items"]] == [first.id, second.id]


@pytest.fixture
def outsiders(db, settings, support):
    return {
        "third freelancer": api_headers(db, settings, make_freelancer(db, settings)),
        "third client": api_headers(db, settings, make_client(db, settings)),
        "support staff": api_headers(db, settings, support),
        "anonymous": {},
    }


def test_outsiders_cannot_read_or_write(db, settings, client, case, disputed, outsiders):
    did = disputed.id
    for who, headers in outsiders.items():
        expected = 401 if who == "anonymous" else 404
        assert client.get(f"/api/v1/disputes/{did}", headers=headers).status_code == expected, who
        r = client.post(f"/api/v1/disputes/{did}/messages", json={"body": "Hi"}, headers=headers)
        assert r.status_code == expected, who
        r = client.post(f"/api/v1/disputes/{did}/answer", json={"answer": "x"}, headers=headers)
        assert r.status_code in ((401,) if who == "anonymous" else (403, 404)), who
        r = client.post(
            f"/api/v1/disputes/{did}/decide", json={"outcome": "client_won"}, headers=headers
        )
        assert r.status_code == (401 if who == "anonymous" else 403), who
        r = client.get("/api/v1/staff/disputes", headers=headers)
        assert r.status_code == (401 if who == "anonymous" else 403), who
        r = client.post(
            "/api/v1/disputes",
            json={"milestone_id": case.milestone.id, "reason": REASON},
            headers=headers,
        )
        assert r.status_code in ((401,) if who == "anonymous" else (403, 404)), who
    assert count(db, DisputeMessage) == 0
    db.refresh(disputed)
    assert disputed.status == "awaiting_client"


def test_the_other_role_is_refused(db, settings, client, case, disputed):
    w = case.w
    did = disputed.id
    # the client cannot file; the freelancer cannot answer; neither party decides
    r = client.post(
        "/api/v1/disputes", json={"milestone_id": case.milestone.id, "reason": REASON}, headers=w.ch
    )
    problem(r, 403)
    problem(client.post(f"/api/v1/disputes/{did}/answer", json={"answer": "x"}, headers=w.fh), 403)
    for h in (w.ch, w.fh):
        r = client.post(f"/api/v1/disputes/{did}/decide", json={"outcome": "split"}, headers=h)
        problem(r, 403)
        problem(client.get("/api/v1/staff/disputes", headers=h), 403)
        assert client.get(f"/api/v1/disputes/{did}", headers=h).status_code == 200
    assert count(db, Dispute) == 1


def test_agent_reads_and_writes_but_support_does_not_decide(
    db, settings, client, case, answered, agent_headers, support
):
    did = answered.id
    assert client.get(f"/api/v1/disputes/{did}", headers=agent_headers).status_code == 200
    r = client.post(f"/api/v1/disputes/{did}/messages", json={"body": "Hi"}, headers=agent_headers)
    assert r.status_code == 201 and r.json()["author_role"] == "agent"
    r = client.post(
        f"/api/v1/disputes/{did}/decide",
        json={"outcome": "client_won"},
        headers=api_headers(db, settings, support),
    )
    problem(r, 403)
    assert balances(db, case.w.client)["escrow"] == 10_000


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": REASON},
        {"milestone_id": 1, "escrow_return_id": 1, "reason": REASON},
        {"milestone_id": 0, "reason": REASON},
        {"milestone_id": "1", "reason": REASON},
        {"milestone_id": 2**63, "reason": REASON},
        {"milestone_id": 1, "reason": ""},
        {"milestone_id": 1, "reason": "x" * 5001},
        {"milestone_id": 1, "reason": REASON, "extra": 1},
    ],
)
def test_bad_filing_is_422(db, settings, client, case, body):
    problem(client.post("/api/v1/disputes", json=body, headers=case.w.fh), 422)
    assert count(db, Dispute) == 0


def test_unknown_and_ineligible_subjects(db, settings, client, case):
    w = case.w
    r = client.post(
        "/api/v1/disputes", json={"milestone_id": 999_999, "reason": REASON}, headers=w.fh
    )
    problem(r, 404)
    clock.set_now(T0 + 8 * timedelta(days=1))
    r = client.post(
        "/api/v1/disputes", json={"milestone_id": case.milestone.id, "reason": REASON}, headers=w.fh
    )
    problem(r, 409)
    assert count(db, Dispute) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "draw"},
        {"outcome": "split", "freelancer_cents": 5_000, "client_cents": 4_000},
        {"outcome": "split", "freelancer_cents": -1, "client_cents": 10_001},
        {"outcome": "split", "freelancer_cents": 10_000, "client_cents": 0},
        {"outcome": "client_won", "freelancer_cents": 1},
        {"outcome": "split", "freelancer_cents": "5000", "client_cents": 5_000},
        {"outcome": "client_won", "notes": "x" * 5001},
    ],
)
def test_bad_decision_moves_nothing(db, settings, client, case, answered, agent_headers, body):
    r = client.post(f"/api/v1/disputes/{answered.id}/decide", json=body, headers=agent_headers)
    problem(r, 422)
    db.refresh(answered)
    assert answered.status == "in_mediation"
    assert balances(db, case.w.client)["escrow"] == 10_000


def test_bad_messages_and_answers(db, settings, client, case, disputed):
    did = disputed.id
    for body in ({}, {"body": ""}, {"body": "x" * 5001}, {"body": "hi", "x": 1}):
        problem(client.post(f"/api/v1/disputes/{did}/messages", json=body, headers=case.w.fh), 422)
    for body in ({}, {"answer": ""}, {"answer": "x" * 5001}):
        problem(client.post(f"/api/v1/disputes/{did}/answer", json=body, headers=case.w.ch), 422)
    assert client.get("/api/v1/disputes/0", headers=case.w.fh).status_code == 422
    problem(client.get("/api/v1/disputes/999999", headers=case.w.fh), 404)
    assert count(db, DisputeMessage) == 0
