"""Reactions of the proposals feature to other features' events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from workhall.core.events import subscribe
from workhall.core.settings import Settings
from workhall.jobs.models import Job
from workhall.proposals.service import close_job_proposals


@subscribe("job_closed")
def on_job_closed(*, session: Session, settings: Settings, job: Job, reason: str, **_: Any) -> None:
    """A job left ``open``: archive its active proposals and give back the Connects that
    marketplace.md §4.4 and §4.5 return (idempotent: a second publish refunds nothing)."""
    close_job_proposals(session, settings, job, reason)
