"""The built-in test payment provider (marketplace.md §6.3): saved cards, idempotent charges,
refunds, bank account shapes and payouts. It keeps its records in its own database, so they
outlive a rolled-back Workhall transaction."""

from __future__ import annotations

import pytest

from workhall.payments.provider import (
    BankAccount,
    Card,
    bank_account_problem,
    iban_ok,
    routing_number_ok,
)

GOOD = Card("4242424242424242", 12, 2035, "123")
DECLINED = Card("4000000000000002", 12, 2035, "123")
DECLINES_ON_CHARGE = Card("4000000000000341", 12, 2035, "123")


def test_a_saved_card_is_charged_by_token(provider):
    token = provider.save_card(GOOD)
    result = provider.charge_saved(token, 1_030, "escrow", "key-1")
    assert result.ok and result.reference.startswith("ch_")
    (op,) = provider.operations("charge")
    assert (op.source, op.amount_cents, op.ok) == (token, 1_030, True)


def test_the_card_number_is_not_kept(provider, settings):
    provider.save_card(GOOD)
    data = (settings.data_dir / "test_provider.sqlite3").read_bytes()
    assert b"4242424242424242" not in data


@pytest.mark.parametrize("card", [DECLINED, DECLINES_ON_CHARGE])
def test_decline_rule_holds_for_saved_cards(provider, card):
    token = provider.save_card(card)
    result = provider.charge_saved(token, 500, "escrow", "key-d")
    assert not result.ok and result.decline_reason == "Your card was declined."


def test_verify_card_accepts_4242_and_declines_0002(provider):
    assert provider.verify_card(GOOD).ok
    assert not provider.verify_card(DECLINED).ok
    assert provider.verify_card(DECLINES_ON_CHARGE).ok  # saved fine, declined when charged


def test_same_key_same_result_charged_once(provider):
    token = provider.save_card(GOOD)
    first = provider.charge_saved(token, 1_000, "escrow", "key-2")
    again = provider.charge_saved(token, 1_000, "escrow", "key-2")
    assert first == again and len(provider.operations("charge")) == 1
    other = provider.charge_saved(token, 2_000, "escrow", "key-2")  # key reused for another
    assert not other.ok and "another operation" in (other.decline_reason or "")
    assert len(provider.operations("charge")) == 1


def test_unknown_token_is_declined(provider):
    assert not provider.charge_saved("card_nope", 100, "x", "k").ok


def test_refunds_never_exceed_the_charge(provider):
    token = provider.save_card(GOOD)
    charge = provider.charge_saved(token, 1_000, "escrow", "key-3")
    assert provider.refund(charge.reference, 600).ok
    too_much = provider.refund(charge.reference, 401)
    assert not too_much.ok and "larger" in (too_much.decline_reason or "")
    assert provider.refund(charge.reference, 400).ok
    assert not provider.refund("ch_unknown", 1).ok


def test_refund_with_a_key_is_done_once(provider):
    token = provider.save_card(GOOD)
    charge = provider.charge_saved(token, 1_000, "escrow", "key-4")
    first = provider.refund(charge.reference, 1_000, idempotency_key="r-1")
    assert provider.refund(charge.reference, 1_000, idempotency_key="r-1") == first
    assert len([op for op in provider.operations("refund") if op.ok]) == 1


@pytest.mark.parametrize("amount", [0, -5])
def test_amounts_are_positive(provider, amount):
    with pytest.raises(ValueError):
        provider.charge_saved("t", amount, "x", "k")
    with pytest.raises(ValueError):
        provider.refund("r", amount)
    with pytest.raises(ValueError):
        provider.payout("d", amount, "k")


IBANS = [
    ("DE89370400440532013000", True),
    ("GB82WEST12345698765432", True),
    ("FR1420041010050500013M02606", True),
    ("DE89370400440532013001", False),  # check digits do not match
    ("DE8937040044", False),  # too short
    ("de89370400440532013000", False),  # normalised by the caller, not here
    ("1234567890123456", False),
]


@pytest.mark.parametrize(("iban", "ok"), IBANS)
def test_iban_check_digits(iban, ok):
    assert iban_ok(iban) is ok


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("110000000", True),
        ("021000021", True),
        ("011401533", True),
        ("110000001", False),
        ("12345678", False),
        ("11000000a", False),
    ],
)
def test_routing_number_checksum(number, ok):
    assert routing_number_ok(number) is ok


@pytest.mark.parametrize(
    ("account", "problem"),
    [
        (BankAccount("Ada Lovelace", iban="DE89370400440532013000"), None),
        (BankAccount("Ada", routing_number="110000000", account_number="000123456789"), None),
        (BankAccount("", iban="DE89370400440532013000"), "holder"),
        (BankAccount("A" * 101, iban="DE89370400440532013000"), "holder"),
        (BankAccount("Ada", iban="DE89370400440532013001"), "IBAN"),
        (BankAccount("Ada", routing_number="110000001", account_number="1234"), "routing"),
        (BankAccount("Ada", routing_number="110000000", account_number="123"), "account number"),
        (BankAccount("Ada", routing_number="110000000", account_number="1" * 18), "account number"),
    ],
)
def test_bank_account_shapes(account, problem):
    found = bank_account_problem(account)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_payouts_go_to_saved_destinations_once_per_key(provider):
    dest = provider.save_payout_destination(BankAccount("Ada", iban="DE89370400440532013000"))
    assert dest.last4 == "3000"
    first = provider.payout(dest.token, 5_000, "w-1")
    assert first.ok and first.reference.startswith("po_")
    assert provider.payout(dest.token, 5_000, "w-1") == first
    assert len(provider.operations("payout")) == 1


def test_an_account_ending_0002_refuses_payouts(provider):
    dest = provider.save_payout_destination(
        BankAccount("Ada", routing_number="110000000", account_number="0000000002")
    )
    result = provider.payout(dest.token, 5_000, "w-2")
    assert not result.ok and result.decline_reason == "The bank refused the transfer."


def test_malformed_destinations_are_refused(provider):
    with pytest.raises(ValueError, match="IBAN"):
        provider.save_payout_destination(BankAccount("Ada", iban="XX00"))
