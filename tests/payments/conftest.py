"""Helpers for the payments tests: clients with a saved card, balances account by account."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_client, make_freelancer
from workhall.accounts import profiles
from workhall.accounts.models import User
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.ledger import service as ledger
from workhall.payments.provider import TestPaymentProvider, get_provider

T0 = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)  # a Wednesday
GOOD_CARD = "4242 4242 4242 4242"
CHARGE_DECLINES_CARD = "4000 0000 0000 0341"  # saved fine, every charge declined


@pytest.fixture
def t0() -> datetime:
    clock.set_now(T0)
    return T0


@pytest.fixture
def provider(settings: Settings) -> TestPaymentProvider:
    found = get_provider(settings)
    assert isinstance(found, TestPaymentProvider)
    return found


def paying_client(db: Session, settings: Settings, card: str = GOOD_CARD, **fields) -> User:  # type: ignore[no-untyped-def]
    """A client with a card saved at the payment provider."""
    client = make_client(db, settings, **fields)
    profiles.add_payment_method(
        db, settings, client, number=card, exp_month=12, exp_year=2035, cvc="123"
    )
    db.flush()
    return client


def pair(db: Session, settings: Settings) -> tuple[User, User]:
    return paying_client(db, settings), make_freelancer(db, settings)


def balances(db: Session, user_id: int) -> dict[str, int]:
    return ledger.user_balances(db, user_id)


def platform(db: Session) -> dict[str, int]:
    return {
        kind: ledger.balance(db, ledger.get_account(db, None, kind).id)
        for kind in ("fees", "processor_clearing")
    }
