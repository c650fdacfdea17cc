"""Payout methods and withdrawals (marketplace.md §6.3).

A freelancer withdraws available money to a payout method of the payment provider. That needs
identity verification (trust.md §2.2) and an ``active`` account (marketplace.md §1).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.clock import utcnow
from workhall.core.errors import Forbidden, NotFound, Unprocessable
from workhall.core.money import format_cents
from workhall.core.settings import Settings
from workhall.ledger import service as ledger
from workhall.ledger.service import InsufficientFunds, Leg
from workhall.payments.models import PayoutMethod, Withdrawal
from workhall.payments.provider import (
    BankAccount,
    PaymentProvider,
    bank_account_problem,
    get_provider,
    normalize_bank_number,
)
from workhall.payments.service import ProviderRefused


class IdentityRequired(Forbidden):
    slug, title = "identity-verification-required", "Identity verification required"


def _require_freelancer(user: User) -> None:
    if not user.is_freelancer:
        raise Forbidden("Only freelancers have earnings to withdraw.")


def bank_account(
    holder_name: str,
    *,
    iban: str | None = None,
    routing_number: str | None = None,
    account_number: str | None = None,
) -> BankAccount:
    """A payout destination from what the user typed; Unprocessable (field ``account``) if
    malformed."""
    iban = normalize_bank_number(iban or "") or None
    if iban is not None:
        account = BankAccount(holder_name=holder_name.strip(), iban=iban)
    else:
        account = BankAccount(
            holder_name=holder_name.strip(),
            routing_number=normalize_bank_number(routing_number or "") or None,
            account_number=normalize_bank_number(account_number or "") or None,
        )
    problem = bank_account_problem(account)
    if problem:
        raise Unprocessable(problem, field="account")
    return account


def payout_methods(session: Session, user_id: int) -> list[PayoutMethod]:
    return list(
        session.scalars(
            select(PayoutMethod)
            .where(PayoutMethod.user_id == user_id, PayoutMethod.removed_at.is_(None))
            .order_by(PayoutMethod.id)
        )
    )


def add_payout_method(
    session: Session,
    settings: Settings,
    user: User,
    account: BankAccount,
    *,
    provider: PaymentProvider | None = None,
) -> PayoutMethod:
    """Save a bank account with the provider and keep its token and a label
    ("Bank ····1234"). At most ``payout_methods_max`` methods; locks nothing (a method is
    only ever added by its owner)."""
    _require_freelancer(user)
    if len(payout_methods(session, user.id)) >= settings.payout_methods_max:
        raise Unprocessable(
            f"You can keep at most {settings.payout_methods_max} payout methods; remove one first.",
            field="account",
        )
    try:
        saved = (provider or get_provider(settings)).save_payout_destination(account)
    except ValueError as exc:
        raise Unprocessable(str(exc), field="account") from exc
    method = PayoutMethod(
        user_id=user.id,
        provider_token=saved.token,
        label=f"Bank ····{saved.last4}",
        holder_name=account.holder_name[:100],
        created_at=utcnow(),
    )
    session.add(method)
    session.flush()
    return method


def all_payout_methods(session: Session, user_id: int) -> list[PayoutMethod]:
    """Including removed ones, which past withdrawals still name."""
    return list(
        session.scalars(
            select(PayoutMethod).where(PayoutMethod.user_id == user_id).order_by(PayoutMethod.id)
        )
    )


def _own_method(session: Session, user: User, payout_method_id: int) -> PayoutMethod:
    method = session.get(PayoutMethod, payout_method_id)
    if method is None or method.user_id != user.id or method.removed_at is not None:
        raise NotFound("No such payout method on your account.")
    return method


def remove_payout_method(session: Session, user: User, payout_method_id: int) -> None:
    """Withdrawals keep pointing at a removed method, so it is only marked removed."""
    _own_method(session, user, payout_method_id).removed_at = utcnow()
    session.flush()


def available_balance(session: Session, user_id: int) -> int:
    return ledger.balance(session, ledger.get_account(session, user_id, "freelancer_available").id)


def withdraw(
    session: Session,
    settings: Settings,
    freelancer: User,
    amount_cents: int,
    payout_method_id: int,
    idempotency_key: str,
    *,
    provider: PaymentProvider | None = None,
) -> Withdrawal:
    """Pay ``amount_cents`` of available money out to a payout method (§6.3).

    Needs identity verification (403 ``identity-verification-required``) and an ``active``
    account (403); $1 ≤ amount ≤ available (422 / 409 ``insufficient-funds``). Locks the
    freelancer's ``freelancer_available`` account first, so two withdrawals racing for the
    same money run one after the other and the second finds it gone. The ledger moves before
    the provider is asked, so a refused movement pays nothing; the same ``idempotency_key``
    withdraws once, and the provider pays out once even if our transaction failed after it
    paid (§6.4). Raises ``ProviderRefused`` (409) when the bank refuses; nothing is kept.
    """
    _require_freelancer(freelancer)
    if freelancer.identity_verified_at is None:
        raise IdentityRequired(
            "Verify your identity to withdraw: payouts need a reviewed government ID."
        )
    if freelancer.status != "active":
        raise Forbidden(
            f"Your account is {freelancer.status.replace('_', ' ')}: withdrawals need an "
            "active account.",
            account_status=freelancer.status,
        )
    if not settings.withdrawal_min_cents <= amount_cents <= settings.withdrawal_max_cents:
        raise Unprocessable(
            f"Withdraw between {format_cents(settings.withdrawal_min_cents)} and "
            f"{format_cents(settings.withdrawal_max_cents)}.",
            field="amount_cents",
        )
    method = _own_method(session, freelancer, payout_method_id)
    available = ledger.get_account(session, freelancer.id, "freelancer_available")
    ledger.lock_accounts(session, [available])
    done = session.scalar(
        select(Withdrawal).where(
            Withdrawal.user_id == freelancer.id, Withdrawal.idempotency_key == idempotency_key
        )
    )
    if done is not None:
        return done
    have = ledger.balance(session, available.id)
    if amount_cents > have:
        raise InsufficientFunds(
            f"You have {format_cents(have)} available to withdraw.", available_cents=have
        )
    txn = ledger.post(
        session,
        "withdrawal",
        [
            Leg(available, -amount_cents),
            Leg(ledger.get_account(session, None, "processor_clearing"), amount_cents),
        ],
        memo=f"Withdrawal to {method.label}",
        actor_id=freelancer.id,
    )
    result = (provider or get_provider(settings)).payout(
        method.provider_token, amount_cents, f"withdraw:{freelancer.id}:{idempotency_key}"
    )
    if not result.ok:
        raise ProviderRefused(result.decline_reason or "The transfer was refused.")
    txn.reference = result.reference[:100]
    row = Withdrawal(
        user_id=freelancer.id,
        payout_method_id=method.id,
        amount_cents=amount_cents,
        status="paid",
        provider_reference=result.reference[:100],
        idempotency_key=idempotency_key,
        txn_id=txn.id,
        at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def withdrawals_of(session: Session, user_id: int, limit: int = 100) -> list[Withdrawal]:
    return list(
        session.scalars(
            select(Withdrawal)
            .where(Withdrawal.user_id == user_id)
            .order_by(Withdrawal.at.desc(), Withdrawal.id.desc())
            .limit(limit)
        )
    )
