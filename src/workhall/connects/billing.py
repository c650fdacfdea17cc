"""Connects bought with money: bundles and the Plus plan (marketplace.md §4.1).

Both charge a card through the payment provider, with no client fee (§6.2). The charge comes
first and the rows after it, in the caller's transaction: a declined card raises
``PaymentDeclined`` (402) before anything is written, and the unit of work rolls back anything
the request did before. API requests are made idempotent around these functions by
``run_idempotent`` (§6.4); page forms send a one-time ``request_key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.connects.models import ConnectsLot, ConnectsPlanCharge, ConnectsPurchase
from workhall.connects.queries import PlanState, paid_plus_month, plan_state
from workhall.connects.rules import (
    bundle_price_cents,
    eligible_for_monthly_grant,
    grant_source,
    month_key,
    month_start,
    next_month_start,
    plus_topup,
    plus_topup_source,
)
from workhall.connects.service import connects_balance, issue_lot, lock_wallet
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict, Forbidden, PaymentDeclined, Unprocessable
from workhall.core.money import format_cents
from workhall.core.settings import Settings
from workhall.payments.provider import Card, PaymentProvider, card_problem, normalize_card_number


def make_card(number: str, exp_month: int, exp_year: int, cvc: str) -> Card:
    """A card from what the freelancer typed; raises Unprocessable (field ``card``) if malformed."""
    card = Card(
        number=normalize_card_number(number),
        exp_month=exp_month,
        exp_year=exp_year,
        cvc=cvc.strip(),
    )
    now = utcnow()
    problem = card_problem(card, year_now=now.year, month_now=now.month)
    if problem:
        raise Unprocessable(problem, field="card")
    return card


def _charge(provider: PaymentProvider, card: Card, amount_cents: int, description: str) -> str:
    result = provider.charge(card, amount_cents, description)
    if not result.ok:
        raise PaymentDeclined(
            result.decline_reason or "The card was declined.", amount_cents=amount_cents
        )
    return result.reference


def _require_freelancer(user: User) -> None:
    if not user.is_freelancer:
        raise Forbidden("Only freelancers have Connects.")


# --- bundles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseResult:
    purchase: ConnectsPurchase
    balance: int
    already_done: bool = False  # the same page form was submitted twice


def purchase_connects(
    session: Session,
    settings: Settings,
    provider: PaymentProvider,
    user: User,
    bundle: int,
    card: Card,
    *,
    request_key: str | None = None,
) -> PurchaseResult:
    """Buy a bundle of Connects: charge ``bundle`` × $0.15, then issue a ``purchase`` lot.

    Locks the user row (``lock_wallet``) before charging, so a form submitted twice with the
    same ``request_key`` waits for the first and then finds its purchase instead of charging
    again.
    """
    _require_freelancer(user)
    try:
        amount = bundle_price_cents(
            bundle,
            sizes=settings.connects_bundle_sizes,
            unit_price_cents=settings.connects_unit_price_cents,
        )
    except ValueError as exc:
        raise Unprocessable(str(exc), field="bundle") from exc
    lock_wallet(session, user.id)
    if request_key is not None:
        done = session.scalar(
            select(ConnectsPurchase).where(
                ConnectsPurchase.user_id == user.id, ConnectsPurchase.request_key == request_key
            )
        )
        if done is not None:
            return PurchaseResult(done, connects_balance(session, user.id), already_done=True)
    reference = _charge(provider, card, amount, f"Workhall: {bundle} Connects")
    now = utcnow()
    purchase = ConnectsPurchase(
        user_id=user.id,
        bundle=bundle,
        amount_cents=amount,
        provider_reference=reference[:100],
        card_last4=card.last4,
        request_key=request_key,
        created_at=now,
    )
    session.add(purchase)
    session.flush()
    issue_lot(
        session,
        settings,
        user.id,
        kind="purchase",
        source=f"purchase:{purchase.id}",
        amount=bundle,
        note=f"Bought {bundle} Connects for {format_cents(amount)} (card •••• {card.last4})",
    )
    return PurchaseResult(purchase, connects_balance(session, user.id, now))


# --- the Plus plan ------------------------------------------------------------------------------


def change_plan(
    session: Session,
    settings: Settings,
    provider: PaymentProvider,
    user: User,
    plan: str,
    card: Card | None,
) -> PlanState:
    """Move to Plus (pay this calendar month) or back to basic (§4.1).

    Plus is paid one calendar month (UTC) at a time, $14.99, with no proration: paying in a
    month makes that month Plus and tops its grant up to 80. It ends at the next 1st, when the
    monthly grant task moves the freelancer back to basic unless that month was paid too; there
    is no stored card to renew with. Asking for basic while on Plus changes nothing now (a paid
    month is not refunded) and is answered with the date Plus ends. Locks the user row.
    """
    _require_freelancer(user)
    if plan not in ("basic", "plus"):
        raise Unprocessable("The plan is basic or plus.", field="plan")
    lock_wallet(session, user.id)
    now = utcnow()
    month = month_key(now)
    if plan == "basic":
        return plan_state(session, user.id, now)
    if paid_plus_month(session, user.id, month) is not None:
        raise Conflict(
            f"You are already on Plus for {now:%B %Y}. It runs until "
            f"{next_month_start(now):%B %d, %Y}; you can pay for the next month from then.",
            plan="plus",
        )
    if card is None:
        raise Unprocessable("Enter a card to pay for Plus.", field="card")
    price = settings.connects_plan_plus_price_cents
    reference = _charge(provider, card, price, f"Workhall Connects Plus, {now:%B %Y}")
    session.add(
        ConnectsPlanCharge(
            user_id=user.id,
            period=month,
            plan="plus",
            amount_cents=price,
            provider_reference=reference[:100],
            card_last4=card.last4,
            created_at=now,
        )
    )
    session.flush()
    user.connects_plan = "plus"
    _top_up_month(session, settings, user, now)
    return plan_state(session, user.id, now)


def _top_up_month(session: Session, settings: Settings, user: User, now: datetime) -> None:
    """Bring this month's grant up to the Plus grant (80 in all for the month).

    This month's grant is the ``grant:YYYY-MM`` lot, or the sign-up grant for a freelancer who
    joined this month, plus any earlier top-up. If the monthly grant was not issued yet (the
    task runs after the 1st), it is issued here at the Plus amount, and the task then skips it.
    """
    month = month_key(now)
    plus = settings.connects_plan_plus_monthly
    granted = sum(
        session.scalars(
            select(ConnectsLot.original).where(
                ConnectsLot.user_id == user.id,
                ConnectsLot.kind == "grant",
                or_(
                    ConnectsLot.source.in_([grant_source(month), plus_topup_source(month)]),
                    and_(ConnectsLot.source == "signup", ConnectsLot.issued_at >= month_start(now)),
                ),
            )
        )
    )
    if granted == 0 and eligible_for_monthly_grant(user.created_at, now):
        issue_lot(
            session,
            settings,
            user.id,
            kind="grant",
            source=grant_source(month),
            amount=plus,
            note=f"Monthly grant (Plus) for {now:%B %Y}",
        )
        return
    extra = plus_topup(granted, plus)
    if extra:
        issue_lot(
            session,
            settings,
            user.id,
            kind="grant",
            source=plus_topup_source(month),
            amount=extra,
            note=f"Plus top-up for {now:%B %Y}: {granted} → {plus} Connects this month",
        )
