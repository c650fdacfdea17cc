"""Helpers for the staff console tests: staff users by role, signed-in browsers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_client, make_freelancer, make_user, sign_in_browser
from workhall.accounts.models import User
from workhall.core.settings import Settings

T0 = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
REASON = "Chargebacks on two cards in a week."


def make_staff(db: Session, settings: Settings, roles: str) -> User:
    return make_user(db, settings, "staff", staff_roles=roles)


def persona(db: Session, settings: Settings, who: str) -> User | None:
    """A user of each kind the role matrix tries; None for anonymous."""
    if who == "anonymous":
        return None
    if who == "freelancer":
        return make_freelancer(db, settings)
    if who == "client":
        return make_client(db, settings)
    return make_staff(db, settings, who)


def browse_as(client, db: Session, settings: Settings, user: User | None) -> str:  # type: ignore[no-untyped-def]
    """Sign the test browser in as ``user`` (nothing for anonymous); returns the CSRF token."""
    if user is None:
        return ""
    return sign_in_browser(client, db, settings, user)


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)
