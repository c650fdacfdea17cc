"""Connects writes. Each runs in the caller's transaction; see each docstring for its locks."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.connects.models import ConnectsEvent, ConnectsLot, ConnectsPlanCharge, ConnectsSpend
from workhall.connects.queries import balance_at, paid_plus_month
from workhall.connects.rules import (
    LotView,
    eligible_for_monthly_grant,
    grant_source,
    month_key,
    month_start,
    plan_spend,
    refund_expiry,
)
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

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: rows that merely reference the user (an
    idempotency record, a history line) take ``FOR KEY SHARE`` on it, which a plain
    ``FOR UPDATE`` would wait for — two requests of one freelancer then deadlock. On SQLite the
    writing transaction already holds the database lock (BEGIN IMMEDIATE).
    """
    session.execute(select(User.id).where(User.id == user_id).with_for_update(key_share=True))


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
    at: datetime | None = None,
) -> ConnectsLot | None:
    """Issue a lot once per (user, source); returns None if that source was already issued.
    ``at`` dates the lot and its history line (default now)."""
    lock_wallet(session, user_id)
    exists = session.scalar(
        select(ConnectsLot.id).where(ConnectsLot.user_id == user_id, ConnectsLot.source == source)
    )
    if exists is not None:
        return None
    now = at or utcnow()
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


def award_connects(
    session: Session,
    settings: Settings,
    user_id: int,
    *,
    source: str,
    amount: int,
    note: str,
    at: datetime | None = None,
) -> ConnectsLot | None:
    """A one-time award (e.g. Rising Talent, reputation.md §3.2): an ``award`` lot issued once
    per ``source``, dated ``at`` (a back-filled evaluation dates it at its instant)."""
    return issue_lot(
        session, settings, user_id, kind="award", source=source, amount=amount, note=note, at=at
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


def _open_spends(
    session: Session, proposal_id: int, purpose: str, *, lock: bool = False
) -> list[ConnectsSpend]:
    """Spends neither refunded nor settled. ``lock`` takes their rows FOR UPDATE, so a refund
    racing a settlement of the same boost sees the other's result (PostgreSQL re-checks the
    WHERE after the wait) and each spend ends exactly one way."""
    query = (
        select(ConnectsSpend)
        .where(
            ConnectsSpend.proposal_id == proposal_id,
            ConnectsSpend.purpose == purpose,
            ConnectsSpend.refunded_at.is_(None),
            ConnectsSpend.settled_at.is_(None),
        )
        .order_by(ConnectsSpend.id)
    )
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query))


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
    spends = [
        s for s in _open_spends(session, proposal_id, purpose, lock=True) if s.user_id == user_id
    ]
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
    marketplace.md §4.5). Locks the open spend rows. Returns the Connects settled; a spend
    already refunded is not settled (and a settled one is never refunded)."""
    spends = _open_spends(session, proposal_id, purpose, lock=True)
    now = utcnow()
    for spend in spends:
        spend.settled_at = now
    return sum(s.amount for s in spends)


def held_connects(session: Session, proposal_id: int, purpose: str) -> int:
    return sum(s.amount for s in _open_spends(session, proposal_id, purpose))


# --- monthly grants (marketplace.md §4.1) -----------------------------------------------------

# Freelancers who still get the monthly grant: an account on hold keeps its grants (the hold is
# temporary and only stops spending); suspended and closed accounts get none.
GRANTED_STATUSES = ("active", "on_hold")


def sync_plan(session: Session, user: User, at: datetime) -> str:
    """Set ``User.connects_plan`` to the plan in force at ``at``: Plus exactly in the calendar
    months that were paid (``connects_plan_charges``). The caller holds the wallet lock."""
    plan = "plus" if paid_plus_month(session, user.id, month_key(at)) else "basic"
    if user.connects_plan != plan:
        user.connects_plan = plan
    return plan


def grant_monthly_connects(
    session: Session, settings: Settings, user_id: int, at: datetime | None = None
) -> int:
    """Give one freelancer this month's grant if it lacks it: basic 10, Plus 80 (§4.1).

    Locks the user row (``lock_wallet``); the lot source ``grant:YYYY-MM`` is unique per user,
    so two workers granting at once issue it once. Freelancers who signed up during the month
    got the sign-up grant instead (``eligible_for_monthly_grant``). Returns the Connects granted.
    """
    at = at or utcnow()
    lock_wallet(session, user_id)
    user = session.get(User, user_id)
    if user is None or not user.is_freelancer or user.status not in GRANTED_STATUSES:
        return 0
    plan = sync_plan(session, user, at)
    if not eligible_for_monthly_grant(user.created_at, at):
        return 0
    month = month_key(at)
    lot = issue_lot(
        session,
        settings,
        user_id,
        kind="grant",
        source=grant_source(month),
        amount=plan_grant(settings, plan),
        note=f"Monthly grant ({plan.title()}) for {at:%B %Y}",
    )
    return lot.original if lot is not None else 0


def freelancers_lacking_grant(
    session: Session, at: datetime, after_id: int, limit: int
) -> list[int]:
    """Ids (ascending, > ``after_id``) of freelancers due this month's grant and lacking it."""
    has_grant = (
        select(ConnectsLot.id)
        .where(ConnectsLot.user_id == User.id, ConnectsLot.source == grant_source(month_key(at)))
        .exists()
    )
    return list(
        session.scalars(
            select(User.id)
            .where(
                User.role == "freelancer",
                User.status.in_(GRANTED_STATUSES),
                User.created_at < month_start(at),
                User.id > after_id,
                ~has_grant,
            )
            .order_by(User.id)
            .limit(limit)
        )
    )


def grant_monthly_batch(
    session: Session, settings: Settings, user_ids: list[int], at: datetime
) -> int:
    """Grant each user in its own savepoint: a duplicate grant that slipped past the lock (a
    unique violation) skips that user instead of failing the whole batch."""
    granted = 0
    for user_id in user_ids:
        try:
            with session.begin_nested():
                granted += grant_monthly_connects(session, settings, user_id, at)
        except IntegrityError:
            continue
    return granted


def lapse_unpaid_plus(session: Session, at: datetime, after_id: int, limit: int) -> list[int]:
    """Move back to basic the freelancers marked Plus whose current month is unpaid (a Plus
    month ends at the next 1st). Looks at up to ``limit`` users with id > ``after_id`` and
    returns their ids; locks each user row."""
    paid = (
        select(ConnectsPlanCharge.id)
        .where(ConnectsPlanCharge.user_id == User.id, ConnectsPlanCharge.period == month_key(at))
        .exists()
    )
    ids = list(
        session.scalars(
            select(User.id)
            .where(User.connects_plan == "plus", User.id > after_id, ~paid)
            .order_by(User.id)
            .limit(limit)
        )
    )
    for user_id in ids:
        lock_wallet(session, user_id)
        user = session.get(User, user_id)
        if user is not None:
            sync_plan(session, user, at)
    return ids


# --- expiry (marketplace.md §4.1) -------------------------------------------------------------


def record_expired_lots(session: Session, at: datetime | None = None, limit: int = 500) -> int:
    """Write one ``expire`` event per lot that expired with Connects left, so the history says
    where they went. The balance never counted them past their expiry; this only explains it.

    Each lot is claimed by a conditional UPDATE of ``expired_recorded_at`` (lots expired empty
    are marked too, so they are never looked at again); two workers never record a lot twice.
    Returns the number of lots looked at (0 when there is nothing left to do).
    """
    at = at or utcnow()
    lots = session.scalars(
        select(ConnectsLot)
        .where(ConnectsLot.expired_recorded_at.is_(None), ConnectsLot.expires_at <= at)
        .order_by(ConnectsLot.expires_at, ConnectsLot.id)
        .limit(limit)
    ).all()
    for lot in lots:
        claimed = session.execute(
            update(ConnectsLot)
            .where(ConnectsLot.id == lot.id, ConnectsLot.expired_recorded_at.is_(None))
            .values(expired_recorded_at=at)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1 or lot.remaining == 0:  # type: ignore[attr-defined]
            continue
        # Lots of the same user expiring at the same instant but recorded after this one still
        # count in this event's balance, so the history adds up line by line.
        same_instant_later = session.scalar(
            select(func.coalesce(func.sum(ConnectsLot.remaining), 0)).where(
                ConnectsLot.user_id == lot.user_id,
                ConnectsLot.expires_at == lot.expires_at,
                ConnectsLot.id > lot.id,
                ConnectsLot.issued_at <= lot.expires_at,
            )
        )
        session.add(
            ConnectsEvent(
                user_id=lot.user_id,
                at=lot.expires_at,
                kind="expire",
                amount=-lot.remaining,
                balance_after=balance_at(session, lot.user_id, lot.expires_at)
                + int(same_instant_later or 0),
                note=f"{lot.remaining} of {lot.original} Connects from a {lot.kind} lot of "
                f"{lot.issued_at:%b %d, %Y} expired",
            )
        )
    session.flush()
    return len(lots)
