"""The ledger's writes and invariants (marketplace.md §6.1)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_client
from workhall.ledger.models import LedgerEntry, LedgerTransaction
from workhall.ledger.service import (
    InsufficientFunds,
    Leg,
    account_key,
    balance,
    get_account,
    ledger_problems,
    post,
    user_balances,
)


def test_accounts_are_created_once_per_user_and_kind(db, settings):
    user = make_client(db, settings)
    first = get_account(db, user.id, "client_funds")
    assert get_account(db, user.id, "client_funds").id == first.id
    assert first.key == f"user:{user.id}:client_funds"
    assert get_account(db, None, "fees").key == "platform:fees"


@pytest.mark.parametrize(
    ("user_id", "kind"), [(None, "escrow"), (1, "fees"), (1, "processor_clearing"), (1, "cash")]
)
def test_account_kinds_belong_to_their_owner(user_id, kind):
    with pytest.raises(ValueError):
        account_key(user_id, kind)


def test_a_transaction_sums_to_zero(db, settings):
    user = make_client(db, settings)
    clearing = get_account(db, None, "processor_clearing")
    funds = get_account(db, user.id, "client_funds")
    with pytest.raises(ValueError, match="unbalanced"):
        post(db, "charge", [Leg(clearing, -100), Leg(funds, 99)])
    with pytest.raises(ValueError, match="moves money"):
        post(db, "charge", [Leg(clearing, 0)])
    txn = post(db, "charge", [Leg(clearing, -100), Leg(funds, 100)], contract_id=5)
    assert sorted(e.amount for e in txn.entries) == [-100, 100]
    assert balance(db, funds.id) == 100 and balance(db, clearing.id) == -100
    assert user_balances(db, user.id) == {
        "client_funds": 100,
        "escrow": 0,
        "freelancer_pending": 0,
        "freelancer_available": 0,
    }


def test_no_account_but_processor_clearing_goes_below_zero(db, settings):
    """spec: marketplace.md §6.1 — refused with nothing written."""
    user = make_client(db, settings)
    funds = get_account(db, user.id, "client_funds")
    escrow = get_account(db, user.id, "escrow")
    post(db, "charge", [Leg(get_account(db, None, "processor_clearing"), -50), Leg(funds, 50)])
    before = db.scalar(select(func.count()).select_from(LedgerEntry))
    with pytest.raises(InsufficientFunds) as err:
        post(db, "fund", [Leg(funds, -51), Leg(escrow, 51)])
    assert err.value.status == 409 and err.value.extra["account"] == "client_funds"
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == before
    post(db, "fund", [Leg(funds, -50), Leg(escrow, 50)])  # all of it is fine
    assert balance(db, funds.id) == 0


def test_ledger_problems_names_unbalanced_transactions_and_negative_accounts(db, settings):
    assert ledger_problems(db) == []
    fees = get_account(db, None, "fees")
    broken = LedgerTransaction(kind="broken")
    broken.entries = [LedgerEntry(account_id=fees.id, amount=-7)]
    db.add(broken)
    db.flush()
    assert ledger_problems(db) == [
        f"transaction {broken.id} sums to -7",
        "account platform:fees is at -7",
    ]
    # Repair it, so the autouse invariant check after this test finds the ledger whole.
    db.delete(broken)
    db.flush()
    assert ledger_problems(db) == []
