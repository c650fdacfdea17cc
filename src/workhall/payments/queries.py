"""What the earnings, billing and API pages read: balances, payments, charges, refunds, the
ledger lines of a user's accounts. Reads only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.ledger import service as ledger
from workhall.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from workhall.payments.models import ClientCharge, ClientRefund, Payment


@dataclass(frozen=True)
class Balance:
    pending_cents: int  # released to the freelancer, not yet available (§6.3)
    available_cents: int  # can be withdrawn
    escrow_cents: int  # held in escrow as a client
    lifetime_earnings_cents: int  # Σ payments received, gross (§6.2)
    lifetime_fees_cents: int  # Σ service fees on them


def balance_of(session: Session, user_id: int) -> Balance:
    accounts = ledger.user_balances(session, user_id)
    gross, fees = session.execute(
        select(
            func.coalesce(func.sum(Payment.amount_cents), 0),
            func.coalesce(func.sum(Payment.fee_cents), 0),
        ).where(Payment.freelancer_id == user_id)
    ).one()
    return Balance(
        pending_cents=accounts["freelancer_pending"],
        available_cents=accounts["freelancer_available"],
        escrow_cents=accounts["escrow"],
        lifetime_earnings_cents=int(gross),
        lifetime_fees_cents=int(fees),
    )


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    pages: int
    total: int


def _pages(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def pending_payments(session: Session, freelancer_id: int) -> list[Payment]:
    """Payments whose net is still pending, soonest available first."""
    return list(
        session.scalars(
            select(Payment)
            .where(Payment.freelancer_id == freelancer_id, Payment.available_txn_id.is_(None))
            .order_by(Payment.available_at, Payment.id)
        )
    )


def payments_received(session: Session, freelancer_id: int, page: int, size: int) -> Page[Payment]:
    total = int(
        session.scalar(
            select(func.count()).select_from(Payment).where(Payment.freelancer_id == freelancer_id)
        )
        or 0
    )
    items = list(
        session.scalars(
            select(Payment)
            .where(Payment.freelancer_id == freelancer_id)
            .order_by(Payment.at.desc(), Payment.id.desc())
            .offset((page - 1) * size)
            .limit(size)
        )
    )
    return Page(items, page, _pages(total, size), total)


@dataclass(frozen=True)
class ClientMovement:
    """A charge of the client's card or a refund to it."""

    kind: str  # charge | refund
    id: int
    at: datetime
    contract_id: int
    milestone_id: int | None
    invoice_id: int | None
    amount_cents: int  # into escrow, or out of it
    fee_cents: int  # client fee charged, or refunded
    total_cents: int  # what the card saw


def client_movements(
    session: Session, client_id: int, page: int, size: int
) -> Page[ClientMovement]:
    """Charges and refunds of one client, newest first."""
    upto = page * size
    charges = session.scalars(
        select(ClientCharge)
        .where(ClientCharge.client_id == client_id)
        .order_by(ClientCharge.at.desc(), ClientCharge.id.desc())
        .limit(upto)
    ).all()
    refunds = session.scalars(
        select(ClientRefund)
        .where(ClientRefund.client_id == client_id)
        .order_by(ClientRefund.at.desc(), ClientRefund.id.desc())
        .limit(upto)
    ).all()
    rows = [
        ClientMovement(
            "charge",
            c.id,
            c.at,
            c.contract_id,
            c.milestone_id,
            c.invoice_id,
            c.amount_cents,
            c.fee_cents,
            c.charge_cents,
        )
        for c in charges
    ] + [
        ClientMovement(
            "refund",
            r.id,
            r.at,
            r.contract_id,
            r.milestone_id,
            r.invoice_id,
            r.amount_cents,
            r.fee_cents,
            r.amount_cents + r.fee_cents,
        )
        for r in refunds
    ]
    rows.sort(key=lambda m: (m.at, m.kind == "refund", m.id), reverse=True)
    total = sum(
        int(
            session.scalar(select(func.count()).select_from(t).where(t.client_id == client_id)) or 0
        )
        for t in (ClientCharge, ClientRefund)
    )
    return Page(rows[(page - 1) * size : upto], page, _pages(total, size), total)


def escrow_by_contract(session: Session, client_id: int) -> list[tuple[int, int]]:
    """(contract id, cents held) for each of the client's contracts with escrow."""
    rows = session.execute(
        select(LedgerTransaction.contract_id, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.user_id == client_id, LedgerAccount.kind == "escrow")
        .group_by(LedgerTransaction.contract_id)
        .having(func.sum(LedgerEntry.amount) != 0)
        .order_by(LedgerTransaction.contract_id)
    ).all()
    return [(int(contract_id), int(total)) for contract_id, total in rows if contract_id]


@dataclass(frozen=True)
class LedgerLine:
    entry_id: int
    transaction_id: int
    at: datetime
    kind: str  # the transaction's kind: charge, fund, release, refund, available, withdrawal …
    account: str  # client_funds, escrow, freelancer_pending, freelancer_available
    amount_cents: int  # + into the account, − out of it
    memo: str
    contract_id: int | None


def ledger_lines(session: Session, user_id: int, page: int, size: int) -> Page[LedgerLine]:
    """The entries of the user's own accounts, newest first."""
    where = LedgerAccount.user_id == user_id
    total = int(
        session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(where)
        )
        or 0
    )
    rows = session.execute(
        select(LedgerEntry, LedgerTransaction, LedgerAccount.kind)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(where)
        .order_by(LedgerTransaction.at.desc(), LedgerEntry.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    items = [
        LedgerLine(
            entry_id=entry.id,
            transaction_id=txn.id,
            at=txn.at,
            kind=txn.kind,
            account=kind,
            amount_cents=entry.amount,
            memo=txn.memo,
            contract_id=txn.contract_id,
        )
        for entry, txn, kind in rows
    ]
    return Page(items, page, _pages(total, size), total)


def client_spent_by_contract(session: Session, client_id: int) -> dict[int, int]:
    """Money released to freelancers on each of the client's contracts, gross (the payments
    of marketplace.md §6.2) — the client screening card's "total spent" (§2)."""
    rows = session.execute(
        select(Payment.contract_id, func.sum(Payment.amount_cents))
        .where(Payment.client_id == client_id)
        .group_by(Payment.contract_id)
    ).all()
    return {int(contract_id): int(total or 0) for contract_id, total in rows}
