"""Connects worker tasks: the monthly grants and the expiry history (marketplace.md §4.1).

Both are safe to run twice, or in two workers at once: grants are unique per (user, month) and
issued under the user-row lock; expiries are claimed by a conditional UPDATE. Work is done in
batches, each committed on its own, so a large marketplace never holds one long transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.connects.service import (
    freelancers_lacking_grant,
    grant_monthly_batch,
    lapse_unpaid_plus,
    record_expired_lots,
)
from workhall.core.clock import utcnow
from workhall.core.db import begin_write
from workhall.core.settings import Settings
from workhall.worker import Task


def _next_batch(session: Session) -> None:
    """Commit the batch done and start the next transaction as a writer."""
    session.commit()
    begin_write(session)


def grant_current_month(session: Session, settings: Settings) -> int:
    """Give this month's grant to every freelancer due it; returns the Connects granted.

    Plus months that were not paid end first, so those freelancers get the basic grant.
    """
    at = utcnow()
    batch = settings.connects_task_batch_size
    after = 0
    while ids := lapse_unpaid_plus(session, at, after, batch):
        after = ids[-1]
        _next_batch(session)
    granted = 0
    after = 0
    while ids := freelancers_lacking_grant(session, at, after, batch):
        granted += grant_monthly_batch(session, settings, ids, at)
        after = ids[-1]
        _next_batch(session)
    return granted


def record_expiries(session: Session, settings: Settings) -> int:
    """Write the ``expire`` events of lots that expired with Connects left; returns lots seen."""
    at = utcnow()
    seen = 0
    while done := record_expired_lots(session, at, settings.connects_task_batch_size):
        seen += done
        _next_batch(session)
    return seen


TASKS = [
    Task("connects-monthly-grants", 300, grant_current_month),
    Task("connects-expiries", 300, record_expiries),
]
