"""Payments worker tasks: pending payments become available (marketplace.md §6.3).

Safe to run twice, or in two workers at once (``mature_due_payments`` claims each payment with a
conditional UPDATE). Each batch is its own transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.core.clock import utcnow
from workhall.core.db import begin_write
from workhall.core.settings import Settings
from workhall.payments.availability import mature_due_payments
from workhall.worker import Task


def mature_payments(session: Session, settings: Settings) -> int:
    """Move every payment whose ``available_at`` has come from pending to available;
    returns how many were moved."""
    at = utcnow()
    matured = 0
    while True:
        seen, done = mature_due_payments(session, at, settings.payments_task_batch_size)
        matured += done
        if seen == 0:
            return matured
        session.commit()  # the batch done; the next one in a new transaction
        begin_write(session)


TASKS = [Task("mature-payments", 300, mature_payments)]
