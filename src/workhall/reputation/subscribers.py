"""Badge changes notify the freelancer (reputation.md §2.5), in the app and by email."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.events import subscribe
from workhall.notifications.service import notify
from workhall.reputation.notices import badge_notice


@subscribe("reputation.badge_changed")
def tell_freelancer(
    session: Session,
    user_id: int,
    previous_level: str,
    previous_at_risk: bool,
    level: str,
    at_risk: bool,
    reasons: Sequence[str] = (),
    **_: Any,
) -> None:
    notice = badge_notice(previous_level, previous_at_risk, level, at_risk, reasons)
    user = session.get(User, user_id)
    if notice is None or user is None or user.status == "closed":
        return
    notify(session, user, notice.kind, notice.text, "/stats")
