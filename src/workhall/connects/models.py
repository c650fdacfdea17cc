"""Connects tables: every Connect belongs to a lot; every movement is an event (history)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base, UTCDateTime
from workhall.core.models import BigId, Cents, IntPk, OptTimestamp, Timestamp

LOT_KINDS = ("grant", "purchase", "refund", "award")


class ConnectsLot(Base):
    """Connects issued together, expiring together (marketplace.md §4.1)."""

    __tablename__ = "connects_lots"
    __table_args__ = (
        UniqueConstraint("user_id", "source"),
        Index("ix_connects_lots_user_expiry", "user_id", "expires_at"),
        # The expiry task looks for lots expired but not yet written into the history.
        Index("ix_connects_lots_expiry_recorded", "expired_recorded_at", "expires_at"),
    )

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))
    # What issued the lot, unique per user so grants and purchases are issued once:
    # "signup", "grant:2026-12", "purchase:<id>", "refund:<proposal>:<n>", ...
    source: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[Timestamp]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    original: Mapped[int] = mapped_column(Integer)
    remaining: Mapped[int] = mapped_column(Integer)
    # Set once the expiry task has looked at the expired lot (and written an ``expire`` event
    # when Connects were left), so the history records each expiry exactly once.
    expired_recorded_at: Mapped[OptTimestamp]


class ConnectsEvent(Base):
    """One line of a freelancer's Connects history; ``amount`` is signed (+ in, − out)."""

    __tablename__ = "connects_events"
    __table_args__ = (Index("ix_connects_events_user_at", "user_id", "at"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    at: Mapped[Timestamp]
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    job_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    proposal_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class ConnectsSpend(Base):
    """Which lots paid for what: a proposal's price or its held boost (marketplace.md §4.3).

    Kept so a refund knows the original lots' expiry (§4.4) and a boost can be returned or
    settled exactly once.
    """

    __tablename__ = "connects_spends"
    __table_args__ = (Index("ix_connects_spends_proposal", "proposal_id", "purpose"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    purpose: Mapped[str] = mapped_column(String(10))  # price | boost
    lot_id: Mapped[int] = mapped_column(BigId, ForeignKey("connects_lots.id"))
    amount: Mapped[int] = mapped_column(Integer)
    spent_at: Mapped[Timestamp]
    # A spend ends either refunded (Connects back as a refund lot) or settled (kept for good).
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ConnectsPurchase(Base):
    """A bundle of Connects bought with a card (marketplace.md §4.1); issues one purchase lot."""

    __tablename__ = "connects_purchases"
    __table_args__ = (UniqueConstraint("user_id", "request_key"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    bundle: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[Cents]
    provider_reference: Mapped[str] = mapped_column(String(100))
    card_last4: Mapped[str] = mapped_column(String(4))
    # The page's one-time form key: a double-submitted form buys once (API requests use the
    # Idempotency-Key header instead, marketplace.md §6.4).
    request_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[Timestamp]


class ConnectsPlanCharge(Base):
    """One paid calendar month of the Plus plan (marketplace.md §4.1).

    The freelancer is on Plus during every month that has a charge; unique per (user, month)
    so a month is never paid twice.
    """

    __tablename__ = "connects_plan_charges"
    __table_args__ = (UniqueConstraint("user_id", "period"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # "YYYY-MM", UTC
    plan: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[Cents]
    provider_reference: Mapped[str] = mapped_column(String(100))
    card_last4: Mapped[str] = mapped_column(String(4))
    created_at: Mapped[Timestamp]
