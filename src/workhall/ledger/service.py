"""Ledger writes. ``post`` is the only way money moves; it runs in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workhall.core.clock import utcnow
from workhall.core.errors import Conflict
from workhall.ledger.models import (
    MAY_GO_NEGATIVE,
    PLATFORM_ACCOUNT_KINDS,
    USER_ACCOUNT_KINDS,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)


class InsufficientFunds(Conflict):
    slug, title = "insufficient-funds", "Insufficient funds"


def account_key(user_id: int | None, kind: str) -> str:
    if user_id is None:
        if kind not in PLATFORM_ACCOUNT_KINDS:
            raise ValueError(f"{kind} is not a platform account")
        return f"platform:{kind}"
    if kind not in USER_ACCOUNT_KINDS:
        raise ValueError(f"{kind} is not a user account")
    return f"user:{user_id}:{kind}"


def get_account(session: Session, user_id: int | None, kind: str) -> LedgerAccount:
    """The account, created on first use. Safe when two transactions create it at once."""
    key = account_key(user_id, kind)
    found = session.scalar(select(LedgerAccount).where(LedgerAccount.key == key))
    if found is not None:
        return found
    try:
        with session.begin_nested():
            acct = LedgerAccount(key=key, user_id=user_id, kind=kind, created_at=utcnow())
            session.add(acct)
            session.flush()
        return acct
    except IntegrityError:
        found = session.scalar(select(LedgerAccount).where(LedgerAccount.key == key))
        assert found is not None
        return found


def balance(session: Session, account_id: int) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
                LedgerEntry.account_id == account_id
            )
        )
        or 0
    )


def user_balances(session: Session, user_id: int) -> dict[str, int]:
    rows = session.execute(
        select(LedgerAccount.kind, func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id, isouter=True)
        .where(LedgerAccount.user_id == user_id)
        .group_by(LedgerAccount.kind)
    ).all()
    out = dict.fromkeys(USER_ACCOUNT_KINDS, 0)
    out.update({kind: int(total) for kind, total in rows})
    return out


def lock_accounts(session: Session, accounts: Sequence[LedgerAccount]) -> None:
    """Lock the accounts' rows in id order (``SELECT ... FOR UPDATE``), so two transactions
    that move money on the same accounts run one after the other and never deadlock. SQLite's
    writer lock (``BEGIN IMMEDIATE``) already serialises them. Locking twice is harmless."""
    ids = sorted({acct.id for acct in accounts})
    if ids:
        session.execute(
            select(LedgerAccount.id)
            .where(LedgerAccount.id.in_(ids))
            .order_by(LedgerAccount.id)
            # NO KEY UPDATE: entries inserted earlier in either transaction hold KEY SHARE on
            # their account, which a plain FOR UPDATE would wait on (a deadlock).
            .with_for_update(key_share=True)
        )


@dataclass(frozen=True)
class Leg:
    account: LedgerAccount
    amount: int  # + into the account, − out of it


def post(
    session: Session,
    kind: str,
    legs: Sequence[Leg],
    *,
    memo: str = "",
    actor_id: int | None = None,
    contract_id: int | None = None,
    milestone_id: int | None = None,
    invoice_id: int | None = None,
    reference: str | None = None,
) -> LedgerTransaction:
    """Record one balanced transaction (marketplace.md §6.1).

    Locks the rows of the accounts money leaves (those that may not go negative) in id order
    (``SELECT ... FOR UPDATE``; SQLite's writer lock does the same), then refuses — writing
    nothing — a movement that would take any of them below zero. Accounts that only receive
    money, and ``processor_clearing``, are not locked: no concurrent write can make them break
    the invariant, and every transaction touches a platform account.
    """
    legs = [leg for leg in legs if leg.amount != 0]
    if sum(leg.amount for leg in legs) != 0:
        raise ValueError(f"unbalanced ledger transaction {kind}: {[leg.amount for leg in legs]}")
    if not legs:
        raise ValueError("a ledger transaction moves money")
    change: dict[int, int] = {}
    for leg in legs:
        change[leg.account.id] = change.get(leg.account.id, 0) + leg.amount
    by_id = {leg.account.id: leg.account for leg in legs}
    lock_accounts(
        session,
        [by_id[i] for i, d in change.items() if d < 0 and by_id[i].kind not in MAY_GO_NEGATIVE],
    )
    for account_id, delta in change.items():
        acct = by_id[account_id]
        short = delta < 0 and acct.kind not in MAY_GO_NEGATIVE
        if short and balance(session, account_id) + delta < 0:
            raise InsufficientFunds(
                f"Not enough money in {acct.kind.replace('_', ' ')} for this.",
                account=acct.kind,
            )
    txn = LedgerTransaction(
        at=utcnow(),
        kind=kind,
        memo=memo[:300],
        actor_id=actor_id,
        contract_id=contract_id,
        milestone_id=milestone_id,
        invoice_id=invoice_id,
        reference=reference,
    )
    txn.entries = [LedgerEntry(account_id=leg.account.id, amount=leg.amount) for leg in legs]
    session.add(txn)
    session.flush()
    return txn


def ledger_problems(session: Session) -> list[str]:
    """What breaks the ledger's invariants (for tests and an operator check): transactions
    that do not sum to zero, and accounts below zero that may not be."""
    problems: list[str] = []
    unbalanced = session.execute(
        select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.transaction_id)
        .having(func.sum(LedgerEntry.amount) != 0)
    ).all()
    problems += [f"transaction {tid} sums to {total}" for tid, total in unbalanced]
    negative = session.execute(
        select(LedgerAccount.key, func.sum(LedgerEntry.amount))
        .join(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(LedgerAccount.kind.not_in(MAY_GO_NEGATIVE))
        .group_by(LedgerAccount.key)
        .having(func.sum(LedgerEntry.amount) < 0)
    ).all()
    problems += [f"account {key} is at {total}" for key, total in negative]
    return problems
