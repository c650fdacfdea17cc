"""Worker tasks of the staff console: timed holds end by themselves (marketplace.md §1)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.core.settings import Settings
from workhall.staff.standing import end_expired_holds
from workhall.worker import Task


def _end_expired_holds(session: Session, settings: Settings) -> int:
    """A hold placed with an end time releases the account at that time (status back to
    ``active`` once no other hold is open), without an agent."""
    return end_expired_holds(session, settings)


TASKS = [Task("end-expired-holds", 300, _end_expired_holds)]
