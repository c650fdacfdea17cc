"""Feedback worker tasks: announce reveals (marketplace.md §7, §8 "feedback revealed")."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.core.settings import Settings
from workhall.feedback.service import notify_reveals
from workhall.worker import Task


def _reveal_notices(session: Session, settings: Settings) -> int:
    return notify_reveals(session, settings)


TASKS = [Task("feedback-reveal-notices", 60, _reveal_notices)]
