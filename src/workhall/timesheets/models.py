"""Time entries and weekly invoices of hourly contracts (marketplace.md §5 "Hourly").

A ``TimeEntry`` is one block of logged time (whole minutes in 15-minute steps) on one day of a
billing week. A ``HourlyInvoice`` bills one (contract, week) once — the unique constraint is
what keeps two workers from invoicing a week twice.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

MEMO_MAX = 500
DISPUTE_REASON_MAX = 2000
# payment_failed: issued, the card declined (retried); funded: the charge is in escrow and the
# dispute window runs; disputed: the client disputed it (the disputes feature takes over);
# paid: released to the freelancer.
INVOICE_STATUSES = ("payment_failed", "funded", "disputed", "paid")


class TimeEntry(Base):
    __tablename__ = "time_entries"
    __table_args__ = (
        Index("ix_time_entries_contract_week", "contract_id", "week_start"),
        Index("ix_time_entries_open_weeks", "invoice_id", "week_start"),
        CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id"))
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    work_date: Mapped[date] = mapped_column(Date)
    week_start: Mapped[date] = mapped_column(Date)  # the Monday of work_date's billing week
    minutes: Mapped[int] = mapped_column(Integer)
    memo: Mapped[str] = mapped_column(String(MEMO_MAX))
    invoice_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("hourly_invoices.id"), nullable=True
    )
    created_at: Mapped[Timestamp]
    updated_at: Mapped[OptTimestamp]


class HourlyInvoice(Base):
    __tablename__ = "hourly_invoices"
    __table_args__ = (
        UniqueConstraint("contract_id", "week_start"),
        Index("ix_hourly_invoices_status_dispute_by", "status", "dispute_by"),
        CheckConstraint(
            "status IN ('payment_failed', 'funded', 'disputed', 'paid')", name="status"
        ),
        CheckConstraint("minutes > 0 AND amount_cents >= 0", name="amounts"),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(BigId, ForeignKey("contracts.id"))
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    rate_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # minutes × rate ÷ 60, rounded once
    status: Mapped[str] = mapped_column(String(20))
    issued_at: Mapped[Timestamp]
    dispute_by: Mapped[Timestamp]  # Friday 23:59:59 UTC of the invoicing week
    available_at: Mapped[Timestamp]  # the billed week's end + 10 days
    funded_at: Mapped[OptTimestamp]
    charge_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[OptTimestamp]
    last_error: Mapped[str] = mapped_column(String(300), default="")
    disputed_at: Mapped[OptTimestamp]
    dispute_reason: Mapped[str] = mapped_column(String(DISPUTE_REASON_MAX), default="")
    paid_at: Mapped[OptTimestamp]
    payment_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
