"""Dispute tables (marketplace.md §5 "Disputes").

A dispute is about one **subject** whose escrow is at stake: a milestone (the client asked for
changes a second time), an escrow-return request, or an hourly invoice the client disputed.
``open_key`` holds ``"<kind>:<id>"`` while the dispute is open and NULL once decided: its
unique index keeps one open dispute per subject on both databases (NULLs never collide).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

REASON_MAX = 5000
ANSWER_MAX = 5000
MESSAGE_MAX = 5000
NOTES_MAX = 5000

SUBJECT_KINDS = ("milestone", "escrow_return", "invoice")
STATUSES = ("awaiting_client", "in_mediation", "decided")
OUTCOMES = ("freelancer_won", "client_won", "split")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Dispute(Base):
    """awaiting_client → in_mediation → decided, or awaiting_client → decided by default."""

    __tablename__ = "disputes"
    __table_args__ = (
        Index("ix_disputes_status_answer_due", "status", "answer_due"),
        Index("ix_disputes_contract", "contract_id"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("subject_kind", SUBJECT_KINDS), name="subject_kind"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', OUTCOMES)}", name="outcome"),
        CheckConstraint("at_stake_cents > 0", name="at_stake"),
        CheckConstraint(
            "(freelancer_cents IS NULL OR freelancer_cents >= 0)"
            " AND (client_cents IS NULL OR client_cents >= 0)",
            name="shares",
        ),
        CheckConstraint(
            "status <> 'decided' OR (outcome IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided",
        ),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id"))
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    milestone_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("milestones.id"), nullable=True
    )
    escrow_return_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("escrow_returns.id"), nullable=True
    )
    invoice_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("hourly_invoices.id"), nullable=True
    )
    open_key: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    at_stake_cents: Mapped[int] = mapped_column(BigInteger)  # escrow held when filed
    reason: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[Timestamp]
    answer_due: Mapped[Timestamp]
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[OptTimestamp]
    status: Mapped[str] = mapped_column(String(20), default="awaiting_client")
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    freelancer_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    client_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[OptTimestamp]
    notes: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_open(self) -> bool:
        return self.status != "decided"

    @property
    def by_default(self) -> bool:
        return self.status == "decided" and self.decided_by_id is None

    def party_ids(self) -> tuple[int, int]:
        return (self.client_id, self.freelancer_id)


class DisputeMessage(Base):
    """A message inside a dispute, by either party or a trust & safety agent."""

    __tablename__ = "dispute_messages"
    __table_args__ = (Index("ix_dispute_messages_dispute_at", "dispute_id", "at"),)

    id: Mapped[IntPk]
    dispute_id: Mapped[int] = mapped_column(BigId, ForeignKey("disputes.id"))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[Timestamp]
