"""Worker tasks of identity verification (trust.md §2.2 retention). Idempotent: rows are
claimed with a conditional UPDATE, so a re-run or a second worker deletes nothing twice."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.core.settings import Settings
from workhall.identity.service import delete_due_documents, sweep_orphans
from workhall.worker import Task

BATCH = 200


def _delete_documents(session: Session, settings: Settings) -> int:
    """spec: trust.md §2.2 — "Documents are deleted 30 days after the decision; the decision
    and its metadata remain." One batch per run, plus files no submission refers to."""
    return delete_due_documents(session, settings, BATCH) + sweep_orphans(session, settings)


TASKS = [Task("identity-document-retention", 3600, _delete_documents)]
