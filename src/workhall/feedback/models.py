"""Feedback tables (marketplace.md §7).

One row per contract and author side. The public part (six criteria 1–5, a comment, the
receiver's reply) lives in ``feedback``; the private part ("recommend" or "work again" 0–10, the
reason for ending, the unprofessional-conduct flag) lives in ``feedback_private``, a separate
table that no public serializer reads, so it cannot leak by accident.

``reveal_at`` is the instant the pair becomes visible: the contract's end plus the feedback
window when the first side writes, pulled forward to the instant the second side submits. A
feedback is revealed when ``reveal_at <= now`` — computed from times, no worker needed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from workhall.contracts import models as _contracts  # noqa: F401  (contracts.id is known)
from workhall.core.db import Base, UTCDateTime
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

# spec: marketplace.md §7 — the six public criteria of each side, in the order shown.
CLIENT_CRITERIA = ("skills", "quality", "availability", "deadlines", "communication", "cooperation")
FREELANCER_CRITERIA = (
    "clarity",
    "communication",
    "cooperation",
    "availability",
    "deadlines",
    "payment_promptness",
)
ALL_CRITERIA = tuple(dict.fromkeys(CLIENT_CRITERIA + FREELANCER_CRITERIA))
ENDING_REASON_MAX = 30


def _scores_check() -> str:
    def filled(names: tuple[str, ...]) -> str:
        return " AND ".join(f"{n} IS NOT NULL" for n in names)

    def empty(names: tuple[str, ...]) -> str:
        return " AND ".join(f"{n} IS NULL" for n in names)

    only_client = tuple(n for n in ALL_CRITERIA if n not in FREELANCER_CRITERIA)
    only_freelancer = tuple(n for n in ALL_CRITERIA if n not in CLIENT_CRITERIA)
    return (
        f"(author_role = 'client' AND {filled(CLIENT_CRITERIA)} AND {empty(only_freelancer)}) OR "
        f"(author_role = 'freelancer' AND {filled(FREELANCER_CRITERIA)} AND {empty(only_client)})"
    )


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("contract_id", "author_role"),
        Index("ix_feedback_recipient_reveal_at", "recipient_id", "reveal_at"),
        Index("ix_feedback_reveal_notice", "reveal_notified_at", "reveal_at"),
        CheckConstraint("author_role IN ('client', 'freelancer')", name="author_role"),
        CheckConstraint(f"imported OR ({_scores_check()})", name="criteria"),
        CheckConstraint(
            "public_score IS NULL OR (public_score >= 1 AND public_score <= 5)", name="public_score"
        ),
        *(
            CheckConstraint(f"{n} IS NULL OR ({n} >= 1 AND {n} <= 5)", name=f"{n}_range")
            for n in ALL_CRITERIA
        ),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id"))
    author_role: Mapped[str] = mapped_column(String(10))  # client | freelancer
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    # Public criteria, 1–5; each side fills its six (CLIENT_CRITERIA / FREELANCER_CRITERIA).
    skills: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    quality: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    availability: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    deadlines: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    communication: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    cooperation: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    clarity: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    payment_promptness: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    # An imported history (interfaces.md §3) gives one overall public score (or none) instead
    # of the six criteria; live feedback leaves it None and its overall is the criteria's mean.
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    public_score: Mapped[Decimal | None] = mapped_column(Numeric(3, 2), nullable=True)
    submitted_at: Mapped[Timestamp]  # the first submission: what the pair's reveal counts
    updated_at: Mapped[Timestamp]
    reveal_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by the worker once both sides were told of the reveal (idempotent claim).
    reveal_notified_at: Mapped[OptTimestamp]
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[OptTimestamp]

    def criteria(self) -> tuple[str, ...]:
        return CLIENT_CRITERIA if self.author_role == "client" else FREELANCER_CRITERIA

    def scores(self) -> dict[str, int]:
        # An imported feedback has no criteria, only ``public_score``.
        return {
            name: int(value)
            for name in self.criteria()
            if (value := getattr(self, name)) is not None
        }


class FeedbackPrivate(Base):
    """The private part: never shown to the other side or to other users (§7)."""

    __tablename__ = "feedback_private"
    __table_args__ = (CheckConstraint("likelihood >= 0 AND likelihood <= 10", name="likelihood"),)

    feedback_id: Mapped[int] = mapped_column(BigId, ForeignKey("feedback.id"), primary_key=True)
    # Client → freelancer: "How likely are you to recommend this freelancer?";
    # freelancer → client: "Would you work with this client again?" — both 0–10.
    likelihood: Mapped[int] = mapped_column(SmallInteger)
    ending_reason: Mapped[str | None] = mapped_column(String(ENDING_REASON_MAX), nullable=True)
    unprofessional: Mapped[bool] = mapped_column(Boolean, default=False)
    unprofessional_reason: Mapped[str] = mapped_column(Text, default="")


class FeedbackRevision(Base):
    """An earlier feedback record of an imported history that a later record on the same
    contract and side replaced. ``feedback`` holds the latest (what pages show); the
    reputation engine still reads these at instants before the replacement (reputation.md §6).
    """

    __tablename__ = "feedback_revisions"
    __table_args__ = (
        Index("ix_feedback_revisions_contract", "contract_id", "author_role", "at"),
        CheckConstraint(
            "public_score IS NULL OR (public_score >= 1 AND public_score <= 5)", name="public_score"
        ),
        CheckConstraint(
            "private_score IS NULL OR (private_score >= 0 AND private_score <= 10)",
            name="private_score",
        ),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id"))
    author_role: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    public_score: Mapped[Decimal | None] = mapped_column(Numeric(3, 2), nullable=True)
    private_score: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
