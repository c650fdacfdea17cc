"""The payment provider interface and the built-in test provider (marketplace.md §6.3).

The provider is the outside service that holds card numbers and bank details and moves real
money. Workhall keeps only its tokens (a saved card, a payout destination) and the references
of its charges, refunds and payouts.

The built-in test provider runs the whole flow on one machine:

- cards starting ``4242`` succeed, ``4000 0000 0000 0002`` is declined, anything else that
  passes the Luhn check succeeds too; ``4000 0000 0000 0341`` can be saved but every charge
  on it is declined (to try a decline on a card already on file);
- payout destinations are validated for shape (IBAN with its check digits, or a US routing
  number with its checksum and an account number); an account number ending ``0002`` accepts
  nothing (payouts to it fail);
- it keeps its saved cards, destinations and operations in its **own** small database (a SQLite
  file ``test_provider.sqlite3`` in the data folder), apart from Workhall's: like a real
  provider, what it charged stays charged even when Workhall's transaction rolls back. That is
  why every charge and payout carries an idempotency key: the same key gives the first result
  again and moves money once (§6.4).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import BigInteger, Boolean, Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import NullPool

from workhall.core.clock import utcnow
from workhall.core.db import Database, UTCDateTime

if TYPE_CHECKING:
    from workhall.core.settings import Settings


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


@dataclass(frozen=True)
class BankAccount:
    """A payout destination as typed: an IBAN, or a US routing number and account number."""

    holder_name: str
    iban: str | None = None
    routing_number: str | None = None
    account_number: str | None = None

    @property
    def number(self) -> str:
        return self.iban or self.account_number or ""

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class SavedDestination:
    token: str
    last4: str


class PaymentProvider(Protocol):
    def charge(self, card: Card, amount_cents: int, description: str) -> ChargeResult: ...

    def verify_card(self, card: Card) -> ChargeResult: ...

    def save_card(self, card: Card) -> str: ...

    def charge_saved(
        self, token: str, amount_cents: int, description: str, idempotency_key: str
    ) -> ChargeResult: ...

    def refund(
        self, reference: str, amount_cents: int, idempotency_key: str | None = None
    ) -> ChargeResult: ...

    def save_payout_destination(self, account: BankAccount) -> SavedDestination: ...

    def payout(
        self, destination_token: str, amount_cents: int, idempotency_key: str
    ) -> ChargeResult: ...


DECLINED_CARD = "4000000000000002"
# Saved without trouble, declined on every charge (as the big providers' test cards do).
DECLINES_ON_CHARGE_CARD = "4000000000000341"
FAILING_PAYOUT_SUFFIX = "0002"


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


# --- bank accounts ----------------------------------------------------------------------------

IBAN_SHAPE = re.compile(r"\A[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\Z")


def normalize_bank_number(text: str) -> str:
    return "".join(ch for ch in text.upper() if not ch.isspace() and ch != "-")


def iban_ok(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to 10–35, mod 97 = 1."""
    if not IBAN_SHAPE.match(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def routing_number_ok(number: str) -> bool:
    """ABA routing number: nine digits whose weighted sum (3, 7, 1 …) is a multiple of 10."""
    if not (len(number) == 9 and number.isdigit()):
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(number, weights, strict=True)) % 10 == 0


def bank_account_problem(account: BankAccount) -> str | None:
    """Why a payout destination's details are malformed, or None."""
    name = account.holder_name.strip()
    if not name or len(name) > 100 or not name.isprintable():
        return "Enter the account holder's name (up to 100 characters)."
    if account.iban is not None:
        if not iban_ok(account.iban):
            return "Enter a valid IBAN."
        return None
    if not routing_number_ok(account.routing_number or ""):
        return "Enter a valid 9-digit routing number."
    number = account.account_number or ""
    if not (number.isdigit() and 4 <= len(number) <= 17):
        return "Enter an account number of 4 to 17 digits."
    return None


# --- the test provider's own storage ------------------------------------------------------------


class _ProviderBase(DeclarativeBase):
    """The test provider's tables: not Workhall's, so not in its metadata or migrations."""


class TestProviderCard(_ProviderBase):
    __test__ = False  # not a pytest class
    __tablename__ = "test_provider_cards"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    last4: Mapped[str] = mapped_column(String(4))
    # Only the outcome of the decline rule is kept, never the number.
    declines: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TestProviderDestination(_ProviderBase):
    __test__ = False
    __tablename__ = "test_provider_destinations"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    last4: Mapped[str] = mapped_column(String(4))
    fails: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TestProviderOperation(_ProviderBase):
    """A charge, refund or payout. The idempotency key is unique: the same key returns the
    first operation's result."""

    __test__ = False
    __tablename__ = "test_provider_operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # charge | refund | payout
    idempotency_key: Mapped[str | None] = mapped_column(String(250), unique=True, nullable=True)
    source: Mapped[str] = mapped_column(String(40))  # card token, charge reference, destination
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    ok: Mapped[bool] = mapped_column(Boolean)
    decline_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


_stores_lock = threading.Lock()
_stores: dict[str, Database] = {}


def _store(path: Path) -> Database:
    key = str(path.resolve())
    with _stores_lock:
        if key not in _stores:
            path.parent.mkdir(parents=True, exist_ok=True)
            # No pool: each call opens the file briefly, so many test folders leave no handles.
            database = Database(f"sqlite:///{key}", poolclass=NullPool)
            _ProviderBase.metadata.create_all(database.engine)
            _stores[key] = database
        return _stores[key]


def _ref(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


class TestPaymentProvider:
    """Deterministic provider for development, demos and tests.

    ``charge`` and ``verify_card`` (one-off card payments) keep nothing; the saved-card,
    refund and payout calls keep their records in the provider's own database at
    ``store_path``, each call committed on its own, as a remote service would.
    """

    __test__ = False

    def __init__(self, store_path: Path | None = None) -> None:
        self.store_path = store_path

    # one-off card payments (Connects bundles, the Plus plan)

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

    # saved cards, refunds, payouts

    @contextmanager
    def _session(self) -> Iterator[Session]:
        if self.store_path is None:
            raise RuntimeError("this test provider has no store; give it a store_path")
        with _store(self.store_path).unit_of_work() as session:
            yield session

    def save_card(self, card: Card) -> str:
        """Keep a card (already verified by the caller) and return its token."""
        token = _ref("card")
        with self._session() as s:
            s.add(
                TestProviderCard(
                    token=token,
                    last4=card.last4,
                    declines=card.number in (DECLINED_CARD, DECLINES_ON_CHARGE_CARD),
                    created_at=utcnow(),
                )
            )
        return token

    def charge_saved(
        self, token: str, amount_cents: int, description: str, idempotency_key: str
    ) -> ChargeResult:
        if amount_cents <= 0:
            raise ValueError("charges are positive")
        with self._session() as s:
            done = _replay(s, idempotency_key, "charge", token, amount_cents)
            if done is not None:
                return done
            card = s.get(TestProviderCard, token)
            reason = None
            if card is None:
                reason = "No such saved card."
            elif card.declines:
                reason = "Your card was declined."
            return _record(s, "charge", idempotency_key, token, amount_cents, reason)

    def refund(
        self, reference: str, amount_cents: int, idempotency_key: str | None = None
    ) -> ChargeResult:
        """Return part or all of a charge to its card; never more than what is left of it."""
        if amount_cents <= 0:
            raise ValueError("refunds are positive")
        with self._session() as s:
            if idempotency_key is not None:
                done = _replay(s, idempotency_key, "refund", reference, amount_cents)
                if done is not None:
                    return done
            charge = s.scalar(
                select(TestProviderOperation)
                .where(
                    TestProviderOperation.reference == reference,
                    TestProviderOperation.kind == "charge",
                    TestProviderOperation.ok.is_(True),
                )
                .with_for_update()
            )
            reason = None
            if charge is None:
                reason = "No such charge."
            elif charge.amount_cents - charge.refunded_cents < amount_cents:
                reason = "The refund is larger than what is left of the charge."
            else:
                charge.refunded_cents += amount_cents
            return _record(s, "refund", idempotency_key, reference, amount_cents, reason)

    def save_payout_destination(self, account: BankAccount) -> SavedDestination:
        problem = bank_account_problem(account)
        if problem:
            raise ValueError(problem)
        token = _ref("dest")
        with self._session() as s:
            s.add(
                TestProviderDestination(
                    token=token,
                    last4=account.last4,
                    fails=account.number.endswith(FAILING_PAYOUT_SUFFIX),
                    created_at=utcnow(),
                )
            )
        return SavedDestination(token=token, last4=account.last4)

    def payout(
        self, destination_token: str, amount_cents: int, idempotency_key: str
    ) -> ChargeResult:
        if amount_cents <= 0:
            raise ValueError("payouts are positive")
        with self._session() as s:
            done = _replay(s, idempotency_key, "payout", destination_token, amount_cents)
            if done is not None:
                return done
            dest = s.get(TestProviderDestination, destination_token)
            reason = None
            if dest is None:
                reason = "No such payout destination."
            elif dest.fails:
                reason = "The bank refused the transfer."
            return _record(s, "payout", idempotency_key, destination_token, amount_cents, reason)

    # for tests and the operator: what the provider holds

    def operations(self, kind: str | None = None) -> list[TestProviderOperation]:
        with self._session() as s:
            query = select(TestProviderOperation).order_by(TestProviderOperation.id)
            if kind is not None:
                query = query.where(TestProviderOperation.kind == kind)
            rows = list(s.scalars(query))
            s.expunge_all()
            return rows


def _replay(
    s: Session, key: str | None, kind: str, source: str, amount_cents: int
) -> ChargeResult | None:
    if key is None:
        return None
    done = s.scalar(
        select(TestProviderOperation).where(TestProviderOperation.idempotency_key == key)
    )
    if done is None:
        return None
    if (done.kind, done.source, done.amount_cents) != (kind, source, amount_cents):
        return ChargeResult(
            ok=False,
            reference=done.reference,
            decline_reason="This idempotency key was used for another operation.",
        )
    return ChargeResult(ok=done.ok, reference=done.reference, decline_reason=done.decline_reason)


def _record(
    s: Session, kind: str, key: str | None, source: str, amount_cents: int, reason: str | None
) -> ChargeResult:
    op = TestProviderOperation(
        reference=_ref(kind[:2] if kind != "payout" else "po"),
        kind=kind,
        idempotency_key=key,
        source=source,
        amount_cents=amount_cents,
        ok=reason is None,
        decline_reason=reason,
        created_at=utcnow(),
    )
    s.add(op)
    s.flush()
    return ChargeResult(ok=op.ok, reference=op.reference, decline_reason=reason)


def get_provider(settings: Settings | None = None) -> PaymentProvider:
    """The configured provider: the built-in test provider, keeping its records in the data
    folder."""
    from workhall.core.settings import get_settings

    settings = settings or get_settings()
    return TestPaymentProvider(settings.data_dir / "test_provider.sqlite3")
