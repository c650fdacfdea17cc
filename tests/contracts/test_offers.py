"""Offers (marketplace.md §5): from a proposal, an invitation or directly; who may send and
accept them; acceptance hires the proposal and records the hire on the job (§2, §3); declining,
withdrawing and expiry after 14 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.contracts.conftest import LETTER, T0, count, draft, hire, make_world, problem
from tests.factories import make_client, make_freelancer, make_job
from workhall.contracts import offers, tasks
from workhall.contracts.models import Contract, Milestone, Offer
from workhall.contracts.rules import MilestoneTerms
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.jobs.models import Job
from workhall.notifications.models import Notification
from workhall.proposals import service as proposals
from workhall.proposals.models import Proposal


def kinds(db, user) -> list[str]:
    return list(db.scalars(select(Notification.kind).where(Notification.user_id == user.id)))


def test_offer_from_a_proposal_counts_as_a_view_and_notifies(db, settings, world):
    assert world.proposal.viewed_at is None
    offer = offers.send_offer(
        db, settings, world.client, draft(5_000), proposal_id=world.proposal.id
    )
    assert offer.status == "pending" and offer.job_id == world.job.id
    assert offer.expires_at == T0 + timedelta(days=14)
    db.refresh(world.proposal)
    assert world.proposal.viewed_at == T0 and world.proposal.status == "viewed"
    assert "offer" in kinds(db, world.freelancer)


def test_accepting_hires_the_proposal_then_fills_the_job(db, settings, world):
    contract, ms = hire(db, settings, world, 5_000, 7_000)
    db.refresh(world.proposal)
    job = db.get(Job, world.job.id)
    assert world.proposal.status == "hired" and world.proposal.hired_at == T0
    assert job.status == "filled" and job.first_hire_at == T0
    assert (contract.client_id, contract.freelancer_id) == (world.client.id, world.freelancer.id)
    assert (contract.job_id, contract.proposal_id, contract.status) == (
        job.id,
        world.proposal.id,
        "active",
    )
    assert [(m.position, m.amount_cents, m.status) for m in ms] == [
        (1, 5_000, "pending"),
        (2, 7_000, "pending"),
    ]
    assert db.get(Offer, contract.offer_id).contract_id == contract.id
    assert "offer_accepted" in kinds(db, world.client)


def test_keep_hiring_leaves_the_job_open(db, settings, world):
    _contract, _ = hire(db, settings, world, 5_000, keep_hiring=True)
    job = db.get(Job, world.job.id)
    assert job.status == "open" and job.last_hire_at == T0
    # A second hire without a choice follows the job's setting (still open); a third that
    # says "this one fills it" fills the job.
    for keep, status in ((None, "open"), (False, "filled")):
        other = make_freelancer(db, settings)
        p = proposals.submit_proposal(db, settings, other, job.id, LETTER, 9_000).proposal
        d = draft(5_000, keep_hiring=keep)
        offer = offers.send_offer(db, settings, world.client, d, proposal_id=p.id)
        offers.accept_offer(db, settings, other, offer.id)
        assert db.get(Job, job.id).status == status


def test_offer_from_an_invitation_and_directly(db, settings, world):
    other = make_freelancer(db, settings)
    inv = proposals.invite_freelancer(db, settings, world.client, world.job.id, other.handle, "")
    o1 = offers.send_offer(db, settings, world.client, draft(5_000), invitation_id=inv.id)
    assert (o1.freelancer_id, o1.job_id, o1.invitation_id, o1.proposal_id) == (
        other.id,
        world.job.id,
        inv.id,
        None,
    )
    third = make_freelancer(db, settings)
    o2 = offers.send_offer(db, settings, world.client, draft(5_000), freelancer=third.handle)
    assert o2.job_id is None and o2.freelancer_id == third.id
    contract = offers.accept_offer(db, settings, third, o2.id)
    assert contract.job_id is None and contract.proposal_id is None
    # Directly for a job where the freelancer already proposed: the proposal is linked.
    o3 = offers.send_offer(
        db,
        settings,
        world.client,
        draft(5_000),
        freelancer=world.freelancer.id,
        job_id=world.job.id,
    )
    assert o3.proposal_id == world.proposal.id


def test_hourly_offer_records_rate_and_limit(db, settings, world):
    d = offers.OfferDraft(
        title="Ongoing help", kind="hourly", hourly_rate_cents=4_500, weekly_limit_hours=20
    )
    offer = offers.send_offer(db, settings, world.client, d, proposal_id=world.proposal.id)
    contract = offers.accept_offer(db, settings, world.freelancer, offer.id)
    assert (contract.kind, contract.hourly_rate_cents, contract.weekly_limit_hours) == (
        "hourly",
        4_500,
        20,
    )
    assert count(db, Milestone) == 0


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"phone_verified_at": None}, "phone_unverified"),
        ({"email_verified_at": None}, "email_unverified"),
        ({"status": "on_hold"}, None),
    ],
)
def test_only_a_verified_active_client_sends_offers(db, settings, world, change, why):
    for key, value in change.items():
        setattr(world.client, key, value)
    with pytest.raises(Forbidden) as caught:
        offers.send_offer(db, settings, world.client, draft(5_000), proposal_id=world.proposal.id)
    assert caught.value.extra.get("reason") == why
    assert count(db, Offer) == 0


def test_linked_accounts_cannot_hire_each_other(db, settings, world):
    world.freelancer.phone_e164 = world.client.phone_e164
    db.flush()
    with pytest.raises(Forbidden):
        offers.send_offer(
            db, settings, world.client, draft(5_000), freelancer=world.freelancer.handle
        )
    assert count(db, Offer) == 0


def test_sources_must_be_the_clients_own(db, settings, world):
    stranger = make_client(db, settings)
    with pytest.raises((Forbidden, NotFound)):
        offers.send_offer(db, settings, stranger, draft(5_000), proposal_id=world.proposal.id)
    with pytest.raises(Forbidden):
        offers.send_offer(
            db,
            settings,
            stranger,
            draft(5_000),
            freelancer=world.freelancer.handle,
            job_id=world.job.id,
        )
    with pytest.raises(NotFound):
        offers.send_offer(db, settings, world.client, draft(5_000), freelancer="nobody-here")
    with pytest.raises(Unprocessable):
        offers.send_offer(db, settings, world.client, draft(5_000))  # no source at all
    with pytest.raises(Forbidden):
        offers.send_offer(
            db, settings, world.freelancer, draft(5_000), freelancer=world.freelancer.handle
        )
    assert count(db, Offer) == 0


def test_one_pending_offer_per_freelancer_and_job(db, settings, world):
    offers.send_offer(db, settings, world.client, draft(5_000), proposal_id=world.proposal.id)
    with pytest.raises(Conflict):
        offers.send_offer(db, settings, world.client, draft(6_000), proposal_id=world.proposal.id)


def test_declined_proposal_or_closed_job_takes_no_offer(db, settings, world):
    proposals.decline(db, settings, world.client, world.proposal.id)
    with pytest.raises(Conflict):
        offers.send_offer(db, settings, world.client, draft(5_000), proposal_id=world.proposal.id)
    job = make_job(db, settings, world.client, status="cancelled")
    with pytest.raises(Conflict):
        offers.send_offer(
            db,
            settings,
            world.client,
            draft(5_000),
            freelancer=world.freelancer.handle,
            job_id=job.id,
        )


def test_accepting_after_the_job_closed_is_refused(db, settings, world):
    offer = offers.send_offer(
        db, settings, world.client, draft(5_000), proposal_id=world.proposal.id
    )
    from workhall.jobs.service import cancel_job

    cancel_job(db, settings, world.client, world.job.id)
    with pytest.raises(Conflict):
        offers.accept_offer(db, settings, world.freelancer, offer.id)


def test_decline_and_withdraw(db, settings, world):
    offer = offers.send_offer(
        db, settings, world.client, draft(5_000), proposal_id=world.proposal.id
    )
    with pytest.raises(Forbidden):
        offers.withdraw_offer(db, settings, world.freelancer, offer.id)  # the other party
    with pytest.raises(Forbidden):
        offers.decline_offer(db, settings, world.client, offer.id)
    offers.decline_offer(db, settings, world.freelancer, offer.id, "  Busy until March.  ")
    assert (offer.status, offer.declined_at, offer.decline_reason) == (
        "declined",
        T0,
        "Busy until March.",
    )
    assert "offer_declined" in kinds(db, world.client)
    with pytest.raises(Conflict):
        offers.accept_offer(db, settings, world.freelancer, offer.id)
    assert db.get(Proposal, world.proposal.id).status == "viewed"  # the proposal stays open

    second = offers.send_offer(
        db, settings, world.client, draft(5_000), proposal_id=world.proposal.id
    )
    offers.withdraw_offer(db, settings, world.client, second.id)
    assert (second.status, second.withdrawn_at) == ("withdrawn", T0)
    with pytest.raises(Conflict):
        offers.accept_offer(db, settings, world.freelancer, second.id)
    assert count(db, Contract) == 0


def test_offers_expire_after_14_days(db, settings, world):
    offer = offers.send_offer(
        db, settings, world.client, draft(5_000), proposal_id=world.proposal.id
    )
    clock.set_now(T0 + timedelta(days=14) - timedelta(seconds=1))
    assert offers.expire_offers(db, settings) == 0
    clock.set_now(T0 + timedelta(days=14))
    with pytest.raises(Conflict):  # lapsed, even before the worker marks it
        offers.accept_offer(db, settings, world.freelancer, offer.id)
    task = next(t for t in tasks.TASKS if t.name == "expire-offers")
    assert task.fn(db, settings) == 1
    assert task.fn(db, settings) == 0  # idempotent
    db.refresh(offer)
    assert (offer.status, offer.expired_at) == ("expired", T0 + timedelta(days=14))
    assert "offer_expired" in kinds(db, world.client)


def test_bad_terms_store_nothing(db, settings, world):
    bad = [
        draft(499),
        draft(),
        draft(*([500] * 21)),
        draft(500, title=""),
        offers.OfferDraft(title="x", kind="fixed", milestones=(MilestoneTerms("bad\x00", 500),)),
        offers.OfferDraft(title="x", kind="hourly", hourly_rate_cents=50, weekly_limit_hours=10),
        offers.OfferDraft(title="x", kind="hourly", hourly_rate_cents=5_000, weekly_limit_hours=81),
    ]
    for d in bad:
        with pytest.raises(Unprocessable):
            offers.send_offer(db, settings, world.client, d, proposal_id=world.proposal.id)
    assert count(db, Offer) == 0


# --- through the API --------------------------------------------------------------------------


def test_offer_api_states_and_lists(client, db, settings, world):
    body = {
        "proposal_id": world.proposal.id,
        "title": "T",
        "kind": "fixed",
        "milestones": [{"title": "M", "amount_cents": 500}],
    }
    offer = client.post("/api/v1/offers", json=body, headers=world.ch).json()
    r = client.post(
        f"/api/v1/offers/{offer['id']}/decline", json={"reason": "No."}, headers=world.fh
    )
    assert r.status_code == 200 and r.json()["status"] == "declined"
    problem(client.post(f"/api/v1/offers/{offer['id']}/accept", headers=world.fh), 409)
    sent = client.get("/api/v1/me/offers", headers=world.ch).json()["items"]
    assert [o["status"] for o in sent] == ["declined"]
    assert client.get("/api/v1/me/offers?status=pending", headers=world.ch).json()["items"] == []
    problem(client.get("/api/v1/me/offers?status=bogus", headers=world.ch), 422)
    clock.set_now(T0 + timedelta(days=1))
    second = client.post("/api/v1/offers", json=body, headers=world.ch).json()
    clock.set_now(T0 + timedelta(days=20))
    got = client.get(f"/api/v1/offers/{second['id']}", headers=world.fh).json()
    assert got["status"] == "expired"  # lapsed, shown so before the worker runs


def test_second_world_is_independent(db, settings):
    clock.set_now(T0)
    w = make_world(db, settings)
    assert w.proposal.freelancer_id == w.freelancer.id
