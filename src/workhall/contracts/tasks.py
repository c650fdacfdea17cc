"""Worker tasks of the contracts feature (marketplace.md §5). Each claims its rows with a
conditional UPDATE, so running a task twice, or in two workers at once, acts once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.contracts.offers import expire_offers
from workhall.contracts.returns import return_unanswered_escrow
from workhall.contracts.service import auto_approve_due_milestones
from workhall.core.settings import Settings
from workhall.worker import Task


def _auto_approve(session: Session, settings: Settings) -> int:
    """spec: marketplace.md §5 — "No action within 14 days of a submission → automatic
    approval"."""
    return auto_approve_due_milestones(session, settings)


def _return_escrow(session: Session, settings: Settings) -> int:
    """spec: marketplace.md §5 — an escrow-return request with no answer in 7 days returns the
    escrow to the client."""
    return return_unanswered_escrow(session, settings)


def _expire_offers(session: Session, settings: Settings) -> int:
    """Pending offers lapse after ``offer_expiry_days`` (docs/contracts.md)."""
    return expire_offers(session, settings)


TASKS = [
    Task("auto-approve-milestones", 300, _auto_approve),
    Task("return-unanswered-escrow", 300, _return_escrow),
    Task("expire-offers", 900, _expire_offers),
]
