"""Writes of the Top Rated invitations feature (reputation.md §2.5). Never commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit import service as audit
from workhall.core.errors import Conflict, Forbidden
from workhall.jobs.service import lock_job


def set_top_rated_invitations(session: Session, client: User, job_id: int, on: bool) -> bool:
    """Switch a job's "Top Rated invitations" on or off; only its client, only while open."""
    job = lock_job(session, job_id)
    if job.client_id != client.id:
        raise Forbidden("Only the client of this job can change it.")
    if job.status != "open":
        raise Conflict("The job is closed.")
    if job.top_rated_invitations != on:
        job.top_rated_invitations = on
        audit.record(session, "job.top_rated_invitations", "job", job.id, actor_id=client.id, on=on)
    return on
