"""Worker tasks of phone verification."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.core.settings import Settings
from workhall.verification.service import purge_old_codes
from workhall.worker import Task


def _purge(session: Session, settings: Settings) -> int:
    return purge_old_codes(session, settings)


TASKS = [Task("purge-phone-codes", 3600, _purge)]
