"""Offer, contract, milestone and escrow-return tables (marketplace.md §5).

A contract is ``fixed`` (milestones) or ``hourly`` (rate and weekly limit; its time logs and
invoices belong to the hourly feature). Every state change is time-stamped on the row, and the
contract's timeline keeps one ``ContractEvent`` per step, with the text typed at that step.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

TITLE_MAX = 120
DESCRIPTION_MAX = 5000
MESSAGE_MAX = 5000
LINK_MAX = 500
REASON_MAX = 1000

OFFER_STATUSES = ("pending", "accepted", "declined", "withdrawn", "expired")
CONTRACT_KINDS = ("fixed", "hourly")
CONTRACT_STATUSES = ("active", "ended")
MILESTONE_STATUSES = (
    "pending",
    "funded",
    "submitted",
    "changes_requested",
    "approved",
    "refunded",
    "cancelled",
)
ESCROW_RETURN_STATUSES = ("pending", "refunded", "returned", "disputed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Offer(Base):
    """A client's offer to one freelancer; accepting it creates the contract (§5)."""

    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_freelancer_status", "freelancer_id", "status"),
        Index("ix_offers_client_status", "client_id", "status"),
        Index("ix_offers_status_expires_at", "status", "expires_at"),
        CheckConstraint(_in("status", OFFER_STATUSES), name="status"),
        CheckConstraint(_in("kind", CONTRACT_KINDS), name="kind"),
    )

    id: Mapped[IntPk]
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    job_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("jobs.id"), nullable=True)
    proposal_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("proposals.id"), nullable=True, index=True
    )
    invitation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("invitations.id"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10))
    hourly_rate_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    weekly_limit_hours: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    # spec: marketplace.md §2 — the job stays open after this hire only if the client asks.
    # True: stays open; False: filled on acceptance; None: the job's own setting decides.
    keep_hiring: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    accepted_at: Mapped[OptTimestamp]
    declined_at: Mapped[OptTimestamp]
    withdrawn_at: Mapped[OptTimestamp]
    expired_at: Mapped[OptTimestamp]
    decline_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    contract_id: Mapped[int | None] = mapped_column(BigId, nullable=True)


class OfferMilestone(Base):
    """The milestones of a fixed-price offer, copied into the contract on acceptance."""

    __tablename__ = "offer_milestones"

    id: Mapped[IntPk]
    offer_id: Mapped[int] = mapped_column(BigId, ForeignKey("offers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class Contract(Base):
    """The agreement between one client and one freelancer (§5)."""

    __tablename__ = "contracts"
    __table_args__ = (
        Index("ix_contracts_client_status", "client_id", "status"),
        Index("ix_contracts_freelancer_status", "freelancer_id", "status"),
        Index("ix_contracts_ended_at", "ended_at"),
        CheckConstraint(_in("status", CONTRACT_STATUSES), name="status"),
        CheckConstraint(_in("kind", CONTRACT_KINDS), name="kind"),
        CheckConstraint(
            "kind = 'fixed' OR (hourly_rate_cents IS NOT NULL AND weekly_limit_hours IS NOT NULL)",
            name="hourly_terms",
        ),
    )

    id: Mapped[IntPk]
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    job_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("jobs.id"), nullable=True, index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("proposals.id"), nullable=True
    )
    offer_id: Mapped[int] = mapped_column(BigId, ForeignKey("offers.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="")
    hourly_rate_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    weekly_limit_hours: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    started_at: Mapped[Timestamp]
    ended_at: Mapped[OptTimestamp]
    ended_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    end_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def party_ids(self) -> tuple[int, int]:
        return (self.client_id, self.freelancer_id)


class Milestone(Base):
    """A fixed-price milestone: pending → funded → submitted → approved, with changes requested
    and resubmissions in between (§5). ``escrow_return_id`` marks a milestone whose escrow a
    client asked back; while it is set, automatic approval leaves the milestone alone."""

    __tablename__ = "milestones"
    __table_args__ = (
        Index("ix_milestones_contract_position", "contract_id", "position"),
        Index("ix_milestones_status_submitted_at", "status", "submitted_at"),
        CheckConstraint(_in("status", MILESTONE_STATUSES), name="status"),
        CheckConstraint("amount_cents > 0", name="amount"),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    created_at: Mapped[Timestamp]
    funded_at: Mapped[OptTimestamp]
    submitted_at: Mapped[OptTimestamp]  # the latest submission (automatic approval counts here)
    changes_requested_at: Mapped[OptTimestamp]  # the latest request
    approved_at: Mapped[OptTimestamp]
    refunded_at: Mapped[OptTimestamp]
    cancelled_at: Mapped[OptTimestamp]
    auto_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    # How many times work was submitted, and how many times the client asked for changes on
    # this milestone's submission (it never resets: the disputes feature reads "a second time
    # on the same submission", §5, as changes_requested_count >= 2).
    submission_count: Mapped[int] = mapped_column(Integer, default=0)
    changes_requested_count: Mapped[int] = mapped_column(Integer, default=0)
    submission_message: Mapped[str] = mapped_column(Text, default="")
    submission_link: Mapped[str] = mapped_column(String(LINK_MAX), default="")
    changes_message: Mapped[str] = mapped_column(Text, default="")
    escrow_return_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("escrow_returns.id"), nullable=True, index=True
    )

    @property
    def holds_escrow(self) -> bool:
        return self.status in ("funded", "submitted", "changes_requested")


class EscrowReturn(Base):
    """A client's request for the escrow left on a contract (§5): the freelancer refunds it or
    disputes before ``respond_by``; with no answer by then it returns to the client."""

    __tablename__ = "escrow_returns"
    __table_args__ = (
        Index("ix_escrow_returns_status_respond_by", "status", "respond_by"),
        CheckConstraint(_in("status", ESCROW_RETURN_STATUSES), name="status"),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id"), index=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # escrow covered when asked
    message: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    requested_at: Mapped[Timestamp]
    respond_by: Mapped[Timestamp]
    resolved_at: Mapped[OptTimestamp]
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    dispute_id: Mapped[int | None] = mapped_column(BigId, nullable=True)


class ContractEvent(Base):
    """One step of a contract's timeline, with the actor (None = automatic) and the text."""

    __tablename__ = "contract_events"
    __table_args__ = (Index("ix_contract_events_contract_at", "contract_id", "at"),)

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id"))
    milestone_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    at: Mapped[Timestamp]
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    amount_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(LINK_MAX), default="")
