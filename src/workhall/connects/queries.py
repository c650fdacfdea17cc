"""Connects reads: lots, the history, the plan in force and the balance at a past instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.connects.models import ConnectsEvent, ConnectsLot, ConnectsPlanCharge, ConnectsSpend
from workhall.connects.rules import month_key, next_month_start
from workhall.core.clock import utcnow


def live_lots(session: Session, user_id: int, at: datetime | None = None) -> list[ConnectsLot]:
    """Unexpired lots with Connects left, soonest expiry first: the order they are spent in
    (marketplace.md §4.3)."""
    at = at or utcnow()
    return list(
        session.scalars(
            select(ConnectsLot)
            .where(
                ConnectsLot.user_id == user_id,
                ConnectsLot.remaining > 0,
                ConnectsLot.expires_at > at,
            )
            .order_by(ConnectsLot.expires_at, ConnectsLot.id)
        )
    )


@dataclass(frozen=True)
class HistoryPage:
    events: list[ConnectsEvent]
    page: int
    pages: int
    total: int


def history_page(session: Session, user_id: int, page: int, page_size: int) -> HistoryPage:
    """One page of the Connects history, newest first."""
    total = int(
        session.scalar(
            select(func.count()).select_from(ConnectsEvent).where(ConnectsEvent.user_id == user_id)
        )
        or 0
    )
    pages = max(1, -(-total // page_size))
    events = list(
        session.scalars(
            select(ConnectsEvent)
            .where(ConnectsEvent.user_id == user_id)
            .order_by(ConnectsEvent.at.desc(), ConnectsEvent.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    return HistoryPage(events=events, page=page, pages=pages, total=total)


def balance_at(session: Session, user_id: int, at: datetime) -> int:
    """The balance just after instant ``at``, exact even when lots were spent since.

    Lots issued by then and not yet expired, with what they held then: their remaining now
    plus whatever was taken from them after ``at`` (spends are the only thing that lowers a
    lot's remaining). Used for the ``balance_after`` of an expiry written after the fact.
    """
    lots_then = select(ConnectsLot.id).where(
        ConnectsLot.user_id == user_id,
        ConnectsLot.issued_at <= at,
        ConnectsLot.expires_at > at,
    )
    remaining = session.scalar(
        select(func.coalesce(func.sum(ConnectsLot.remaining), 0)).where(
            ConnectsLot.id.in_(lots_then)
        )
    )
    spent_since = session.scalar(
        select(func.coalesce(func.sum(ConnectsSpend.amount), 0)).where(
            ConnectsSpend.lot_id.in_(lots_then), ConnectsSpend.spent_at > at
        )
    )
    return int(remaining or 0) + int(spent_since or 0)


def paid_plus_month(session: Session, user_id: int, month: str) -> ConnectsPlanCharge | None:
    return session.scalar(
        select(ConnectsPlanCharge).where(
            ConnectsPlanCharge.user_id == user_id, ConnectsPlanCharge.period == month
        )
    )


@dataclass(frozen=True)
class PlanState:
    """The plan in force: Plus during a paid calendar month, basic otherwise (§4.1)."""

    plan: str
    plus_until: datetime | None  # the instant Plus ends (the next 1st), when on Plus


def plan_state(session: Session, user_id: int, at: datetime | None = None) -> PlanState:
    at = at or utcnow()
    if paid_plus_month(session, user_id, month_key(at)) is None:
        return PlanState(plan="basic", plus_until=None)
    # Plus is paid one calendar month at a time: it ends at the next 1st unless paid again.
    return PlanState(plan="plus", plus_until=next_month_start(at))
