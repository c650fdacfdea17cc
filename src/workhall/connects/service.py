"""Connects writes. Each runs in the caller's transaction; see each docstring for its locks."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.connects.models import ConnectsEvent, ConnectsLot
from workhall.core.clock import utcnow
from workhall.core.settings import Settings


def plan_grant(settings: Settings, plan: str) -> int:
    """spec: marketplace.md §4.1 — basic 10, plus 80 a month."""
    return settings.connects_plan_plus_monthly if plan == "plus" else settings.connects_plan_basic_monthly


def connects_balance(session: Session, user_id: int, at: datetime | None = None) -> int:
    """Σ remaining of unexpired lots (marketplace.md §4.1)."""
    at = at or utcnow()
    total = session.scalar(
        select(func.coalesce(func.sum(ConnectsLot.remaining), 0)).where(
            ConnectsLot.user_id == user_id, ConnectsLot.expires_at > at
        )
    )
    return int(total or 0)


def lock_wallet(session: Session, user_id: int) -> None:
    """Serialise Connects writes of one freelancer: lock their user row (PostgreSQL).

    On SQLite the writing transaction already holds the database lock (BEGIN IMMEDIATE).
    """
    session.execute(select(User.id).where(User.id == user_id).with_for_update())


def issue_lot(
    session: Session,
    settings: Settings,
    user_id: int,
    *,
    kind: str,
    source: str,
    amount: int,
    expires_at: datetime | None = None,
    event_kind: str | None = None,
    note: str = "",
    job_id: int | None = None,
    proposal_id: int | None = None,
) -> ConnectsLot | None:
    """Issue a lot once per (user, source); returns None if that source was already issued."""
    lock_wallet(session, user_id)
    exists = session.scalar(
        select(ConnectsLot.id).where(ConnectsLot.user_id == user_id, ConnectsLot.source == source)
    )
    if exists is not None:
        return None
    now = utcnow()
    lot = ConnectsLot(
        user_id=user_id, kind=kind, source=source, issued_at=now,
        expires_at=expires_at or now + timedelta(days=settings.connects_lot_lifetime_days),
        original=amount, remaining=amount,
    )
    session.add(lot)
    session.flush()
    session.add(ConnectsEvent(
        user_id=user_id, at=now, kind=event_kind or kind, amount=amount,
        balance_after=connects_balance(session, user_id, now), job_id=job_id,
        proposal_id=proposal_id, note=note,
    ))
    return lot


def grant_signup_connects(session: Session, settings: Settings, user: User) -> None:
    """A new freelancer receives its plan's grant at sign-up (marketplace.md §4.1)."""
    issue_lot(session, settings, user.id, kind="grant", source="signup",
              amount=plan_grant(settings, user.connects_plan), note="Welcome grant")
