from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from workhall.audit.models import AuditEvent
from workhall.core.clock import utcnow


def record(
    session: Session,
    action: str,
    subject_type: str,
    subject_id: int | str,
    *,
    actor_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        data=data,
    )
    session.add(event)
    return event
