"""Payout methods and withdrawals (marketplace.md §6.3; trust.md §2.2)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer
from tests.payments.conftest import T0, balances, pair, platform
from workhall.core import clock
from workhall.core.errors import Forbidden, NotFound, Unprocessable
from workhall.ledger.models import LedgerTransaction
from workhall.ledger.service import InsufficientFunds, ledger_problems
from workhall.payments import payouts
from workhall.payments import service as payments
from workhall.payments.models import Withdrawal
from workhall.payments.payouts import IdentityRequired
from workhall.payments.service import ProviderRefused
from workhall.payments.tasks import mature_payments

IBAN = "DE89 3704 0044 0532 0130 00"


def earn(db, settings, freelancer, amount):  # type: ignore[no-untyped-def]
    """Give the freelancer ``amount`` × 90% available: fund, release, wait, mature."""
    client, _ = pair(db, settings)
    payments.fund_escrow(
        db, settings, client=client, freelancer_id=freelancer.id, contract_id=1, amount_cents=amount
    )
    payments.release_escrow(
        db,
        settings,
        client_id=client.id,
        freelancer_id=freelancer.id,
        contract_id=1,
        amount_cents=amount,
        available_at=clock.utcnow(),
    )
    mature_payments(db, settings)


def verified_freelancer(db, settings, **fields):  # type: ignore[no-untyped-def]
    return make_freelancer(db, settings, identity_verified_at=clock.utcnow(), **fields)


def bank(db, settings, user, number=IBAN):  # type: ignore[no-untyped-def]
    return payouts.add_payout_method(db, settings, user, payouts.bank_account("Ada", iban=number))


def test_add_payout_method_keeps_a_token_and_a_label(db, settings, t0):
    user = verified_freelancer(db, settings)
    method = bank(db, settings, user)
    assert method.label == "Bank ····3000" and method.provider_token.startswith("dest_")
    us = payouts.add_payout_method(
        db,
        settings,
        user,
        payouts.bank_account("Ada", routing_number="110000000", account_number="000123456789"),
    )
    assert us.label == "Bank ····6789"
    assert [m.id for m in payouts.payout_methods(db, user.id)] == [method.id, us.id]
    payouts.remove_payout_method(db, user, method.id)
    assert [m.id for m in payouts.payout_methods(db, user.id)] == [us.id]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"iban": "DE89 3704 0044 0532 0130 01"}, "valid IBAN"),
        ({"routing_number": "123", "account_number": "12345"}, "routing"),
        ({"routing_number": "110000000", "account_number": "12"}, "account number"),
        ({}, "routing"),
    ],
)
def test_malformed_bank_details_are_422(fields, message):
    with pytest.raises(Unprocessable, match=message):
        payouts.bank_account("Ada", **fields)


def test_payout_methods_are_for_freelancers_and_limited(db, settings, t0):
    with pytest.raises(Forbidden):
        bank(db, settings, make_client(db, settings))
    settings.payout_methods_max = 1
    user = verified_freelancer(db, settings)
    bank(db, settings, user)
    with pytest.raises(Unprocessable, match="at most 1"):
        bank(db, settings, user)


def test_withdraw_moves_available_money_to_the_bank(db, settings, t0, provider):
    user = verified_freelancer(db, settings)
    earn(db, settings, user, 10_000)
    method = bank(db, settings, user)
    w = payouts.withdraw(db, settings, user, 4_000, method.id, "key-1")
    assert (w.amount_cents, w.status, w.payout_method_id) == (4_000, "paid", method.id)
    assert balances(db, user.id)["freelancer_available"] == 5_000
    txn = db.get(LedgerTransaction, w.txn_id)
    assert txn.kind == "withdrawal" and txn.reference == w.provider_reference
    (op,) = provider.operations("payout")
    assert (op.source, op.amount_cents, op.reference) == (
        method.provider_token,
        4_000,
        w.provider_reference,
    )
    # processor clearing: -10,300 charged in, +4,000 paid out
    assert platform(db)["processor_clearing"] == -10_300 + 4_000


def test_withdrawing_needs_a_verified_identity(db, settings, t0):
    user = make_freelancer(db, settings)
    earn(db, settings, user, 10_000)
    method = bank(db, settings, user)
    with pytest.raises(IdentityRequired, match="Verify your identity to withdraw") as err:
        payouts.withdraw(db, settings, user, 1_000, method.id, "k")
    assert err.value.status == 403


@pytest.mark.parametrize("status", ["on_hold", "restricted"])
def test_withdrawing_needs_an_active_account(db, settings, t0, status):
    user = verified_freelancer(db, settings)
    earn(db, settings, user, 10_000)
    method = bank(db, settings, user)
    user.status = status
    with pytest.raises(Forbidden, match="active account"):
        payouts.withdraw(db, settings, user, 1_000, method.id, "k")


def test_amount_limits(db, settings, t0):
    user = verified_freelancer(db, settings)
    earn(db, settings, user, 10_000)
    method = bank(db, settings, user)
    with pytest.raises(Unprocessable, match=r"between \$1.00"):
        payouts.withdraw(db, settings, user, 99, method.id, "k1")
    with pytest.raises(InsufficientFunds, match=r"\$90.00 available") as err:
        payouts.withdraw(db, settings, user, 9_001, method.id, "k2")
    assert err.value.extra["available_cents"] == 9_000
    assert payouts.withdraw(db, settings, user, 9_000, method.id, "k3").amount_cents == 9_000


def test_pending_money_cannot_be_withdrawn(db, settings, t0):
    user = verified_freelancer(db, settings)
    client, _ = pair(db, settings)
    payments.fund_escrow(
        db, settings, client=client, freelancer_id=user.id, contract_id=1, amount_cents=10_000
    )
    payments.release_escrow(
        db,
        settings,
        client_id=client.id,
        freelancer_id=user.id,
        contract_id=1,
        amount_cents=10_000,
        available_at=t0 + timedelta(days=5),
    )
    method = bank(db, settings, user)
    with pytest.raises(InsufficientFunds):
        payouts.withdraw(db, settings, user, 1_000, method.id, "k")


def test_someone_elses_or_a_removed_method_is_not_found(db, settings, t0):
    user = verified_freelancer(db, settings)
    earn(db, settings, user, 10_000)
    other = bank(db, settings, verified_freelancer(db, settings))
    with pytest.raises(NotFound):
        payouts.withdraw(db, settings, user, 1_000, other.id, "k")
    mine = bank(db, settings, user)
    payouts.remove_payout_method(db, user, mine.id)
    with pytest.raises(NotFound):
        payouts.withdraw(db, settings, user, 1_000, mine.id, "k")
    with pytest.raises(NotFound):
        payouts.remove_payout_method(db, user, other.id)


def test_a_refused_payout_keeps_nothing(db, settings, t0):
    user = verified_freelancer(db, settings)
    earn(db, settings, user, 10_000)
    method = payouts.add_payout_method(
        db,
        settings,
        user,
        payouts.bank_account("Ada", routing_number="110000000", account_number="0000000002"),
    )
    db.commit()
    with pytest.raises(ProviderRefused, match="refused"):
        payouts.withdraw(db, settings, user, 1_000, method.id, "k")
    db.rollback()  # what the unit of work does with any problem
    assert balances(db, user.id)["freelancer_available"] == 9_000
    assert db.scalar(select(func.count()).select_from(Withdrawal)) == 0


def test_same_key_withdraws_once(db, settings, t0, provider):
    user = verified_freelancer(db, settings)
    earn(db, settings, user, 10_000)
    method = bank(db, settings, user)
    first = payouts.withdraw(db, settings, user, 3_000, method.id, "same")
    again = payouts.withdraw(db, settings, user, 3_000, method.id, "same")
    assert first.id == again.id
    assert balances(db, user.id)["freelancer_available"] == 6_000
    assert len(provider.operations("payout")) == 1


def test_a_withdrawal_that_failed_after_the_payout_pays_once_when_retried(
    db, settings, t0, provider
):
    """quality.md §2 — the bank was paid, then our transaction failed; the retry gets the
    provider's first payout back and moves the ledger once."""
    user = verified_freelancer(db, settings)
    earn(db, settings, user, 10_000)
    method = bank(db, settings, user)
    db.commit()
    payouts.withdraw(db, settings, user, 3_000, method.id, "crash")
    db.rollback()
    assert balances(db, user.id)["freelancer_available"] == 9_000
    w = payouts.withdraw(db, settings, user, 3_000, method.id, "crash")
    assert balances(db, user.id)["freelancer_available"] == 6_000
    payouts_made = provider.operations("payout")
    assert len(payouts_made) == 1 and payouts_made[0].reference == w.provider_reference


@pytest.mark.concurrency
def test_two_withdrawals_racing_for_the_same_money_one_succeeds(committed_db, settings):
    """Both ask for all the available money at once: exactly one gets it (quality.md §2)."""
    clock.set_now(T0)
    with committed_db.unit_of_work() as s:
        user = verified_freelancer(s, settings)
        earn(s, settings, user, 10_000)
        method = bank(s, settings, user)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            with committed_db.unit_of_work() as s:
                me = s.get(type(user), user.id)
                payouts.withdraw(s, settings, me, 9_000, method.id, f"race-{n}")
            outcomes.append("ok")
        except InsufficientFunds:
            outcomes.append("insufficient")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["insufficient", "ok"]
    with committed_db.unit_of_work(write=False) as s:
        assert balances(s, user.id)["freelancer_available"] == 0
        assert s.scalar(select(func.count()).select_from(Withdrawal)) == 1
        assert ledger_problems(s) == []
