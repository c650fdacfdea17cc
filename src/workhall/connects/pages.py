"""The Connects page: balance, plan, lots, history, buying and the price list (§4)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from workhall.accounts.models import User
from workhall.connects import billing
from workhall.connects.api import ProviderDep
from workhall.connects.queries import history_page, live_lots, plan_state
from workhall.connects.rules import fixed_price_rows
from workhall.connects.service import connects_balance, plan_grant
from workhall.core.errors import Problem, Unprocessable
from workhall.core.money import format_cents
from workhall.core.settings import Settings
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, PageFreelancer, SettingsDep
from workhall.payments.provider import Card

router = APIRouter()

DURATION_LABELS = {
    "lt1m": "Less than 1 month",
    "1to3m": "1 to 3 months",
    "3to6m": "3 to 6 months",
    "gt6m": "More than 6 months",
}


def _context(db: DbDep, settings: Settings, user: User, page: int) -> dict[str, Any]:
    history = history_page(db, user.id, page, settings.connects_history_page_size)
    return {
        "balance": connects_balance(db, user.id),
        "plan": plan_state(db, user.id),
        "plan_grant": plan_grant,
        "lots": live_lots(db, user.id),
        "history": history,
        "fixed_rows": fixed_price_rows(settings.connects_fixed_price_table),
        "hourly_rows": [
            (DURATION_LABELS.get(d, d), c) for d, c in settings.connects_hourly_price_table.items()
        ],
        "bundles": [
            (n, n * settings.connects_unit_price_cents) for n in settings.connects_bundle_sizes
        ],
        "form_key": secrets.token_urlsafe(24),
        "form": {},
    }


@router.get("/connects")
def connects_page(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return render(request, "connects/index.html", _context(db, settings, user, page))


def _form_int(value: str, what: str) -> int:
    try:
        return int(value.strip())
    except ValueError as exc:
        raise Unprocessable(f"Choose the {what}.", field=what) from exc


def _card(number: str, exp_month: str, exp_year: str, cvc: str) -> Card:
    return billing.make_card(
        number, _form_int(exp_month, "expiry month"), _form_int(exp_year, "expiry year"), cvc
    )


def _failed(
    request: Request, db: DbDep, settings: Settings, user: User, error: str, form: dict[str, str]
) -> Response:
    """Nothing the failed request did is kept; the page shows why, with the choices made."""
    db.rollback()
    ctx = _context(db, settings, user, 1)
    ctx.update(error=error, form=form)
    return render(request, "connects/index.html", ctx, status_code=400)


@router.post("/connects/purchases", dependencies=[Csrf])
def buy_connects(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    provider: ProviderDep,
    bundle: Annotated[str, Form(max_length=10)] = "",
    card_number: Annotated[str, Form(max_length=23)] = "",
    exp_month: Annotated[str, Form(max_length=2)] = "",
    exp_year: Annotated[str, Form(max_length=4)] = "",
    cvc: Annotated[str, Form(max_length=4)] = "",
    form_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    form = {"bundle": bundle, "exp_month": exp_month, "exp_year": exp_year, "action": "buy"}
    try:
        size = _form_int(bundle, "bundle")
        card = _card(card_number, exp_month, exp_year, cvc)
        result = billing.purchase_connects(
            db, settings, provider, user, size, card, request_key=form_key or None
        )
    except Problem as exc:
        return _failed(request, db, settings, user, exc.detail, form)
    purchase = result.purchase
    if result.already_done:
        message = f"This purchase of {purchase.bundle} Connects was already made."
    else:
        message = (
            f"You bought {purchase.bundle} Connects for {format_cents(purchase.amount_cents)}. "
            f"Your balance is {result.balance}."
        )
    return redirect("/connects", request, message)


@router.post("/connects/plan", dependencies=[Csrf])
def change_plan(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    provider: ProviderDep,
    plan: Annotated[str, Form(max_length=10)] = "",
    card_number: Annotated[str, Form(max_length=23)] = "",
    exp_month: Annotated[str, Form(max_length=2)] = "",
    exp_year: Annotated[str, Form(max_length=4)] = "",
    cvc: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    form = {"exp_month": exp_month, "exp_year": exp_year, "action": "plan"}
    try:
        card = _card(card_number, exp_month, exp_year, cvc) if plan == "plus" else None
        state = billing.change_plan(db, settings, provider, user, plan, card)
    except Problem as exc:
        return _failed(request, db, settings, user, exc.detail, form)
    if plan == "plus":
        message = (
            f"You are on Plus until {state.plus_until:%B %d, %Y}: "
            f"{settings.connects_plan_plus_monthly} Connects this month."
        )
    elif state.plan == "plus":
        message = (
            f"Your paid Plus month runs until {state.plus_until:%B %d, %Y}; "
            "you are back on Basic from then."
        )
    else:
        message = "You are on Basic."
    return redirect("/connects", request, message)
