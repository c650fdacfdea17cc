"""Helpers for the Top Rated benefit tests: a freelancer made Top Rated by a stored evaluation
(what ``reputation.queries.standing`` reads), and staff with given roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_freelancer, make_user
from workhall.accounts.models import User
from workhall.core.clock import utcnow
from workhall.core.settings import Settings
from workhall.reputation.models import Evaluation

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def make_top_rated(
    db: Session, settings: Settings, level: str = "top_rated", **fields: object
) -> User:
    user = make_freelancer(db, settings, **fields)
    evaluate(db, user, level)
    return user


def evaluate(db: Session, user: User, level: str, at: datetime | None = None) -> None:
    instant = at or utcnow() - timedelta(days=1)
    db.add(
        Evaluation(
            user_id=user.id,
            instant=instant,
            jss=95 if level != "none" else 70,
            earned_level=level,
            level=level,
            at_risk=False,
            details={},
            created_at=instant,
        )
    )
    db.flush()


def make_staff(db: Session, settings: Settings, roles: str) -> User:
    return make_user(db, settings, "staff", staff_roles=roles)


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)
