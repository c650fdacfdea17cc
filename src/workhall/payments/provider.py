"""The payment provider interface and the built-in test provider (marketplace.md §6.3).

The test provider runs the whole flow on one machine: card numbers starting ``4242`` succeed,
``4000 0000 0000 0002`` is declined, anything else that passes the Luhn check succeeds too.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Card:
    number: str
    exp_month: int
    exp_year: int
    cvc: str

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class ChargeResult:
    ok: bool
    reference: str
    decline_reason: str | None = None


class PaymentProvider(Protocol):
    def charge(self, card: Card, amount_cents: int, description: str) -> ChargeResult: ...

    def verify_card(self, card: Card) -> ChargeResult: ...


DECLINED_CARD = "4000000000000002"


def normalize_card_number(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in number]
    odd = digits[-1::-2]
    even = [sum(divmod(2 * d, 10)) for d in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


def card_problem(card: Card, *, year_now: int, month_now: int) -> str | None:
    """Why a card's details are malformed, or None."""
    if not (12 <= len(card.number) <= 19) or not card.number.isdigit() or not luhn_ok(card.number):
        return "Enter a valid card number."
    if not 1 <= card.exp_month <= 12 or (card.exp_year, card.exp_month) < (year_now, month_now):
        return "The card has expired."
    if not (card.cvc.isdigit() and len(card.cvc) in (3, 4)):
        return "Enter the 3 or 4 digit security code."
    return None


class TestPaymentProvider:
    """Deterministic provider for development, demos and tests."""

    def charge(self, card: Card, amount_cents: int, description: str) -> ChargeResult:
        if amount_cents <= 0:
            raise ValueError("charges are positive")
        return self._decide(card)

    def verify_card(self, card: Card) -> ChargeResult:
        return self._decide(card)

    def _decide(self, card: Card) -> ChargeResult:
        ref = "test_" + secrets.token_hex(8)
        if card.number == DECLINED_CARD:
            return ChargeResult(ok=False, reference=ref, decline_reason="Your card was declined.")
        return ChargeResult(ok=True, reference=ref)


def get_provider() -> PaymentProvider:
    return TestPaymentProvider()
