"""Escrow money flows for contracts, disputes and invoices (marketplace.md §5, §6).

Every function runs in the caller's transaction and never commits. Amounts are integer cents.
Each flow is a few ledger transactions (``workhall.ledger.service.post``), tagged with the
contract and the milestone or invoice they belong to, so the escrow of any of them is a sum of
ledger entries (``escrow_balance``):

- fund:    processor_clearing → client_funds (the charge); client_funds → escrow (amount)
           and → fees (client fee)
- release: escrow → freelancer_pending (net) and → fees (freelancer service fee)
- refund:  escrow → client_funds (amount), fees → client_funds (client fee in proportion);
           client_funds → processor_clearing (back to the card)

Locks: each flow first locks, in id order, the ledger accounts money leaves (the client's
``client_funds`` to fund; the client's ``escrow`` to release; ``escrow``, ``fees`` and
``client_funds`` to refund). All money of one client's contracts therefore moves one
transaction at a time; other clients and freelancers are not held up.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict, Forbidden, PaymentDeclined, Unprocessable
from workhall.core.money import format_cents, round_half_up
from workhall.core.settings import Settings
from workhall.ledger import service as ledger
from workhall.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from workhall.ledger.rules import client_fee, proportional_refund, service_fee
from workhall.ledger.service import InsufficientFunds, Leg
from workhall.payments.models import ClientCharge, ClientRefund, Payment
from workhall.payments.provider import PaymentProvider, get_provider


class PaymentMethodRequired(Forbidden):
    slug, title = "payment-method-required", "No payment method on file"


class ProviderRefused(Conflict):
    slug, title = "provider-refused", "The payment provider refused"


@dataclass(frozen=True)
class Funding:
    charge_id: int
    amount_cents: int  # into escrow
    fee_cents: int  # client fee
    charge_cents: int  # charged to the card: amount + fee
    charge_txn_id: int
    fund_txn_id: int
    provider_reference: str


@dataclass(frozen=True)
class SplitResult:
    payment: Payment | None  # the freelancer's share, released
    refunded_cents: int  # returned to the client's card (share + client fee in proportion)


def _account(session: Session, user_id: int | None, kind: str) -> LedgerAccount:
    return ledger.get_account(session, user_id, kind)


def _positive(amount_cents: int) -> None:
    if not isinstance(amount_cents, int) or isinstance(amount_cents, bool) or amount_cents <= 0:
        raise ValueError(f"amounts are positive integer cents, not {amount_cents!r}")


# --- escrow balances ------------------------------------------------------------------------------

Bucket = tuple[int | None, int | None]  # (milestone_id, invoice_id) of ledger transactions


def _escrow_by_bucket(
    session: Session, contract_id: int, milestone_id: int | None, invoice_id: int | None
) -> list[tuple[Bucket, int]]:
    """Escrow held for a contract, by the (milestone, invoice) its transactions are tagged
    with, in a stable order (milestones, then invoices, by id)."""
    query = (
        select(
            LedgerTransaction.milestone_id,
            LedgerTransaction.invoice_id,
            func.sum(LedgerEntry.amount),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.kind == "escrow", LedgerTransaction.contract_id == contract_id)
        .group_by(LedgerTransaction.milestone_id, LedgerTransaction.invoice_id)
    )
    if milestone_id is not None:
        query = query.where(LedgerTransaction.milestone_id == milestone_id)
    if invoice_id is not None:
        query = query.where(LedgerTransaction.invoice_id == invoice_id)
    rows = [((m, i), int(total)) for m, i, total in session.execute(query) if total]
    rows.sort(key=lambda r: (r[0][0] is None, r[0][0] or 0, r[0][1] is None, r[0][1] or 0))
    return rows


def escrow_balance(
    session: Session,
    contract_id: int,
    *,
    milestone_id: int | None = None,
    invoice_id: int | None = None,
) -> int:
    """Funded − released − refunded for the contract, or for one milestone or invoice of it:
    the sum of the escrow entries of the ledger transactions tagged with those ids."""
    return sum(
        total for _, total in _escrow_by_bucket(session, contract_id, milestone_id, invoice_id)
    )


def _take_from_buckets(
    session: Session,
    contract_id: int,
    milestone_id: int | None,
    invoice_id: int | None,
    amount_cents: int,
) -> list[tuple[Bucket, int]]:
    """Which escrow pays ``amount_cents``: the one milestone or invoice named, or — for the
    whole contract — each milestone or invoice in turn. Raises if escrow is short."""
    buckets = _escrow_by_bucket(session, contract_id, milestone_id, invoice_id)
    held = sum(total for _, total in buckets)
    if amount_cents > held:
        raise InsufficientFunds(
            f"Only {format_cents(held)} is in escrow for this, not {format_cents(amount_cents)}.",
            escrow_cents=held,
        )
    parts: list[tuple[Bucket, int]] = []
    left = amount_cents
    for bucket, total in buckets:
        if left == 0:
            break
        take = min(left, total)
        if take > 0:
            parts.append((bucket, take))
            left -= take
    return parts


# --- fund -----------------------------------------------------------------------------------------


def fund_escrow(
    session: Session,
    settings: Settings,
    *,
    client: User,
    freelancer_id: int,
    contract_id: int,
    amount_cents: int,
    milestone_id: int | None = None,
    invoice_id: int | None = None,
    memo: str = "",
    idempotency_key: str | None = None,
    provider: PaymentProvider | None = None,
) -> Funding:
    """Charge the client's saved card ``amount_cents`` + the client fee (3%, §6.2) and hold
    the amount in escrow for the contract (and the milestone or invoice).

    Raises ``PaymentMethodRequired`` (403) when no card is on file and ``PaymentDeclined``
    (402) when the provider declines; nothing is written then. The same ``idempotency_key``
    funds once: a second call returns the first funding, and the provider — which remembers
    the key — charges once even when the first call's transaction rolled back after it
    charged (§6.4). Locks the client's ``client_funds`` account.
    """
    _positive(amount_cents)
    profile = client.client_profile
    token = profile.payment_method_token if profile is not None else None
    if profile is None or not token:
        raise PaymentMethodRequired(
            "Add a payment method in your account settings before funding escrow."
        )
    funds = _account(session, client.id, "client_funds")
    ledger.lock_accounts(session, [funds])
    if idempotency_key is not None:
        done = session.scalar(
            select(ClientCharge).where(
                ClientCharge.client_id == client.id,
                ClientCharge.idempotency_key == idempotency_key,
            )
        )
        if done is not None:
            same = (done.contract_id, done.milestone_id, done.invoice_id, done.amount_cents)
            if same != (contract_id, milestone_id, invoice_id, amount_cents):
                raise Unprocessable(
                    "This idempotency key was already used for another payment.",
                    title="Idempotency key reused",
                )
            return _funding_of(done)
    fee = client_fee(amount_cents, settings.client_fee_basis_points)
    total = amount_cents + fee
    key = f"fund:{client.id}:{idempotency_key or uuid.uuid4().hex}"
    result = (provider or get_provider(settings)).charge_saved(
        token, total, f"Workhall escrow, contract {contract_id}", key
    )
    if not result.ok:
        raise PaymentDeclined(result.decline_reason or "The card was declined.", amount_cents=total)
    tags = {"contract_id": contract_id, "milestone_id": milestone_id, "invoice_id": invoice_id}
    charge_txn = ledger.post(
        session,
        "charge",
        [Leg(_account(session, None, "processor_clearing"), -total), Leg(funds, total)],
        memo=memo or f"Card charge for contract {contract_id}",
        actor_id=client.id,
        reference=result.reference[:100],
        contract_id=contract_id,
        milestone_id=milestone_id,
        invoice_id=invoice_id,
    )
    fund_txn = ledger.post(
        session,
        "fund",
        [
            Leg(funds, -total),
            Leg(_account(session, client.id, "escrow"), amount_cents),
            Leg(_account(session, None, "fees"), fee),
        ],
        memo=memo or f"Escrow for contract {contract_id}",
        actor_id=client.id,
        contract_id=contract_id,
        milestone_id=milestone_id,
        invoice_id=invoice_id,
    )
    row = ClientCharge(
        client_id=client.id,
        freelancer_id=freelancer_id,
        amount_cents=amount_cents,
        fee_cents=fee,
        charge_cents=total,
        refunded_cents=0,
        provider_reference=result.reference[:100],
        idempotency_key=idempotency_key,
        card_last4=profile.payment_method_last4 or "",
        memo=memo[:300],
        charge_txn_id=charge_txn.id,
        fund_txn_id=fund_txn.id,
        at=utcnow(),
        **tags,
    )
    session.add(row)
    session.flush()
    return _funding_of(row)


def _funding_of(row: ClientCharge) -> Funding:
    return Funding(
        charge_id=row.id,
        amount_cents=row.amount_cents,
        fee_cents=row.fee_cents,
        charge_cents=row.charge_cents,
        charge_txn_id=row.charge_txn_id,
        fund_txn_id=row.fund_txn_id,
        provider_reference=row.provider_reference,
    )


# --- release --------------------------------------------------------------------------------------


def lifetime_billings(session: Session, client_id: int, freelancer_id: int) -> int:
    """Gross released from this client to this freelancer so far (§6.2). Escrow refunds were
    never released, so they are not in it; released money is never taken back."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
                Payment.client_id == client_id, Payment.freelancer_id == freelancer_id
            )
        )
        or 0
    )


def _allocate(total: int, parts: Sequence[int]) -> list[int]:
    """Spread ``total`` over ``parts`` in proportion; the shares sum to ``total`` exactly."""
    whole = sum(parts)
    shares: list[int] = []
    cumulative = given = 0
    for part in parts:
        cumulative += part
        upto = round_half_up(Fraction(total * cumulative, whole)) if whole else 0
        shares.append(upto - given)
        given = upto
    return shares


def release_escrow(
    session: Session,
    settings: Settings,
    *,
    client_id: int,
    freelancer_id: int,
    contract_id: int,
    amount_cents: int,
    available_at: datetime,
    milestone_id: int | None = None,
    invoice_id: int | None = None,
    memo: str = "",
) -> Payment:
    """Release ``amount_cents`` of escrow to the freelancer: a **payment** (§6.2).

    The freelancer service fee follows ``settings.fee_schedule`` over the pair's lifetime
    billings before this release; the net is ``pending`` until ``available_at`` (§6.3: callers
    pass now + 5 days for fixed price, the billed week's end + 10 days for hourly), when the
    ``mature-payments`` task makes it available. Without a milestone or invoice the contract's
    escrow is taken milestone by milestone. Raises ``InsufficientFunds`` (409) when escrow is
    short. Locks the client's ``escrow`` account, which also serialises the pair's billings.
    """
    _positive(amount_cents)
    escrow = _account(session, client_id, "escrow")
    ledger.lock_accounts(session, [escrow])
    parts = _take_from_buckets(session, contract_id, milestone_id, invoice_id, amount_cents)
    split = service_fee(
        lifetime_billings(session, client_id, freelancer_id), amount_cents, settings.fee_schedule
    )
    pending = _account(session, freelancer_id, "freelancer_pending")
    fees = _account(session, None, "fees")
    txn = None
    for (bucket, part), fee in zip(parts, _allocate(split.fee, [p for _, p in parts]), strict=True):
        txn = ledger.post(
            session,
            "release",
            [Leg(escrow, -part), Leg(pending, part - fee), Leg(fees, fee)],
            memo=memo or f"Payment on contract {contract_id}",
            contract_id=contract_id,
            milestone_id=bucket[0],
            invoice_id=bucket[1],
        )
    payment = Payment(
        contract_id=contract_id,
        client_id=client_id,
        freelancer_id=freelancer_id,
        amount_cents=amount_cents,
        fee_cents=split.fee,
        at=utcnow(),
        milestone_id=milestone_id,
        invoice_id=invoice_id,
        memo=memo[:300],
        available_at=available_at,
        release_txn_id=txn.id if txn is not None else None,
        available_txn_id=None,
    )
    session.add(payment)
    session.flush()
    return payment


# --- refund ---------------------------------------------------------------------------------------


def _same(column, value):  # type: ignore[no-untyped-def]
    return column.is_(None) if value is None else column == value


def refund_escrow(
    session: Session,
    settings: Settings,
    *,
    client_id: int,
    contract_id: int,
    amount_cents: int,
    milestone_id: int | None = None,
    invoice_id: int | None = None,
    memo: str = "",
    provider: PaymentProvider | None = None,
) -> int:
    """Return ``amount_cents`` of escrow to the client's card, with the client fee refunded in
    proportion (§6.2) against what was funded for that milestone or invoice. Without one, the
    contract's escrow is returned milestone by milestone. Returns the cents sent back to the
    card. Raises ``InsufficientFunds`` (409) when escrow is short, ``ProviderRefused`` (409)
    when the provider refuses the refund. Locks the client's ``escrow`` and ``client_funds``
    and the platform ``fees`` accounts.
    """
    _positive(amount_cents)
    escrow = _account(session, client_id, "escrow")
    funds = _account(session, client_id, "client_funds")
    fees = _account(session, None, "fees")
    ledger.lock_accounts(session, [escrow, funds, fees])
    parts = _take_from_buckets(session, contract_id, milestone_id, invoice_id, amount_cents)
    provider = provider or get_provider(settings)
    returned = 0
    for bucket, part in parts:
        returned += _refund_bucket(
            session, provider, client_id, contract_id, bucket, part, memo, escrow, funds, fees
        )
    return returned


def _refund_bucket(
    session: Session,
    provider: PaymentProvider,
    client_id: int,
    contract_id: int,
    bucket: Bucket,
    part: int,
    memo: str,
    escrow: LedgerAccount,
    funds: LedgerAccount,
    fees: LedgerAccount,
) -> int:
    milestone_id, invoice_id = bucket
    charges = list(
        session.scalars(
            select(ClientCharge)
            .where(
                ClientCharge.client_id == client_id,
                ClientCharge.contract_id == contract_id,
                _same(ClientCharge.milestone_id, milestone_id),
                _same(ClientCharge.invoice_id, invoice_id),
            )
            .order_by(ClientCharge.id)
        )
    )
    refunded_before, fee_refunded_before = session.execute(
        select(
            func.coalesce(func.sum(ClientRefund.amount_cents), 0),
            func.coalesce(func.sum(ClientRefund.fee_cents), 0),
        ).where(
            ClientRefund.client_id == client_id,
            ClientRefund.contract_id == contract_id,
            _same(ClientRefund.milestone_id, milestone_id),
            _same(ClientRefund.invoice_id, invoice_id),
        )
    ).one()
    funded = sum(c.amount_cents for c in charges)
    fee_charged = sum(c.fee_cents for c in charges)
    # Cumulative, so refunds in several parts never return more than the fee charged.
    fee_back = proportional_refund(int(refunded_before) + part, funded, fee_charged) - int(
        fee_refunded_before
    )
    fee_back = max(0, fee_back)
    total = part + fee_back
    tags = {"contract_id": contract_id, "milestone_id": milestone_id, "invoice_id": invoice_id}
    refund_txn = ledger.post(
        session,
        "refund",
        [Leg(escrow, -part), Leg(fees, -fee_back), Leg(funds, total)],
        memo=memo or f"Escrow returned on contract {contract_id}",
        contract_id=contract_id,
        milestone_id=milestone_id,
        invoice_id=invoice_id,
    )
    references: list[str] = []
    left = total
    for charge in charges:
        if left == 0:
            break
        take = min(left, charge.charge_cents - charge.refunded_cents)
        if take <= 0:
            continue
        # The key is fixed by the charge and what it had refunded, so a retry after a crash
        # asks the provider for the same refund and gets the first answer back (§6.4).
        result = provider.refund(
            charge.provider_reference,
            take,
            idempotency_key=f"refund:{charge.provider_reference}:{charge.refunded_cents}",
        )
        if not result.ok:
            raise ProviderRefused(result.decline_reason or "The refund was refused.")
        charge.refunded_cents += take
        references.append(result.reference)
        left -= take
    if left:
        raise ValueError(f"escrow of contract {contract_id} has no charge left to refund")
    payout_txn = ledger.post(
        session,
        "refund_out",
        [Leg(funds, -total), Leg(_account(session, None, "processor_clearing"), total)],
        memo=memo or f"Refund to card for contract {contract_id}",
        reference=",".join(references)[:100],
        contract_id=contract_id,
        milestone_id=milestone_id,
        invoice_id=invoice_id,
    )
    session.add(
        ClientRefund(
            client_id=client_id,
            amount_cents=part,
            fee_cents=fee_back,
            memo=memo[:300],
            refund_txn_id=refund_txn.id,
            payout_txn_id=payout_txn.id,
            at=utcnow(),
            **tags,
        )
    )
    session.flush()
    return total


# --- disputes -------------------------------------------------------------------------------------


def split_escrow(
    session: Session,
    settings: Settings,
    *,
    client_id: int,
    freelancer_id: int,
    contract_id: int,
    freelancer_cents: int,
    client_cents: int,
    available_at: datetime,
    milestone_id: int | None = None,
    invoice_id: int | None = None,
    memo: str = "",
    provider: PaymentProvider | None = None,
) -> SplitResult:
    """A dispute decided ``split`` (marketplace.md §5): release the freelancer's share (the
    service fee applies to it) and refund the client's share, in the caller's one transaction.
    Either share may be 0. Raises ``InsufficientFunds`` (409) if escrow holds less than both.
    Locks as ``refund_escrow``.
    """
    if freelancer_cents < 0 or client_cents < 0 or freelancer_cents + client_cents <= 0:
        raise ValueError("a split divides a positive amount into two shares ≥ 0")
    escrow = _account(session, client_id, "escrow")
    ledger.lock_accounts(
        session,
        [escrow, _account(session, client_id, "client_funds"), _account(session, None, "fees")],
    )
    held = escrow_balance(session, contract_id, milestone_id=milestone_id, invoice_id=invoice_id)
    if freelancer_cents + client_cents > held:
        raise InsufficientFunds(
            f"Only {format_cents(held)} is in escrow for this.", escrow_cents=held
        )
    payment = None
    if freelancer_cents:
        payment = release_escrow(
            session,
            settings,
            client_id=client_id,
            freelancer_id=freelancer_id,
            contract_id=contract_id,
            amount_cents=freelancer_cents,
            available_at=available_at,
            milestone_id=milestone_id,
            invoice_id=invoice_id,
            memo=memo,
        )
    refunded = 0
    if client_cents:
        refunded = refund_escrow(
            session,
            settings,
            client_id=client_id,
            contract_id=contract_id,
            amount_cents=client_cents,
            milestone_id=milestone_id,
            invoice_id=invoice_id,
            memo=memo,
            provider=provider,
        )
    return SplitResult(payment=payment, refunded_cents=refunded)
