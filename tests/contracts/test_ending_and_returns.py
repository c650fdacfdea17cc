"""Ending a contract and asking for escrow back (marketplace.md §5): "Either side may end a
contract. If funded escrow is left, the client may ask for it back: the freelancer refunds it
or disputes within 7 days; with no answer it returns to the client.\""""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.contracts.conftest import T0, hire
from workhall.contracts import returns, service, tasks
from workhall.contracts.models import Milestone
from workhall.core import clock, events
from workhall.core.errors import Conflict, Forbidden, NotFound
from workhall.ledger import service as ledger
from workhall.notifications.models import Notification
from workhall.payments.models import ClientRefund

RETURN = next(t for t in tasks.TASKS if t.name == "return-unanswered-escrow")


def escrow(db, user) -> int:
    return ledger.user_balances(db, user.id)["escrow"]


@pytest.fixture
def funded(db, settings, world):
    """Three milestones: one approved, one funded, one submitted, and one never funded."""
    contract, ms = hire(db, settings, world, 10_000, 20_000, 30_000, 40_000)
    for m in ms[:3]:
        service.fund_milestone(db, settings, world.client, m.id)
    service.approve_milestone(db, settings, world.client, ms[0].id)
    service.submit_work(db, settings, world.freelancer, ms[2].id, "Part three is done.")
    return contract, ms


def test_ending_with_funded_escrow_keeps_it(db, settings, world, funded, monkeypatch):
    contract, ms = funded
    seen = []
    monkeypatch.setattr(
        events, "publish", lambda name, **kw: seen.append((name, kw["contract"].id))
    )
    service.end_contract(db, settings, world.freelancer, contract.id, "Moving on.")
    assert (contract.status, contract.ended_at, contract.ended_by_id) == (
        "ended",
        T0,
        world.freelancer.id,
    )
    assert contract.end_reason == "Moving on." and seen == [("contract_ended", contract.id)]
    for m in ms:
        db.refresh(m)
    # Unfunded milestones are cancelled; escrow stays where it is.
    assert [m.status for m in ms] == ["approved", "funded", "submitted", "cancelled"]
    assert escrow(db, world.client) == 50_000
    assert service.escrow_left(db, contract.id) == 50_000
    notes = db.scalars(
        select(Notification.text).where(
            Notification.user_id == world.client.id, Notification.kind == "contract_ended"
        )
    ).all()
    assert len(notes) == 1 and "$500.00 is still in escrow" in notes[0]
    with pytest.raises(Conflict):
        service.end_contract(db, settings, world.client, contract.id)
    # Nothing new on an ended contract, but the client may still release escrow.
    with pytest.raises(Conflict):
        service.submit_work(db, settings, world.freelancer, ms[1].id, "More work")
    with pytest.raises(Conflict):
        service.add_milestone(db, settings, world.client, contract.id, "Extra", 5_000)
    service.approve_milestone(db, settings, world.client, ms[1].id)
    assert escrow(db, world.client) == 30_000


def test_freelancer_refunds_the_escrow(db, settings, world, funded):
    contract, ms = funded
    with pytest.raises(Conflict):  # the contract must end first
        returns.request_escrow_return(db, settings, world.client, contract.id)
    service.end_contract(db, settings, world.client, contract.id)
    with pytest.raises(Forbidden):
        returns.request_escrow_return(db, settings, world.freelancer, contract.id)
    request = returns.request_escrow_return(db, settings, world.client, contract.id, "Please.")
    assert (request.amount_cents, request.status) == (50_000, "pending")
    assert request.respond_by == T0 + timedelta(days=7)
    with pytest.raises(Conflict):  # one request at a time
        returns.request_escrow_return(db, settings, world.client, contract.id)
    with pytest.raises(Conflict):  # covered milestones wait for the answer
        service.submit_work(db, settings, world.freelancer, ms[1].id, "x")
    with pytest.raises(Forbidden):
        returns.refund_escrow_return(db, settings, world.client, request.id)
    funds_before = ledger.user_balances(db, world.client.id)["client_funds"]
    returns.refund_escrow_return(db, settings, world.freelancer, request.id)
    assert (request.status, request.refunded_cents, request.resolved_at) == ("refunded", 50_000, T0)
    assert escrow(db, world.client) == 0
    assert ledger.user_balances(db, world.client.id)["client_funds"] == funds_before
    refunds = db.scalars(select(ClientRefund).order_by(ClientRefund.milestone_id)).all()
    # The client fee comes back in proportion (§6.2): 3% of 200 and of 300.
    assert [(r.amount_cents, r.fee_cents) for r in refunds] == [(20_000, 600), (30_000, 900)]
    statuses = [db.get(Milestone, m.id).status for m in ms]
    assert statuses == ["approved", "refunded", "refunded", "cancelled"]
    with pytest.raises(Conflict):
        returns.refund_escrow_return(db, settings, world.freelancer, request.id)


def test_no_answer_in_7_days_returns_it(db, settings, world, funded):
    contract, ms = funded
    service.end_contract(db, settings, world.client, contract.id)
    clock.set_now(T0 + timedelta(hours=1))
    request = returns.request_escrow_return(db, settings, world.client, contract.id)
    clock.set_now(T0 + timedelta(hours=1, days=7) - timedelta(seconds=1))
    assert returns.escrow_return_requests_due(db) == []
    assert RETURN.fn(db, settings) == 0
    # Submitted work under the request is not approved automatically meanwhile.
    clock.set_now(T0 + timedelta(hours=1, days=7))
    assert [r.id for r in returns.escrow_return_requests_due(db)] == [request.id]
    auto = next(t for t in tasks.TASKS if t.name == "auto-approve-milestones")
    assert auto.fn(db, settings) == 0
    assert RETURN.fn(db, settings) == 1
    assert RETURN.fn(db, settings) == 0  # idempotent
    db.refresh(request)
    assert (request.status, request.refunded_cents) == ("returned", 50_000)
    assert escrow(db, world.client) == 0
    assert [db.get(Milestone, m.id).status for m in ms[1:3]] == ["refunded", "refunded"]
    for user in (world.client, world.freelancer):
        kinds = db.scalars(select(Notification.kind).where(Notification.user_id == user.id)).all()
        assert "escrow_returned" in kinds


def test_a_disputed_request_does_not_return(db, settings, world, funded):
    contract, _ = funded
    service.end_contract(db, settings, world.client, contract.id)
    request = returns.request_escrow_return(db, settings, world.client, contract.id)
    returns.mark_escrow_return_disputed(db, request.id, dispute_id=77)
    assert (request.status, request.dispute_id) == ("disputed", 77)
    clock.set_now(T0 + timedelta(days=30))
    assert RETURN.fn(db, settings) == 0
    assert escrow(db, world.client) == 50_000
    with pytest.raises(Conflict):
        returns.refund_escrow_return(db, settings, world.freelancer, request.id)


def test_too_late_to_dispute(db, settings, world, funded):
    contract, _ = funded
    service.end_contract(db, settings, world.client, contract.id)
    request = returns.request_escrow_return(db, settings, world.client, contract.id)
    clock.set_now(T0 + timedelta(days=7))
    with pytest.raises(Conflict):
        returns.mark_escrow_return_disputed(db, request.id)


def test_approving_meanwhile_pays_the_freelancer_instead(db, settings, world, funded):
    contract, ms = funded
    service.end_contract(db, settings, world.client, contract.id)
    request = returns.request_escrow_return(db, settings, world.client, contract.id)
    service.approve_milestone(db, settings, world.client, ms[2].id)
    returns.refund_escrow_return(db, settings, world.freelancer, request.id)
    assert request.refunded_cents == 20_000
    assert db.get(Milestone, ms[2].id).status == "approved"


def test_nothing_to_ask_for(db, settings, world):
    contract, _ms = hire(db, settings, world, 10_000)
    service.end_contract(db, settings, world.client, contract.id)
    with pytest.raises(Conflict):
        returns.request_escrow_return(db, settings, world.client, contract.id)


def test_strangers_cannot_end_or_ask(db, settings, world):
    from tests.factories import make_client, make_freelancer

    contract, _ = hire(db, settings, world, 10_000)
    for stranger in (make_client(db, settings), make_freelancer(db, settings)):
        with pytest.raises(NotFound):
            service.end_contract(db, settings, stranger, contract.id)
        with pytest.raises(NotFound):
            returns.request_escrow_return(db, settings, stranger, contract.id)


def test_an_account_with_an_active_contract_cannot_close(db, settings, world):
    from tests.contracts.conftest import draft
    from tests.factories import PASSWORD
    from workhall.accounts.service import close_account
    from workhall.contracts import offers
    from workhall.contracts.models import Offer

    contract, _ = hire(db, settings, world, 10_000)
    with pytest.raises(Conflict):
        close_account(db, settings, world.freelancer, password=PASSWORD, ip="127.0.0.1")
    assert world.freelancer.status == "active"
    # Ended: the account may close, and its pending offers go with it.
    service.end_contract(db, settings, world.client, contract.id)
    pending = offers.send_offer(
        db, settings, world.client, draft(5_000), freelancer=world.freelancer.id
    )
    close_account(db, settings, world.freelancer, password=PASSWORD, ip="127.0.0.1")
    assert world.freelancer.status == "closed"
    assert db.get(Offer, pending.id).status == "declined"
