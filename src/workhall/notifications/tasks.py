from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.core.settings import Settings
from workhall.notifications.service import deliver_outbox
from workhall.worker import Task


def _deliver(session: Session, settings: Settings) -> int:
    return deliver_outbox(session, settings)


TASKS = [Task("deliver-outbox", 10, _deliver)]
