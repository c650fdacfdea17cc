"""Ledger tables: accounts, transactions and their entries. Balances are sums of entries."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, Timestamp

USER_ACCOUNT_KINDS = ("client_funds", "escrow", "freelancer_pending", "freelancer_available")
PLATFORM_ACCOUNT_KINDS = ("fees", "processor_clearing")
# spec: marketplace.md §6.1 — "No account but processor_clearing goes negative."
MAY_GO_NEGATIVE = frozenset({"processor_clearing"})


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"

    id: Mapped[IntPk]
    # "user:<id>:<kind>" or "platform:<kind>" — unique, so each account exists once.
    key: Mapped[str] = mapped_column(String(60), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[Timestamp]


class LedgerTransaction(Base):
    """One balanced movement of money; its entries sum to zero."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (Index("ix_ledger_transactions_contract", "contract_id", "at"),)

    id: Mapped[IntPk]
    at: Mapped[Timestamp]
    kind: Mapped[str] = mapped_column(String(30))
    memo: Mapped[str] = mapped_column(String(300), default="")
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    contract_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    milestone_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    invoice_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", cascade="all, delete-orphan", lazy="selectin"
    )


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[IntPk]
    transaction_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("ledger_transactions.id"), index=True
    )
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # cents; + debit, − credit (sum is zero)

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
