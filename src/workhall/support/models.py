"""Support tickets (reputation.md §2.5 "Premium support").

A ticket belongs to one signed-in user (not staff) and holds a thread of messages between the
user and support agents. ``priority`` is fixed when the ticket is opened, from the user's
standing then (Top Rated → ``priority``); ``first_response_due_at`` follows from it and never
moves. ``response_due_at`` is when an agent's next answer is due: the first-response target at
opening, the same target again from the user's reply on an answered or closed ticket, and NULL
while the ball is in the user's court — the staff queue is ordered by it.
"""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

SUBJECT_MAX = 150
BODY_MAX = 5000

CATEGORIES = ("account", "payments", "contracts", "verification", "other")
STATUSES = ("open", "answered", "closed")
PRIORITIES = ("priority", "standard")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SupportTicket(Base):
    """open → answered → closed; the user's reply reopens an answered or closed ticket."""

    __tablename__ = "support_tickets"
    __table_args__ = (
        Index("ix_support_tickets_user", "user_id", "created_at"),
        Index("ix_support_tickets_status_due", "status", "response_due_at"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
    )

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="open")
    priority: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    first_response_due_at: Mapped[Timestamp]
    first_response_at: Mapped[OptTimestamp]
    response_due_at: Mapped[OptTimestamp]
    assigned_to_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id"), nullable=True, index=True
    )
    closed_at: Mapped[OptTimestamp]

    @property
    def is_priority(self) -> bool:
        return self.priority == "priority"


class SupportMessage(Base):
    """One message of a ticket's thread, by its user or by an agent."""

    __tablename__ = "support_messages"
    __table_args__ = (Index("ix_support_messages_ticket_at", "ticket_id", "at"),)

    id: Mapped[IntPk]
    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("support_tickets.id"))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    from_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[Timestamp]
