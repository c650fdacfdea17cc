"""Worker tasks of the jobs feature."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.core.settings import Settings
from workhall.jobs.service import expire_due_jobs
from workhall.worker import Task


def _expire(session: Session, settings: Settings) -> int:
    """spec: marketplace.md §2 — expired 30 days after posting with no hire; filled 30 days
    after the last hire. Idempotent: each job is claimed by a conditional UPDATE."""
    return expire_due_jobs(session, settings)


TASKS = [Task("expire-jobs", 300, _expire)]
