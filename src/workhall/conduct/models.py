"""Client conduct tables (trust.md §1).

``client_status_changes`` is the client's conduct status over time (active, restricted,
banned): the reputation engine reads it to leave out the contracts of clients restricted or
banned at an instant (reputation.md §1.3), and an imported history writes it directly.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

CLIENT_STATUSES = ("active", "restricted", "banned")


class ClientStatusChange(Base):
    __tablename__ = "client_status_changes"
    __table_args__ = (
        Index("ix_client_status_changes_client_at", "client_id", "at"),
        CheckConstraint(f"status IN {CLIENT_STATUSES}", name="status"),
    )

    id: Mapped[IntPk]
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    at: Mapped[Timestamp]
    status: Mapped[str] = mapped_column(String(12))
    case_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    note: Mapped[str] = mapped_column(String(1000), default="")


# --- conduct cases (trust.md §1.2–§1.3) ---------------------------------------------------------

CASE_STATES = (
    "open",
    "contacted",
    "monitoring",
    "resolved",
    "restricted",
    "appealed",
    "reinstated",
    "banned",
)
# A closed case never changes again. Only `resolved` and `reinstated` restart the signals'
# clock (trust.md §1.1); a `banned` client is never flagged again.
CLOSED_STATES = ("resolved", "reinstated", "banned")
MESSAGE_MAX = 5000
NOTE_MAX = 5000


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ConductCase(Base):
    """A client flagged at an evaluation instant, with the signals' values at that instant.

    ``open_key`` holds the client id while the case is not closed and NULL after: its unique
    index keeps one open case per client on both databases (NULLs never collide), so two
    workers evaluating the same instant cannot open two. ``(client_id, opened_at)`` is unique
    too: a second run of the same instant opens nothing."""

    __tablename__ = "conduct_cases"
    __table_args__ = (
        UniqueConstraint("client_id", "opened_at"),
        Index("ix_conduct_cases_status_opened_at", "status", "opened_at"),
        CheckConstraint(_in("status", CASE_STATES), name="status"),
        CheckConstraint(f"(open_key IS NULL) = ({_in('status', CLOSED_STATES)})", name="open_key"),
    )

    id: Mapped[IntPk]
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    open_key: Mapped[int | None] = mapped_column(BigId, nullable=True, unique=True)
    status: Mapped[str] = mapped_column(String(12), default="open")
    opened_at: Mapped[Timestamp]  # the evaluation instant T that flagged the client
    # The signals at T (trust.md §1.1); a share is NULL when it is not defined.
    ended_count: Mapped[int] = mapped_column(Integer)
    scores_given: Mapped[int] = mapped_column(Integer)
    harsh_count: Mapped[int] = mapped_column(Integer)
    harsh_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), nullable=True)
    private_received: Mapped[int] = mapped_column(Integer)
    poor_count: Mapped[int] = mapped_column(Integer)
    poor_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), nullable=True)
    disputes_lost: Mapped[int] = mapped_column(Integer)
    # The workflow's times.
    contacted_at: Mapped[OptTimestamp]
    contacted_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id"), nullable=True
    )
    contact_message: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[OptTimestamp]
    monitoring_started_at: Mapped[OptTimestamp]
    monitoring_due_at: Mapped[OptTimestamp]  # the first instant monitoring may end
    extended_at: Mapped[OptTimestamp]  # set once: monitoring was extended then
    restricted_at: Mapped[OptTimestamp]
    appealed_at: Mapped[OptTimestamp]
    appeal_text: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[OptTimestamp]
    updated_at: Mapped[Timestamp]

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATES


class ConductCaseEvent(Base):
    """Every step of a case: actor (NULL for the system), time, states and a note (trust.md
    §1.3). ``visible_to_client`` marks what the client sees on its standing page."""

    __tablename__ = "conduct_case_events"
    __table_args__ = (Index("ix_conduct_case_events_case_at", "case_id", "at"),)

    id: Mapped[IntPk]
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("conduct_cases.id"))
    at: Mapped[Timestamp]
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    visible_to_client: Mapped[bool] = mapped_column(Boolean, default=True)
