"""Workshops (reputation.md §2.5 "Workshops: events with a capacity that only Top Rated
freelancers can register for; waiting list").

Every write that changes who holds a seat — registering, cancelling (which promotes the first
in line) — locks the workshop row first (``lock_row``: ``FOR NO KEY UPDATE`` on PostgreSQL, the
writer lock on SQLite) and counts the seats under that lock, in one transaction, so the
capacity is never exceeded however many freelancers click at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit.service import record
from workhall.community.access import LOCKED, checked_text, is_editor, require_editor
from workhall.community.models import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    DURATION_MAX,
    DURATION_MIN,
    LINK_MAX,
    TITLE_MAX,
    WORKSHOP_DESCRIPTION_MAX,
    Workshop,
    WorkshopRegistration,
)
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.notifications.service import notify
from workhall.reputation.queries import is_top_rated

MISSING = "There is no such workshop."


@dataclass(frozen=True, slots=True)
class Seat:
    """A freelancer's place: ``registered``, or ``waiting`` at ``position`` (1 = next)."""

    status: str
    position: int | None = None


@dataclass(frozen=True, slots=True)
class WorkshopDraft:
    title: str
    description: str
    starts_at: datetime
    duration_minutes: int
    capacity: int
    online_link: str


def ends_at(workshop: Workshop) -> datetime:
    return workshop.starts_at + timedelta(minutes=workshop.duration_minutes)


def check_draft(draft: WorkshopDraft, now: datetime) -> WorkshopDraft:
    """The draft with its text stripped, or Unprocessable saying what is wrong."""
    title = checked_text(draft.title, "title", TITLE_MAX)
    description = checked_text(draft.description, "description", WORKSHOP_DESCRIPTION_MAX)
    link = checked_text(draft.online_link, "online link", LINK_MAX)
    if not link.startswith("https://") or any(c.isspace() for c in link):
        raise Unprocessable("The online link must be an https:// address.")
    if draft.starts_at <= now:
        raise Unprocessable("The workshop must start in the future.")
    if not DURATION_MIN <= draft.duration_minutes <= DURATION_MAX:
        raise Unprocessable(f"The duration is {DURATION_MIN} to {DURATION_MAX} minutes.")
    if not CAPACITY_MIN <= draft.capacity <= CAPACITY_MAX:
        raise Unprocessable(f"The capacity is {CAPACITY_MIN} to {CAPACITY_MAX} seats.")
    return WorkshopDraft(
        title, description, draft.starts_at, draft.duration_minutes, draft.capacity, link
    )


# --- reading ------------------------------------------------------------------------------------


def upcoming(session: Session, now: datetime | None = None) -> list[Workshop]:
    """Workshops that have not ended, the soonest first."""
    now = now or utcnow()
    rows = session.scalars(select(Workshop).order_by(Workshop.starts_at, Workshop.id))
    return [w for w in rows if ends_at(w) > now]


def past(session: Session, now: datetime | None = None, limit: int = 20) -> list[Workshop]:
    now = now or utcnow()
    rows = session.scalars(
        select(Workshop).where(Workshop.starts_at <= now).order_by(Workshop.starts_at.desc())
    )
    return [w for w in rows if ends_at(w) <= now][:limit]


def get(session: Session, workshop_id: int) -> Workshop:
    workshop = session.get(Workshop, workshop_id)
    if workshop is None:
        raise NotFound(MISSING)
    return workshop


def registered_count(session: Session, workshop_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(WorkshopRegistration)
            .where(
                WorkshopRegistration.workshop_id == workshop_id,
                WorkshopRegistration.status == "registered",
            )
        )
        or 0
    )


def counts(session: Session, workshop_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(registered, waiting) per workshop."""
    found: dict[int, list[int]] = {wid: [0, 0] for wid in workshop_ids}
    if workshop_ids:
        rows = session.execute(
            select(WorkshopRegistration.workshop_id, WorkshopRegistration.status, func.count())
            .where(
                WorkshopRegistration.workshop_id.in_(workshop_ids),
                WorkshopRegistration.status != "cancelled",
            )
            .group_by(WorkshopRegistration.workshop_id, WorkshopRegistration.status)
        )
        for wid, status, n in rows:
            found[wid][0 if status == "registered" else 1] = int(n)
    return {wid: (r, w) for wid, (r, w) in found.items()}


def waiting_line(session: Session, workshop_id: int) -> list[WorkshopRegistration]:
    return list(
        session.scalars(
            select(WorkshopRegistration)
            .where(
                WorkshopRegistration.workshop_id == workshop_id,
                WorkshopRegistration.status == "waiting",
            )
            .order_by(WorkshopRegistration.queued_at, WorkshopRegistration.id)
        )
    )


def attendees(session: Session, workshop_id: int) -> list[WorkshopRegistration]:
    return list(
        session.scalars(
            select(WorkshopRegistration)
            .where(
                WorkshopRegistration.workshop_id == workshop_id,
                WorkshopRegistration.status == "registered",
            )
            .order_by(WorkshopRegistration.queued_at, WorkshopRegistration.id)
        )
    )


def seat_of(session: Session, user: User, workshop_id: int) -> Seat | None:
    reg = _registration(session, workshop_id, user.id)
    if reg is None or reg.status == "cancelled":
        return None
    if reg.status == "registered":
        return Seat("registered")
    line = [r.id for r in waiting_line(session, workshop_id)]
    return Seat("waiting", line.index(reg.id) + 1)


def can_see_link(session: Session, user: User, workshop_id: int) -> bool:
    """The online link is shown only to registered attendees (and support staff)."""
    if is_editor(user):
        return True
    seat = seat_of(session, user, workshop_id)
    return seat is not None and seat.status == "registered"


def _registration(session: Session, workshop_id: int, user_id: int) -> WorkshopRegistration | None:
    return session.scalar(
        select(WorkshopRegistration).where(
            WorkshopRegistration.workshop_id == workshop_id,
            WorkshopRegistration.user_id == user_id,
        )
    )


# --- writing ------------------------------------------------------------------------------------


def create_workshop(session: Session, staff: User, draft: WorkshopDraft) -> Workshop:
    require_editor(staff)
    now = utcnow()
    d = check_draft(draft, now)
    workshop = Workshop(
        title=d.title,
        description=d.description,
        starts_at=d.starts_at,
        duration_minutes=d.duration_minutes,
        capacity=d.capacity,
        online_link=d.online_link,
        created_by_id=staff.id,
        created_at=now,
    )
    session.add(workshop)
    session.flush()
    record(session, "workshop.create", "workshop", workshop.id, actor_id=staff.id)
    return workshop


def register(session: Session, user: User, workshop_id: int) -> Seat:
    """A seat when one is free, else the end of the waiting list. Only Top Rated freelancers
    register; a workshop that has started takes no one."""
    if not (user.is_freelancer and is_top_rated(session, user.id)):
        raise Forbidden(LOCKED)
    workshop = lock_row(session, Workshop, workshop_id, MISSING)
    now = utcnow()
    if workshop.starts_at <= now:
        raise Conflict("This workshop has already started.")
    reg = _registration(session, workshop.id, user.id)
    if reg is not None and reg.status != "cancelled":
        raise Conflict("You are already on this workshop's list.")
    status = (
        "registered" if registered_count(session, workshop.id) < workshop.capacity else "waiting"
    )
    if reg is None:
        reg = WorkshopRegistration(workshop_id=workshop.id, user_id=user.id)
        session.add(reg)
    reg.status = status
    reg.queued_at = now
    reg.promoted_at = None
    reg.cancelled_at = None
    session.flush()
    seat = seat_of(session, user, workshop.id)
    assert seat is not None
    return seat


def cancel(
    session: Session, user: User, workshop_id: int, *, base_url: str | None = None
) -> WorkshopRegistration | None:
    """Cancel the user's registration or place in line. A freed seat goes, in the same
    transaction, to the first in the waiting list, who is notified. Returns the promoted
    registration, if any."""
    workshop = lock_row(session, Workshop, workshop_id, MISSING)
    reg = _registration(session, workshop.id, user.id)
    if reg is None or reg.status == "cancelled":
        raise Conflict("You are not on this workshop's list.")
    if ends_at(workshop) <= utcnow():
        raise Conflict("This workshop is over.")
    freed = reg.status == "registered"
    reg.status = "cancelled"
    reg.cancelled_at = utcnow()
    session.flush()
    if not freed:
        return None
    return _promote_first(session, workshop, base_url)


def _promote_first(
    session: Session, workshop: Workshop, base_url: str | None
) -> WorkshopRegistration | None:
    """Fill free seats from the head of the waiting list (the caller holds the row lock)."""
    if workshop.starts_at <= utcnow():
        return None  # nobody joins a workshop that has begun
    if registered_count(session, workshop.id) >= workshop.capacity:
        return None
    line = waiting_line(session, workshop.id)
    if not line:
        return None
    first = line[0]
    first.status = "registered"
    first.promoted_at = utcnow()
    session.flush()
    promoted = session.get(User, first.user_id)
    if promoted is not None:
        notify(
            session,
            promoted,
            "workshop_promoted",
            f"A seat opened up: you are now registered for “{workshop.title}”.",
            f"/workshops/{workshop.id}",
            base_url=base_url,
        )
    record(session, "workshop.promote", "workshop", workshop.id, user_id=first.user_id)
    return first
