"""Proposal and invitation tables (marketplace.md §3)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

COVER_LETTER_MAX = 5000
INVITATION_MESSAGE_MAX = 2000
BID_MIN_CENTS = 100
BID_MAX_CENTS = 100_000_000


class Invitation(Base):
    """A client asking a freelancer to propose; answering it costs no Connects (§3)."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("job_id", "freelancer_id"),
        Index("ix_invitations_freelancer_status", "freelancer_id", "status"),
    )

    id: Mapped[IntPk]
    job_id: Mapped[int] = mapped_column(BigId, ForeignKey("jobs.id"))
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(String(INVITATION_MESSAGE_MAX), default="")
    created_at: Mapped[Timestamp]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|accepted|declined
    responded_at: Mapped[OptTimestamp]


class Proposal(Base):
    """One freelancer's proposal on one job.

    Each state has its own timestamp (marketplace.md §3) so My Stats can build the funnel;
    ``connects_price`` is what the proposal cost (0 when it answered an invitation) and the
    boost fields follow the auction of §4.5. Which lots paid is in ``connects_spends``.
    """

    __tablename__ = "proposals"
    __table_args__ = (
        UniqueConstraint("job_id", "freelancer_id"),
        Index("ix_proposals_freelancer_status", "freelancer_id", "status"),
        Index("ix_proposals_job_status", "job_id", "status"),
    )

    id: Mapped[IntPk]
    job_id: Mapped[int] = mapped_column(BigId, ForeignKey("jobs.id"))
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    cover_letter: Mapped[str] = mapped_column(Text)
    bid_cents: Mapped[int] = mapped_column(BigInteger)  # fixed amount or hourly rate
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    connects_price: Mapped[int] = mapped_column(Integer, default=0)
    invitation_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("invitations.id"), nullable=True
    )
    boost_connects: Mapped[int] = mapped_column(Integer, default=0)
    boost_placed_at: Mapped[OptTimestamp]
    boost_state: Mapped[str] = mapped_column(String(10), default="none")  # none|held|spent|returned
    # Set when the price came back (§4.4), so pages and My Stats show net Connects spent.
    price_refunded_at: Mapped[OptTimestamp]

    submitted_at: Mapped[Timestamp]
    viewed_at: Mapped[OptTimestamp]
    shortlisted_at: Mapped[OptTimestamp]
    interviewing_at: Mapped[OptTimestamp]
    hired_at: Mapped[OptTimestamp]
    declined_at: Mapped[OptTimestamp]
    withdrawn_at: Mapped[OptTimestamp]
    archived_at: Mapped[OptTimestamp]

    def stamped_states(self) -> list[str]:
        return [s for s in STAMPED if getattr(self, f"{s}_at") is not None]

    @property
    def is_active(self) -> bool:
        return self.status in ("submitted", "viewed", "shortlisted", "interviewing")


STAMPED = (
    "submitted",
    "viewed",
    "shortlisted",
    "interviewing",
    "hired",
    "declined",
    "withdrawn",
    "archived",
)
