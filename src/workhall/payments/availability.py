"""Released money becomes available (marketplace.md §6.3).

A payment's net waits in ``freelancer_pending`` until its ``available_at`` (5 days after a
fixed-price release; 10 days after the billed week for hourly), then the ``mature-payments``
task moves it to ``freelancer_available``, from where it can be withdrawn.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workhall.ledger import service as ledger
from workhall.ledger.service import Leg
from workhall.payments.models import Payment


def mature_due_payments(session: Session, at: datetime, limit: int) -> tuple[int, int]:
    """Make the net of up to ``limit`` due payments available; returns (seen, matured).

    Idempotent and safe with two workers: the due rows are locked (``FOR UPDATE SKIP
    LOCKED`` on PostgreSQL — a second worker takes other rows; SQLite's writer lock runs the
    workers one after the other), and each payment is claimed by a conditional UPDATE on
    ``available_txn_id IS NULL``; a payment someone else claimed is left alone and its ledger
    transaction undone. Locks the freelancers' ``freelancer_pending`` accounts.
    """
    due = session.scalars(
        select(Payment)
        .where(Payment.available_txn_id.is_(None), Payment.available_at <= at)
        .order_by(Payment.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    matured = 0
    for payment in due:
        savepoint = session.begin_nested()
        txn_id = _move_to_available(session, payment)
        claimed = session.execute(
            update(Payment)
            .where(Payment.id == payment.id, Payment.available_txn_id.is_(None))
            .values(available_txn_id=txn_id)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            savepoint.rollback()
            continue
        savepoint.commit()
        session.refresh(payment)
        matured += 1
    return len(due), matured


def _move_to_available(session: Session, payment: Payment) -> int:
    """Post pending → available for the payment's net; the id of the ledger transaction."""
    if payment.net_cents == 0:  # a payment the fee took whole: nothing to move, only to mark
        assert payment.release_txn_id is not None
        return payment.release_txn_id
    pending = ledger.get_account(session, payment.freelancer_id, "freelancer_pending")
    available = ledger.get_account(session, payment.freelancer_id, "freelancer_available")
    return ledger.post(
        session,
        "available",
        [Leg(pending, -payment.net_cents), Leg(available, payment.net_cents)],
        memo=f"Payment {payment.id} is available",
        contract_id=payment.contract_id,
        reference=f"payment:{payment.id}",
    ).id
