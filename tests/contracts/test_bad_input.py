"""Bad input to the offer and contract API (quality.md §2): oversized, malformed, wrong-type
and hostile input gets a 4xx problem document and stores nothing."""

from __future__ import annotations

import pytest

from tests.contracts.conftest import count, hire, problem
from workhall.contracts import service
from workhall.contracts.models import ContractEvent, Milestone, Offer

GOOD = {
    "title": "Booking app",
    "kind": "fixed",
    "milestones": [{"title": "M1", "amount_cents": 500}],
}

BAD_OFFERS = [
    {**GOOD, "surprise": 1},  # unknown field
    {**GOOD, "title": ""},
    {**GOOD, "title": "x" * 121},
    {**GOOD, "description": "x" * 5001},
    {**GOOD, "kind": "retainer"},
    {**GOOD, "milestones": []},  # ≥ 1 milestone
    {**GOOD, "milestones": [{"title": "M", "amount_cents": 499}]},  # each ≥ $5
    {**GOOD, "milestones": [{"title": "M", "amount_cents": "500"}]},  # wrong type
    {**GOOD, "milestones": [{"title": "M", "amount_cents": 5.5}]},
    {**GOOD, "milestones": [{"title": "M", "amount_cents": 10**30}]},  # huge numbers
    {**GOOD, "milestones": [{"title": "M", "amount_cents": 500, "due_date": "2026-13-40"}]},
    {**GOOD, "milestones": [{"title": "M", "amount_cents": 500, "due_date": "2001-01-01"}]},
    {**GOOD, "milestones": [{"title": "M", "amount_cents": 500}] * 21},
    {**GOOD, "milestones": [{"title": "bad\u0000title", "amount_cents": 500}]},  # control char
    {**GOOD, "title": "tab\u0007bell"},
    {**GOOD, "kind": "hourly", "milestones": [], "hourly_rate_cents": 99, "weekly_limit_hours": 10},
    {
        **GOOD,
        "kind": "hourly",
        "milestones": [],
        "hourly_rate_cents": 5000,
        "weekly_limit_hours": 81,
    },
    {**GOOD, "kind": "hourly", "milestones": [], "hourly_rate_cents": 5000},
    {**GOOD, "keep_hiring": "yes"},
    {**GOOD, "proposal_id": 2**63},
    {**GOOD, "proposal_id": -1},
]


@pytest.mark.parametrize("body", BAD_OFFERS)
def test_bad_offers_are_422_and_store_nothing(client, db, world, body):
    body = {"proposal_id": world.proposal.id, **body}
    problem(client.post("/api/v1/offers", json=body, headers=world.ch), 422)
    assert count(db, Offer) == 0


def test_more_than_one_source_or_none(client, db, world):
    both = {**GOOD, "proposal_id": world.proposal.id, "freelancer": world.freelancer.handle}
    problem(client.post("/api/v1/offers", json=both, headers=world.ch), 422)
    problem(client.post("/api/v1/offers", json=GOOD, headers=world.ch), 422)
    unknown = {**GOOD, "freelancer": "../../etc/passwd"}
    problem(client.post("/api/v1/offers", json=unknown, headers=world.ch), 404)
    problem(client.post("/api/v1/offers", content=b"{not json", headers=world.ch), 422)
    assert count(db, Offer) == 0


def test_bad_milestone_and_contract_input(client, db, settings, world):
    contract, (m,) = hire(db, settings, world, 10_000)
    service.fund_milestone(db, settings, world.client, m.id)
    events_before = count(db, ContractEvent)
    base = f"/api/v1/milestones/{m.id}"
    for body in (
        {"message": ""},
        {"message": "x" * 5001},
        {"message": "ok", "link": "javascript:alert(1)"},
        {"message": "ok", "link": "https://" + "x" * 600},
        {"message": "ok", "link": "ftp://files.example.com/a"},
        {"message": "ok", "extra": True},
        {"message": "null byte \x00 inside"},
    ):
        problem(client.post(f"{base}/submit", json=body, headers=world.fh), 422)
    problem(client.post(f"{base}/request-changes", json={"message": ""}, headers=world.ch), 422)
    for body in (
        {"title": "Extra", "amount_cents": 100},
        {"title": "", "amount_cents": 500},
        {"title": "Extra", "amount_cents": 500, "due_date": "2000-01-01"},
        {"title": "Extra"},
    ):
        r = client.post(f"/api/v1/contracts/{contract.id}/milestones", json=body, headers=world.ch)
        problem(r, 422)
    problem(
        client.post(
            f"/api/v1/contracts/{contract.id}/end", json={"reason": "x" * 1001}, headers=world.ch
        ),
        422,
    )
    for path in (
        "/api/v1/milestones/0/fund",
        f"/api/v1/milestones/{2**63}/fund",
        "/api/v1/milestones/abc/fund",
    ):
        problem(client.post(path, headers=world.ch), 422)
    problem(client.post("/api/v1/milestones/987654/fund", headers=world.ch), 404)
    problem(client.post(f"{base}/fund", headers={**world.ch, "Idempotency-Key": "x" * 201}), 422)
    db.expire_all()
    assert db.get(Milestone, m.id).status == "funded"
    assert count(db, Milestone) == 1 and count(db, ContractEvent) == events_before
    assert db.get(type(contract), contract.id).status == "active"


def test_wrong_state_is_409(client, db, settings, world):
    contract, (m,) = hire(db, settings, world, 10_000)
    base = f"/api/v1/milestones/{m.id}"
    problem(client.post(f"{base}/submit", json={"message": "early"}, headers=world.fh), 409)
    problem(client.post(f"{base}/approve", headers=world.ch), 409)
    problem(client.post(f"{base}/request-changes", json={"message": "?"}, headers=world.ch), 409)
    problem(client.post(f"/api/v1/contracts/{contract.id}/escrow-return", headers=world.ch), 409)
    assert db.get(Milestone, m.id).status == "pending"
