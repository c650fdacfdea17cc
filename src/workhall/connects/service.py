"""Connects writes. Each runs in the caller's transaction; see each docstring for its locks."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.connects.models import ConnectsEvent, ConnectsLot, ConnectsSpend
from workhall.connects.rules import LotView, plan_spend, refund_expiry
from workhall.core.clock import utcnow
from workhall.core.errors import PaymentRequired
from workhall.core.settings import Settings


def plan_grant(settings: Settings, plan: str) -> int:
    """spec: marketplace.md §4.1 — basic 10, plus 80 a month."""
    return (
        settings.connects_plan_plus_monthly
        if plan == "plus"
        else settings.connects_plan_basic_monthly
    )


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
        user_id=user_id,
        kind=kind,
        source=source,
        issued_at=now,
        expires_at=expires_at or now + timedelta(days=settings.connects_lot_lifetime_days),
        original=amount,
        remaining=amount,
    )
    session.add(lot)
    session.flush()
    session.add(
        ConnectsEvent(
            user_id=user_id,
            at=now,
            kind=event_kind or kind,
            amount=amount,
            balance_after=connects_balance(session, user_id, now),
            job_id=job_id,
            proposal_id=proposal_id,
            note=note,
        )
    )
    return lot


def grant_signup_connects(session: Session, settings: Settings, user: User) -> None:
    """A new freelancer receives its plan's grant at sign-up (marketplace.md §4.1)."""
    issue_lot(
        session,
        settings,
        user.id,
        kind="grant",
        source="signup",
        amount=plan_grant(settings, user.connects_plan),
        note="Welcome grant",
    )


def spend_connects(
    session: Session,
    settings: Settings,
    user_id: int,
    amount: int,
    *,
    purpose: str,
    proposal_id: int | None,
    job_id: int | None = None,
    event_kind: str = "spend",
    note: str = "",
    price_for_problem: int | None = None,
) -> int:
    """Take ``amount`` Connects from the soonest-expiring lots (marketplace.md §4.3).

    Locks the freelancer's user row first (PostgreSQL; SQLite's writer lock does the same), so
    two requests racing for the last Connects give exactly one success. Raises PaymentRequired
    (402, with ``price`` and ``balance``) when the balance is short; nothing is written then.
    Returns the balance after the spend.
    """
    lock_wallet(session, user_id)
    now = utcnow()
    lots = list(
        session.scalars(
            select(ConnectsLot).where(
                ConnectsLot.user_id == user_id,
                ConnectsLot.remaining > 0,
                ConnectsLot.expires_at > now,
            )
        )
    )
    plan = plan_spend([LotView(lot.id, lot.remaining, lot.expires_at) for lot in lots], amount, now)
    if plan is None:
        balance = sum(lot.remaining for lot in lots)
        price = amount if price_for_problem is None else price_for_problem
        raise PaymentRequired(
            f"This costs {amount} Connects and you have {balance}.",
            price=price,
            balance=balance,
            needed=amount,
        )
    by_id = {lot.id: lot for lot in lots}
    for lot_id, take in plan:
        by_id[lot_id].remaining -= take
        session.add(
            ConnectsSpend(
                user_id=user_id,
                proposal_id=proposal_id,
                purpose=purpose,
                lot_id=lot_id,
                amount=take,
                spent_at=now,
            )
        )
    session.flush()
    balance = connects_balance(session, user_id, now)
    if amount:
        session.add(
            ConnectsEvent(
                user_id=user_id,
                at=now,
                kind=event_kind,
                amount=-amount,
                balance_after=balance,
                job_id=job_id,
                proposal_id=proposal_id,
                note=note,
            )
        )
    return balance


def _open_spends(session: Session, proposal_id: int, purpose: str) -> list[ConnectsSpend]:
    return list(
        session.scalars(
            select(ConnectsSpend)
            .where(
                ConnectsSpend.proposal_id == proposal_id,
                ConnectsSpend.purpose == purpose,
                ConnectsSpend.refunded_at.is_(None),
                ConnectsSpend.settled_at.is_(None),
            )
            .order_by(ConnectsSpend.id)
        )
    )


def refund_spend(
    session: Session,
    settings: Settings,
    user_id: int,
    proposal_id: int,
    purpose: str,
    *,
    event_kind: str = "refund",
    note: str = "",
    job_id: int | None = None,
) -> int:
    """Give back what a proposal's price or held boost took, once (marketplace.md §4.4).

    The Connects come back as a ``refund`` lot expiring at the later of the original lots'
    expiry and 30 days after the refund. Returns the Connects refunded (0 if nothing was open).
    """
    lock_wallet(session, user_id)
    spends = _open_spends(session, proposal_id, purpose)
    if not spends:
        return 0
    now = utcnow()
    expiries = list(
        session.scalars(
            select(ConnectsLot.expires_at).where(ConnectsLot.id.in_({s.lot_id for s in spends}))
        )
    )
    for spend in spends:
        spend.refunded_at = now
    amount = sum(s.amount for s in spends)
    issue_lot(
        session,
        settings,
        user_id,
        kind="refund",
        source=f"refund:{purpose}:{proposal_id}:{spends[0].id}",
        amount=amount,
        expires_at=refund_expiry(expiries, now, settings.connects_refund_min_lifetime_days),
        event_kind=event_kind,
        note=note,
        job_id=job_id,
        proposal_id=proposal_id,
    )
    return amount


def settle_spend(session: Session, proposal_id: int, purpose: str) -> int:
    """Keep a held spend for good (a boost is spent when the client first views the proposal,
    marketplace.md §4.5). Returns the Connects settled."""
    spends = _open_spends(session, proposal_id, purpose)
    now = utcnow()
    for spend in spends:
        spend.settled_at = now
    return sum(s.amount for s in spends)


def held_connects(session: Session, proposal_id: int, purpose: str) -> int:
    return sum(s.amount for s in _open_spends(session, proposal_id, purpose))
