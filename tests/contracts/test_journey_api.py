"""The whole fixed-price journey through the API (marketplace.md §5, §6): offer → accept →
fund → submit → request changes → resubmit → approve, with the money checked account by
account, and idempotent replays of the money requests (§6.4)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.contracts.conftest import T0, hire, problem
from workhall.contracts.models import Contract, Milestone
from workhall.core import clock
from workhall.jobs.models import Job
from workhall.ledger import service as ledger
from workhall.payments.models import ClientCharge, Payment
from workhall.proposals.models import Proposal


def platform_fees(db) -> int:
    return ledger.balance(db, ledger.get_account(db, None, "fees").id)


OFFER = {
    "title": "Booking app, phase 1",
    "description": "Calendar, booking form and e-mails.",
    "kind": "fixed",
    "milestones": [
        {"title": "Calendar and booking form", "amount_cents": 40_000},
        {"title": "E-mails", "amount_cents": 10_000, "due_date": "2026-12-20"},
    ],
}


def test_fixed_price_journey(client, db, settings, world):
    w = world
    fees_before = platform_fees(db)
    # The client makes an offer from the proposal: that counts as viewing it (§3).
    r = client.post("/api/v1/offers", json={**OFFER, "proposal_id": w.proposal.id}, headers=w.ch)
    assert r.status_code == 201, r.text
    offer = r.json()
    assert offer["status"] == "pending" and offer["total_cents"] == 50_000
    assert offer["freelancer"]["id"] == w.freelancer.id and offer["job_id"] == w.job.id
    assert offer["expires_at"].startswith((T0 + timedelta(days=14)).date().isoformat())
    db.expire_all()
    assert db.get(Proposal, w.proposal.id).viewed_at is not None

    # Both parties read it; the freelancer sees it among their offers.
    assert client.get(f"/api/v1/offers/{offer['id']}", headers=w.ch).status_code == 200
    mine = client.get("/api/v1/me/offers", headers=w.fh).json()["items"]
    assert [o["id"] for o in mine] == [offer["id"]]

    # Accepting creates the contract, hires the proposal and fills the job (§5).
    r = client.post(f"/api/v1/offers/{offer['id']}/accept", headers=w.fh)
    assert r.status_code == 201, r.text
    contract = r.json()
    assert contract["status"] == "active" and contract["kind"] == "fixed"
    assert [m["status"] for m in contract["milestones"]] == ["pending", "pending"]
    assert [m["amount_cents"] for m in contract["milestones"]] == [40_000, 10_000]
    db.expire_all()
    assert db.get(Proposal, w.proposal.id).status == "hired"
    assert db.get(Job, w.job.id).status == "filled"
    m1 = contract["milestones"][0]["id"]

    # Fund: the card is charged 400 + 3% = 412; 400 sits in escrow, 12 is the client fee.
    r = client.post(f"/api/v1/milestones/{m1}/fund", headers={**w.ch, "Idempotency-Key": "f-1"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "funded" and r.json()["funded_at"]
    charge = db.scalar(select(ClientCharge).where(ClientCharge.milestone_id == m1))
    assert (charge.amount_cents, charge.fee_cents, charge.charge_cents) == (40_000, 1_200, 41_200)
    assert ledger.user_balances(db, w.client.id)["escrow"] == 40_000
    assert platform_fees(db) - fees_before == 1_200

    # Submit, request changes, resubmit.
    clock.set_now(T0 + timedelta(days=1))
    body = {"message": "First version is live.", "link": "https://example.com/demo"}
    r = client.post(f"/api/v1/milestones/{m1}/submit", json=body, headers=w.fh)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted" and r.json()["submission_count"] == 1
    assert r.json()["auto_approve_at"].startswith((T0 + timedelta(days=15)).date().isoformat())
    r = client.post(
        f"/api/v1/milestones/{m1}/request-changes",
        json={"message": "The form needs a phone field."},
        headers=w.ch,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "changes_requested" and r.json()["changes_requested_count"] == 1
    r = client.post(f"/api/v1/milestones/{m1}/submit", json={"message": "Added."}, headers=w.fh)
    assert r.json()["status"] == "submitted" and r.json()["submission_count"] == 2

    # Approve: 400 released, 10% service fee → 360 pending for the freelancer for 5 days.
    clock.set_now(T0 + timedelta(days=2))
    r = client.post(f"/api/v1/milestones/{m1}/approve", headers={**w.ch, "Idempotency-Key": "a-1"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved" and r.json()["auto_approved"] is False
    fl = ledger.user_balances(db, w.freelancer.id)
    assert fl["freelancer_pending"] == 36_000 and fl["freelancer_available"] == 0
    assert ledger.user_balances(db, w.client.id)["escrow"] == 0
    assert platform_fees(db) - fees_before == 1_200 + 4_000
    payment = db.scalar(select(Payment).where(Payment.milestone_id == m1))
    assert payment.amount_cents == 40_000 and payment.fee_cents == 4_000
    assert payment.available_at == T0 + timedelta(days=2 + 5)

    # The contract page data tells the story.
    c = client.get(f"/api/v1/contracts/{contract['id']}", headers=w.fh).json()
    assert [m["status"] for m in c["milestones"]] == ["approved", "pending"]
    assert c["escrow"] == {
        "funded_cents": 40_000,
        "in_escrow_cents": 0,
        "released_cents": 40_000,
        "refunded_cents": 0,
    }
    listed = client.get("/api/v1/contracts", headers=w.ch).json()["items"]
    assert [x["id"] for x in listed] == [contract["id"]]


def test_fund_and_approve_replay_move_money_once(client, db, settings, world):
    w = world
    _contract, ms = hire(db, settings, w, 20_000)
    url = f"/api/v1/milestones/{ms[0].id}"
    fund = client.post(f"{url}/fund", headers={**w.ch, "Idempotency-Key": "fund-A"})
    again = client.post(f"{url}/fund", headers={**w.ch, "Idempotency-Key": "fund-A"})
    assert fund.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == fund.json()
    assert len(db.scalars(select(ClientCharge)).all()) == 1
    assert ledger.user_balances(db, w.client.id)["escrow"] == 20_000
    # Without the key a second funding is refused by the milestone's state.
    problem(client.post(f"{url}/fund", headers=w.ch), 409)

    approve = client.post(f"{url}/approve", headers={**w.ch, "Idempotency-Key": "ok-A"})
    replay = client.post(f"{url}/approve", headers={**w.ch, "Idempotency-Key": "ok-A"})
    assert approve.status_code == replay.status_code == 200
    assert replay.json() == approve.json()
    assert len(db.scalars(select(Payment)).all()) == 1
    assert ledger.user_balances(db, w.freelancer.id)["freelancer_pending"] == 18_000
    # The same key on another request is a 422 and moves nothing.
    problem(client.post(f"{url}/fund", headers={**w.ch, "Idempotency-Key": "ok-A"}), 422)
    problem(client.post(f"{url}/approve", headers=w.ch), 409)


def test_add_milestone_to_an_active_contract(client, db, settings, world):
    w = world
    contract, _ = hire(db, settings, world, 10_000)
    body = {"title": "Extra: admin export", "amount_cents": 7_500, "due_date": "2026-12-31"}
    r = client.post(f"/api/v1/contracts/{contract.id}/milestones", json=body, headers=w.ch)
    assert r.status_code == 201, r.text
    assert r.json()["position"] == 2 and r.json()["status"] == "pending"
    fund = client.post(f"/api/v1/milestones/{r.json()['id']}/fund", headers=w.ch)
    assert fund.status_code == 200, fund.text
    assert ledger.user_balances(db, w.client.id)["escrow"] == 7_500


def test_declined_card_funds_nothing(client, db, settings):
    from tests.contracts.conftest import DECLINES_ON_CHARGE, make_world

    clock.set_now(T0)
    w = make_world(db, settings, card=DECLINES_ON_CHARGE)
    _contract, ms = hire(db, settings, w, 10_000)
    problem(client.post(f"/api/v1/milestones/{ms[0].id}/fund", headers=w.ch), 402)
    db.expire_all()
    assert db.get(Milestone, ms[0].id).status == "pending"
    assert ledger.user_balances(db, w.client.id)["escrow"] == 0


def test_no_saved_card_is_a_403(client, db, settings):
    from tests.contracts.conftest import make_world

    clock.set_now(T0)
    w = make_world(db, settings)
    w.client.client_profile.payment_method_token = None
    db.flush()
    contract, ms = hire(db, settings, w, 10_000)
    problem(client.post(f"/api/v1/milestones/{ms[0].id}/fund", headers=w.ch), 403)
    db.expire_all()
    assert db.get(Milestone, ms[0].id).status == "pending"
    assert db.get(Contract, contract.id).status == "active"
