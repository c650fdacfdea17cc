"""Profile completeness history (reputation.md §6: completeness at T is the latest value
recorded at or before T, 0 if none).

The services that can change a freelancer's completeness — sign-up, profile edits, photo,
portfolio, phone verification — call ``record_completeness`` after their change; a row is
written only when the value differs from the latest one recorded.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts.models import FreelancerProfile, User
from workhall.accounts.rules import profile_completeness
from workhall.core.clock import utcnow
from workhall.reputation.models import ProfileCompletenessRecord


def current_completeness(session: Session, user: User) -> int:
    # Imported here: accounts.service imports this module's callers.
    from workhall.accounts.service import completeness_facts

    session.flush()
    profile = session.get(FreelancerProfile, user.id)
    if profile is None:
        return 0
    return profile_completeness(completeness_facts(user, profile))


def record_completeness(session: Session, user: User) -> ProfileCompletenessRecord | None:
    """Record the freelancer's completeness now if it changed (the first value always)."""
    if user.role != "freelancer":
        return None
    value = current_completeness(session, user)
    latest = session.scalar(
        select(ProfileCompletenessRecord.completeness)
        .where(ProfileCompletenessRecord.user_id == user.id)
        .order_by(ProfileCompletenessRecord.at.desc(), ProfileCompletenessRecord.id.desc())
        .limit(1)
    )
    if latest is not None and latest == value:
        return None
    row = ProfileCompletenessRecord(user_id=user.id, at=utcnow(), completeness=value)
    session.add(row)
    return row
