"""Reads of the staff console: account search and the audit log (trust.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from workhall.accounts.models import STATUSES, User
from workhall.audit.models import AuditEvent
from workhall.core.errors import Unprocessable

T = TypeVar("T")
USERS_PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 50
MAX_PAGE = 10_000
QUERY_MAX = 100
FILTER_MAX = 60  # the audit columns' own lengths bound every filter


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _page(session: Session, stmt: Select[Any], page: int, size: int) -> tuple[list[Any], int]:
    if not 1 <= page <= MAX_PAGE:
        raise Unprocessable(f"Pages run from 1 to {MAX_PAGE}.", field="page")
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.limit(size).offset((page - 1) * size)))
    return rows, total


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(text: str) -> str:
    return f"%{_escape(text.lower())}%"


def search_users(
    session: Session, q: str = "", status: str = "", page: int = 1, size: int = USERS_PAGE_SIZE
) -> Page[User]:
    """Accounts whose handle, email or name contains ``q`` (case-insensitive), newest first."""
    q = q.strip().lstrip("@")
    if len(q) > QUERY_MAX:
        raise Unprocessable(f"Search with at most {QUERY_MAX} characters.", field="q")
    if status and status not in STATUSES:
        raise Unprocessable("Choose a status from the list.", field="status")
    stmt = select(User).order_by(User.id.desc())
    if q:
        pattern = _like(q)
        stmt = stmt.where(
            or_(
                func.lower(User.handle).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.name).like(pattern, escape="\\"),
            )
        )
    if status:
        stmt = stmt.where(User.status == status)
    rows, total = _page(session, stmt, page, size)
    return Page(rows, total, page, size)


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # a handle, "@handle" or a numeric id; "system" for events without actor
    action: str = ""  # exact, or a prefix ending in "." / "*" ("account." → every account event)
    subject_type: str = ""
    subject_id: str = ""
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def is_empty(self) -> bool:
        return not any(
            (
                self.actor,
                self.action,
                self.subject_type,
                self.subject_id,
                self.date_from,
                self.date_to,
            )
        )


def parse_day(text: str, field: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Unprocessable(f"Enter the {field} as a date, like 2026-01-31.", field=field) from None


def audit_filter(
    actor: str, action: str, subject_type: str, subject_id: str, date_from: str, date_to: str
) -> AuditFilter:
    values = {
        "actor": actor,
        "action": action,
        "subject type": subject_type,
        "subject id": subject_id,
    }
    for name, value in values.items():
        if len(value.strip()) > FILTER_MAX:
            raise Unprocessable(f"Keep the {name} under {FILTER_MAX + 1} characters.")
    start = parse_day(date_from, "start date")
    end = parse_day(date_to, "end date")
    if start and end and end < start:
        raise Unprocessable("The end date is before the start date.", field="date_to")
    return AuditFilter(
        actor.strip(),
        action.strip(),
        subject_type.strip(),
        subject_id.strip(),
        start,
        end,
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _actor_condition(session: Session, actor: str) -> Any:
    if actor.lower() == "system":
        return AuditEvent.actor_id.is_(None)
    if actor.isdigit():
        return AuditEvent.actor_id == int(actor)
    found = session.scalar(select(User.id).where(User.handle == actor.lstrip("@")))
    return AuditEvent.actor_id == found if found is not None else AuditEvent.id.is_(None)


def audit_events(
    session: Session, f: AuditFilter, page: int = 1, size: int = AUDIT_PAGE_SIZE
) -> Page[AuditEvent]:
    """The audit log, newest first, filtered."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if f.actor:
        if f.actor.isdigit() and int(f.actor) > 2**62:
            raise Unprocessable("That actor id is out of range.", field="actor")
        stmt = stmt.where(_actor_condition(session, f.actor))
    if f.action:
        if f.action.endswith(("*", ".")):
            prefix = f.action.rstrip("*")
            stmt = stmt.where(AuditEvent.action.like(f"{_escape(prefix)}%", escape="\\"))
        else:
            stmt = stmt.where(AuditEvent.action == f.action)
    if f.subject_type:
        stmt = stmt.where(AuditEvent.subject_type == f.subject_type)
    if f.subject_id:
        stmt = stmt.where(AuditEvent.subject_id == f.subject_id)
    if f.date_from:
        stmt = stmt.where(AuditEvent.at >= _midnight(f.date_from))
    if f.date_to:
        stmt = stmt.where(AuditEvent.at < _midnight(f.date_to + timedelta(days=1)))
    rows, total = _page(session, stmt, page, size)
    return Page(rows, total, page, size)


def events_about_user(session: Session, user_id: int, limit: int = 20) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == str(user_id))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def handles(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.handle).where(User.id.in_(wanted))).all())  # type: ignore[arg-type]
