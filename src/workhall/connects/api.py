"""Connects API: balance, lots and history; prices; purchases; the plan (interfaces.md §1)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from workhall.accounts.models import User
from workhall.connects import billing
from workhall.connects.queries import history_page, live_lots, plan_state
from workhall.connects.rules import fixed_price_rows
from workhall.connects.schemas import (
    BoostRulesOut,
    BundleOut,
    CardIn,
    ConnectsOut,
    EventOut,
    FixedPriceOut,
    HourlyPriceOut,
    LotOut,
    PlanIn,
    PlanOut,
    PlanPriceOut,
    PricesOut,
    PurchaseIn,
    PurchaseOut,
)
from workhall.connects.service import connects_balance, plan_grant
from workhall.core.idempotency import run_idempotent
from workhall.core.settings import Settings
from workhall.core.web import ApiFreelancer, DbDep, SettingsDep
from workhall.payments.provider import Card, PaymentProvider, get_provider

router = APIRouter(tags=["connects"])


def payment_provider() -> PaymentProvider:
    return get_provider()


ProviderDep = Annotated[PaymentProvider, Depends(payment_provider)]

AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in (problem document)"},
    403: {"description": "Not a freelancer (problem document)"},
}
PAY: dict[int | str, dict[str, Any]] = {
    402: {"description": "Card declined: problem `payment-declined`"},
    422: {"description": "Invalid input, or an Idempotency-Key reused with another body"},
}


@router.get("/me/connects", response_model=ConnectsOut, responses=AUTH)
def my_connects(
    user: ApiFreelancer,
    db: DbDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> ConnectsOut:
    """Balance, live lots (soonest expiry first) and the history (newest first, by page)."""
    state = plan_state(db, user.id)
    history = history_page(db, user.id, page, settings.connects_history_page_size)
    return ConnectsOut(
        balance=connects_balance(db, user.id),
        plan=state.plan,  # type: ignore[arg-type]
        plus_until=state.plus_until.isoformat() if state.plus_until else None,
        lots=[
            LotOut(
                kind=lot.kind,
                remaining=lot.remaining,
                original=lot.original,
                issued_at=lot.issued_at.isoformat(),
                expires_at=lot.expires_at.isoformat(),
            )
            for lot in live_lots(db, user.id)
        ],
        history=[
            EventOut(
                at=e.at.isoformat(),
                kind=e.kind,
                amount=e.amount,
                balance_after=e.balance_after,
                job_id=e.job_id,
                proposal_id=e.proposal_id,
                note=e.note,
            )
            for e in history.events
        ],
        page=history.page,
        pages=history.pages,
        history_total=history.total,
    )


@router.get("/connects/prices", response_model=PricesOut)
def prices(settings: SettingsDep) -> PricesOut:
    """What a proposal costs (marketplace.md §4.2), bundles and plans (§4.1), boosts (§4.5)."""
    return PricesOut(
        fixed=[
            FixedPriceOut(min_cents=r.min_cents, max_cents=r.max_cents, connects=r.connects)
            for r in fixed_price_rows(settings.connects_fixed_price_table)
        ],
        hourly=[
            HourlyPriceOut(duration=d, connects=c)
            for d, c in settings.connects_hourly_price_table.items()
        ],
        bundles=[
            BundleOut(connects=n, amount_cents=n * settings.connects_unit_price_cents)
            for n in settings.connects_bundle_sizes
        ],
        unit_price_cents=settings.connects_unit_price_cents,
        plans=[
            PlanPriceOut(
                plan="basic", monthly_grant=settings.connects_plan_basic_monthly, price_cents=0
            ),
            PlanPriceOut(
                plan="plus",
                monthly_grant=settings.connects_plan_plus_monthly,
                price_cents=settings.connects_plan_plus_price_cents,
            ),
        ],
        lot_lifetime_days=settings.connects_lot_lifetime_days,
        refund_min_lifetime_days=settings.connects_refund_min_lifetime_days,
        boost=BoostRulesOut(
            slots=settings.boost_slots,
            auction_days=settings.boost_auction_days,
            min_bid=settings.boost_min_bid,
        ),
    )


def _card(card: CardIn) -> Card:
    return billing.make_card(card.number, card.exp_month, card.exp_year, card.cvc)


def _card_fingerprint(request: Request, card: CardIn | None) -> str | None:
    """A keyed hash of the card, so the idempotency record compares bodies without storing
    the card number (marketplace.md §6.4)."""
    if card is None:
        return None
    digits = "".join(ch for ch in card.number if ch.isdigit())
    text = f"{digits}|{card.exp_month}|{card.exp_year}|{card.cvc}"
    key = str(request.app.state.secret_key).encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


@router.post(
    "/me/connects/purchases",
    status_code=201,
    response_model=PurchaseOut,
    responses={**AUTH, **PAY},
)
def buy_connects(
    body: PurchaseIn,
    request: Request,
    user: ApiFreelancer,
    db: DbDep,
    settings: SettingsDep,
    provider: ProviderDep,
) -> JSONResponse:
    """Buy a bundle; send an ``Idempotency-Key`` header to make retries safe (§6.4)."""

    def action() -> tuple[int, Any]:
        result = billing.purchase_connects(
            db, settings, provider, user, body.bundle, _card(body.card)
        )
        out = PurchaseOut(
            id=result.purchase.id,
            connects=result.purchase.bundle,
            amount_cents=result.purchase.amount_cents,
            balance=result.balance,
        )
        return 201, out.model_dump()

    payload = {"bundle": body.bundle, "card": _card_fingerprint(request, body.card)}
    return run_idempotent(db, request, user.id, payload, action)


def plan_out(db: DbDep, settings: Settings, user: User) -> PlanOut:
    state = plan_state(db, user.id)
    return PlanOut(
        plan=state.plan,  # type: ignore[arg-type]
        plus_until=state.plus_until.isoformat() if state.plus_until else None,
        monthly_grant=plan_grant(settings, state.plan),
        plus_price_cents=settings.connects_plan_plus_price_cents,
        balance=connects_balance(db, user.id),
    )


@router.get("/me/connects/plan", response_model=PlanOut, responses=AUTH)
def my_plan(user: ApiFreelancer, db: DbDep, settings: SettingsDep) -> PlanOut:
    return plan_out(db, settings, user)


@router.post(
    "/me/connects/plan",
    response_model=PlanOut,
    responses={**AUTH, **PAY, 409: {"description": "This month is already paid for Plus"}},
)
def set_plan(
    body: PlanIn,
    request: Request,
    user: ApiFreelancer,
    db: DbDep,
    settings: SettingsDep,
    provider: ProviderDep,
) -> JSONResponse:
    """``plus`` pays this calendar month ($14.99) and tops this month's grant up to 80;
    ``basic`` leaves a paid month running until the next 1st (no refund)."""

    def action() -> tuple[int, Any]:
        card = _card(body.card) if body.card is not None and body.plan == "plus" else None
        billing.change_plan(db, settings, provider, user, body.plan, card)
        return 200, plan_out(db, settings, user).model_dump()

    payload = {"plan": body.plan, "card": _card_fingerprint(request, body.card)}
    return run_idempotent(db, request, user.id, payload, action)
