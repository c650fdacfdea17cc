"""Automatic approval (marketplace.md §5): "No action within 14 days of a submission →
automatic approval" — by the worker task, at exactly 14 days and not before, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.contracts.conftest import T0, hire
from workhall.contracts import returns, service, tasks
from workhall.contracts.models import ContractEvent
from workhall.core import clock
from workhall.ledger import service as ledger
from workhall.notifications.models import Notification
from workhall.payments.models import Payment

AUTO = next(t for t in tasks.TASKS if t.name == "auto-approve-milestones")


def submitted(db, settings, world, *amounts):
    contract, ms = hire(db, settings, world, *(amounts or (10_000,)))
    for m in ms:
        service.fund_milestone(db, settings, world.client, m.id)
        service.submit_work(db, settings, world.freelancer, m.id, "Done, see the demo.")
    return contract, ms


def test_approved_at_exactly_14_days_and_not_before(db, settings, world):
    _contract, (m,) = submitted(db, settings, world)
    clock.set_now(T0 + timedelta(days=14) - timedelta(seconds=1))
    assert AUTO.fn(db, settings) == 0
    db.refresh(m)
    assert m.status == "submitted"
    clock.set_now(T0 + timedelta(days=14))
    assert AUTO.fn(db, settings) == 1
    db.refresh(m)
    assert (m.status, m.auto_approved, m.approved_at) == ("approved", True, T0 + timedelta(days=14))
    assert AUTO.fn(db, settings) == 0  # idempotent: the money moved once
    assert len(db.scalars(select(Payment)).all()) == 1
    assert ledger.user_balances(db, world.freelancer.id)["freelancer_pending"] == 9_000
    payment = db.scalar(select(Payment))
    assert payment.available_at == T0 + timedelta(days=14 + 5)
    # Both sides are told; the timeline shows who acted (nobody: automatic).
    for user in (world.client, world.freelancer):
        texts = db.scalars(
            select(Notification.text).where(
                Notification.user_id == user.id, Notification.kind == "milestone_approved"
            )
        ).all()
        assert len(texts) == 1 and "automatically" in texts[0]
    event = db.scalar(select(ContractEvent).where(ContractEvent.kind == "milestone_auto_approved"))
    assert event.actor_id is None and event.amount_cents == 10_000


def test_the_clock_restarts_at_each_resubmission(db, settings, world):
    _contract, (m,) = submitted(db, settings, world)
    clock.set_now(T0 + timedelta(days=10))
    service.request_changes(db, settings, world.client, m.id, "Please add tests.")
    clock.set_now(T0 + timedelta(days=15))
    assert AUTO.fn(db, settings) == 0  # changes requested: the ball is with the freelancer
    service.submit_work(db, settings, world.freelancer, m.id, "Tests added.")
    clock.set_now(T0 + timedelta(days=15 + 14) - timedelta(seconds=1))
    assert AUTO.fn(db, settings) == 0
    clock.set_now(T0 + timedelta(days=15 + 14))
    assert AUTO.fn(db, settings) == 1


def test_still_runs_after_the_contract_ended(db, settings, world):
    contract, (m,) = submitted(db, settings, world)
    service.end_contract(db, settings, world.client, contract.id, "Project cancelled.")
    clock.set_now(T0 + timedelta(days=14))
    assert AUTO.fn(db, settings) == 1
    db.refresh(m)
    assert m.status == "approved"


def test_not_while_an_escrow_return_request_covers_it(db, settings, world):
    contract, (m,) = submitted(db, settings, world)
    service.end_contract(db, settings, world.client, contract.id)
    clock.set_now(T0 + timedelta(days=1))
    request = returns.request_escrow_return(db, settings, world.client, contract.id)
    returns.mark_escrow_return_disputed(db, request.id)  # the disputes feature takes over
    clock.set_now(T0 + timedelta(days=30))
    assert AUTO.fn(db, settings) == 0
    db.refresh(m)
    assert m.status == "submitted" and m.escrow_return_id == request.id


def test_several_due_milestones_in_one_run(db, settings, world):
    submitted(db, settings, world, 10_000, 20_000, 30_000)
    clock.set_now(T0 + timedelta(days=14))
    assert AUTO.fn(db, settings) == 3
    assert ledger.user_balances(db, world.client.id)["escrow"] == 0
