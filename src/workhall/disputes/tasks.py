"""Worker tasks of disputes (marketplace.md §5). Each claims its rows with a conditional
UPDATE, so running a task twice, or in two workers at once, acts once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.core.settings import Settings
from workhall.disputes.service import default_unanswered_disputes
from workhall.worker import Task


def _default_disputes(session: Session, settings: Settings) -> int:
    """spec: marketplace.md §5 — "the client has 5 days to answer (no answer → recorded as
    freelancer_won, funds to the freelancer)"."""
    return default_unanswered_disputes(session, settings)


TASKS = [Task("default-disputes", 300, _default_disputes)]
