"""Payments tables: charges and refunds of clients, payments to freelancers, payout methods and
withdrawals. The ledger (``workhall.ledger``) holds the money; these rows say what it was for and
link to the provider's references."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base, UTCDateTime
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp


class ClientCharge(Base):
    """One charge of a client's saved card to fund escrow (amount + client fee, §6.2)."""

    __tablename__ = "client_charges"
    __table_args__ = (
        Index("ix_client_charges_contract", "contract_id", "milestone_id"),
        UniqueConstraint("client_id", "idempotency_key"),
    )

    id: Mapped[IntPk]
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    contract_id: Mapped[int] = mapped_column(BigId)
    milestone_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    invoice_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # into escrow
    fee_cents: Mapped[int] = mapped_column(BigInteger)  # client fee
    charge_cents: Mapped[int] = mapped_column(BigInteger)  # amount + fee, charged to the card
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # returned to the card
    provider_reference: Mapped[str] = mapped_column(String(100), unique=True)
    # The caller's key (§6.4): the same key funds once, and the provider charges once.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    card_last4: Mapped[str] = mapped_column(String(4), default="")
    memo: Mapped[str] = mapped_column(String(300), default="")
    charge_txn_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))
    fund_txn_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))
    at: Mapped[Timestamp]


class ClientRefund(Base):
    """Escrow returned to a client: the amount and the client fee refunded in proportion."""

    __tablename__ = "client_refunds"

    id: Mapped[IntPk]
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    contract_id: Mapped[int] = mapped_column(BigId, index=True)
    milestone_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    invoice_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # escrow returned
    fee_cents: Mapped[int] = mapped_column(BigInteger)  # client fee returned
    memo: Mapped[str] = mapped_column(String(300), default="")
    refund_txn_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))
    payout_txn_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))
    at: Mapped[Timestamp]


class Payment(Base):
    """Money released to a freelancer on a contract — THE "payment" of marketplace.md §6.2
    that earnings, JSS, badges and My Stats count (gross, at the time of release)."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_pair", "client_id", "freelancer_id"),
        Index("ix_payments_freelancer_at", "freelancer_id", "at"),
        Index("ix_payments_maturing", "available_txn_id", "available_at"),
    )

    id: Mapped[IntPk]
    contract_id: Mapped[int] = mapped_column(BigId, index=True)
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    freelancer_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # gross
    fee_cents: Mapped[int] = mapped_column(BigInteger)  # freelancer service fee
    at: Mapped[Timestamp]
    milestone_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    invoice_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    memo: Mapped[str] = mapped_column(String(300), default="")
    # §6.3: pending until then; the worker moves the net to available and sets the txn.
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    release_txn_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ledger_transactions.id"), nullable=True
    )
    available_txn_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ledger_transactions.id"), nullable=True
    )

    @property
    def net_cents(self) -> int:
        return self.amount_cents - self.fee_cents

    @property
    def is_available(self) -> bool:
        return self.available_txn_id is not None


class PayoutMethod(Base):
    """Where a freelancer withdraws to: a token of the payment provider and a label."""

    __tablename__ = "payout_methods"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    provider_token: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(60))  # "Bank ····1234"
    holder_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[Timestamp]
    removed_at: Mapped[OptTimestamp]


class Withdrawal(Base):
    __tablename__ = "withdrawals"
    __table_args__ = (
        Index("ix_withdrawals_user_at", "user_id", "at"),
        UniqueConstraint("user_id", "idempotency_key"),
    )

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    payout_method_id: Mapped[int] = mapped_column(BigId, ForeignKey("payout_methods.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="paid")
    provider_reference: Mapped[str] = mapped_column(String(100))
    idempotency_key: Mapped[str] = mapped_column(String(200))  # the same key withdraws once
    txn_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_transactions.id"))
    at: Mapped[Timestamp]
