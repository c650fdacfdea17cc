"""Worker tasks of the conduct program (trust.md §1.3). Each locks its case rows and re-checks
them, so running a task twice, or in two workers at once, acts once. Monitoring's end and new
cases belong to the evaluation (``conduct.evaluation.evaluate_clients``), not to these tasks."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.conduct.service import ban_unappealed, start_due_monitoring
from workhall.core.settings import Settings
from workhall.worker import Task


def _auto_monitoring(session: Session, settings: Settings) -> int:
    """spec: trust.md §1.3 — "Monitoring starts at the acknowledgement, or automatically 7 days
    after contact"."""
    return start_due_monitoring(session, settings)


def _ban_unappealed(session: Session, settings: Settings) -> int:
    """spec: trust.md §1.3 — "without an appeal the case becomes `banned` after 30 days"."""
    return ban_unappealed(session, settings)


TASKS = [
    Task("conduct-auto-monitoring", 900, _auto_monitoring),
    Task("conduct-ban-unappealed", 900, _ban_unappealed),
]
