"""Pending money becomes available (marketplace.md §6.3) — the ``mature-payments`` task."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.payments.conftest import T0, balances, pair
from workhall.core import clock
from workhall.ledger.models import LedgerTransaction
from workhall.ledger.service import ledger_problems
from workhall.payments import service as payments
from workhall.payments.availability import mature_due_payments
from workhall.payments.models import Payment
from workhall.payments.tasks import mature_payments
from workhall.worker import all_tasks

C = 77


def _fund_and_release(db, settings, client, freelancer, amount, available_at, milestone_id):  # type: ignore[no-untyped-def]
    payments.fund_escrow(
        db,
        settings,
        client=client,
        freelancer_id=freelancer.id,
        contract_id=C,
        amount_cents=amount,
        milestone_id=milestone_id,
    )
    return payments.release_escrow(
        db,
        settings,
        client_id=client.id,
        freelancer_id=freelancer.id,
        contract_id=C,
        amount_cents=amount,
        available_at=available_at,
        milestone_id=milestone_id,
    )


def test_the_task_is_registered():
    assert "mature-payments" in {t.name for t in all_tasks()}


def test_pending_until_available_at_then_available(db, settings, t0):
    client, freelancer = pair(db, settings)
    five = _fund_and_release(db, settings, client, freelancer, 10_000, t0 + timedelta(days=5), 1)
    later = _fund_and_release(db, settings, client, freelancer, 20_000, t0 + timedelta(days=12), 2)
    clock.set_now(t0 + timedelta(days=5) - timedelta(seconds=1))
    assert mature_payments(db, settings) == 0
    assert balances(db, freelancer.id)["freelancer_pending"] == 9_000 + 18_000
    clock.set_now(t0 + timedelta(days=5))  # exactly at available_at
    assert mature_payments(db, settings) == 1
    assert balances(db, freelancer.id)["freelancer_pending"] == 18_000
    assert balances(db, freelancer.id)["freelancer_available"] == 9_000
    db.refresh(five)
    txn = db.get(LedgerTransaction, five.available_txn_id)
    assert txn is not None and txn.kind == "available" and txn.reference == f"payment:{five.id}"
    clock.set_now(t0 + timedelta(days=30))
    assert mature_payments(db, settings) == 1
    db.refresh(later)
    assert later.available_txn_id is not None
    assert balances(db, freelancer.id) == {
        "client_funds": 0,
        "escrow": 0,
        "freelancer_pending": 0,
        "freelancer_available": 27_000,
    }


def test_running_it_again_moves_nothing(db, settings, t0):
    client, freelancer = pair(db, settings)
    _fund_and_release(db, settings, client, freelancer, 10_000, t0, 1)
    assert mature_payments(db, settings) == 1
    assert mature_payments(db, settings) == 0
    assert mature_due_payments(db, t0, 10) == (0, 0)
    count = select(func.count()).where(LedgerTransaction.kind == "available")
    assert db.scalar(count) == 1


def test_batches_cover_every_due_payment(db, settings, t0):
    settings.payments_task_batch_size = 2
    client, freelancer = pair(db, settings)
    for m in range(1, 6):
        _fund_and_release(db, settings, client, freelancer, 1_000, t0, m)
    assert mature_payments(db, settings) == 5
    assert balances(db, freelancer.id)["freelancer_available"] == 5 * 900


def test_a_payment_the_fee_took_whole_is_marked_without_moving_money(db, settings, t0):
    settings.fee_schedule = [(None, 10_000)]  # 100%: an operator's (odd) choice
    client, freelancer = pair(db, settings)
    payment = _fund_and_release(db, settings, client, freelancer, 1_000, t0, 1)
    assert payment.net_cents == 0
    assert mature_payments(db, settings) == 1
    db.refresh(payment)
    assert payment.available_txn_id == payment.release_txn_id


@pytest.mark.concurrency
def test_two_workers_at_once_make_each_payment_available_once(committed_db, settings):
    clock.set_now(T0)
    with committed_db.unit_of_work() as s:
        client, freelancer = pair(s, settings)
        for m in range(1, 9):
            _fund_and_release(s, settings, client, freelancer, 1_000, T0, m)
    settings.payments_task_batch_size = 3
    barrier = threading.Barrier(2)
    done: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            with committed_db.unit_of_work() as s:
                done.append(mature_payments(s, settings))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(done) == 8
    with committed_db.unit_of_work(write=False) as s:
        assert balances(s, freelancer.id)["freelancer_available"] == 8 * 900
        assert balances(s, freelancer.id)["freelancer_pending"] == 0
        assert s.scalar(select(func.count()).where(Payment.available_txn_id.is_(None))) == 0
        assert ledger_problems(s) == []
