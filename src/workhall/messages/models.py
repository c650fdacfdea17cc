"""Message thread tables (marketplace.md §8).

One thread per proposal and one per contract, between its client and its freelancer. Each
participant has a member row with its read marker (the id of the last message it has read) and
the time it was last emailed about the thread (the email throttle).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workhall.contracts import models as _contracts  # noqa: F401  (contracts.id is known)
from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

THREAD_KINDS = ("proposal", "contract")
MEMBER_ROLES = ("client", "freelancer")
SUBJECT_MAX = 200


class Thread(Base):
    __tablename__ = "message_threads"
    __table_args__ = (
        CheckConstraint("kind IN ('proposal', 'contract')", name="kind"),
        CheckConstraint(
            "(kind = 'proposal' AND proposal_id IS NOT NULL AND contract_id IS NULL) OR "
            "(kind = 'contract' AND contract_id IS NOT NULL AND proposal_id IS NULL)",
            name="subject",
        ),
        Index("ix_message_threads_last_message_at", "last_message_at"),
    )

    id: Mapped[IntPk]
    kind: Mapped[str] = mapped_column(String(10))
    proposal_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("proposals.id"), nullable=True, unique=True
    )
    contract_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("contracts.id"), nullable=True, unique=True
    )
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    # The job's or the contract's title when the thread opened, for lists and emails.
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    created_at: Mapped[Timestamp]
    # spec: marketplace.md §3, §8 — the client's first message; a freelancer may answer on a
    # proposal thread only after it (docs/messages-and-feedback.md).
    client_wrote_at: Mapped[OptTimestamp]
    last_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_message_at: Mapped[OptTimestamp]
    message_count: Mapped[int] = mapped_column(Integer, default=0)

    def role_of(self, user_id: int) -> str | None:
        if user_id == self.client_id:
            return "client"
        if user_id == self.freelancer_id:
            return "freelancer"
        return None

    def other_party_id(self, user_id: int) -> int:
        return self.freelancer_id if user_id == self.client_id else self.client_id


class ThreadMember(Base):
    """A participant's read marker and email throttle on one thread."""

    __tablename__ = "message_thread_members"
    __table_args__ = (CheckConstraint("role IN ('client', 'freelancer')", name="role"),)

    thread_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("message_threads.id"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("users.id"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(10))
    # Messages with a larger id than this are unread (ids only grow).
    last_read_message_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_read_at: Mapped[OptTimestamp]
    last_emailed_at: Mapped[OptTimestamp]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread_id_id", "thread_id", "id"),)

    id: Mapped[IntPk]
    thread_id: Mapped[int] = mapped_column(BigId, ForeignKey("message_threads.id"))
    sender_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    # Plain text as typed; escaped (links made clickable) when shown.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
