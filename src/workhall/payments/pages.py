"""Earnings (freelancers) and billing (clients) pages (marketplace.md §6)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from workhall.accounts.models import User
from workhall.contracts.models import Contract
from workhall.core.errors import Problem, Unprocessable
from workhall.core.money import format_cents, parse_dollars
from workhall.core.settings import Settings
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, PageClient, PageFreelancer, SettingsDep
from workhall.payments import payouts, queries
from workhall.payments.api import ProviderDep

router = APIRouter()
PageDep = Annotated[int, Query(ge=1, le=100_000)]


def _contract_titles(db: DbDep, ids: Iterable[int | None]) -> dict[int, str]:
    """The titles of the contracts a page's money rows name, so they say what they were for."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(
        db.execute(select(Contract.id, Contract.title).where(Contract.id.in_(wanted))).all()
    )


def _earnings_context(db: DbDep, settings: Settings, user: User, page: int) -> dict[str, Any]:
    pending = queries.pending_payments(db, user.id)
    received = queries.payments_received(db, user.id, page, settings.ledger_page_size)
    return {
        "titles": _contract_titles(db, [p.contract_id for p in pending + received.items]),
        "balance": queries.balance_of(db, user.id),
        "pending": pending,
        "received": received,
        "methods": payouts.payout_methods(db, user.id),
        "withdrawals": payouts.withdrawals_of(db, user.id),
        "method_labels": {m.id: m.label for m in payouts.all_payout_methods(db, user.id)},
        "identity_verified": user.identity_verified_at is not None,
        "form_key": secrets.token_urlsafe(24),
        "form": {},
    }


@router.get("/earnings")
def earnings_page(
    request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep, page: PageDep = 1
) -> Response:
    return render(request, "payments/earnings.html", _earnings_context(db, settings, user, page))


def _failed(
    request: Request, db: DbDep, settings: Settings, user: User, error: str, form: dict[str, str]
) -> Response:
    """Nothing the failed request did is kept; the page says why, with what was typed."""
    db.rollback()
    ctx = _earnings_context(db, settings, user, 1)
    ctx.update(error=error, form=form)
    return render(request, "payments/earnings.html", ctx, status_code=400)


@router.post("/earnings/withdraw", dependencies=[Csrf])
def withdraw(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    provider: ProviderDep,
    amount: Annotated[str, Form(max_length=20)] = "",
    payout_method_id: Annotated[str, Form(max_length=20)] = "",
    form_key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    form = {"amount": amount, "payout_method_id": payout_method_id, "action": "withdraw"}
    try:
        try:
            cents = parse_dollars(amount)
        except ValueError as exc:
            raise Unprocessable("Enter an amount in dollars, like 125.50.", field="amount") from exc
        if not payout_method_id.isdigit():
            raise Unprocessable("Choose a payout method.", field="payout_method_id")
        # The form's one-time key makes a double submit withdraw once (§6.4).
        w = payouts.withdraw(
            db,
            settings,
            user,
            cents,
            int(payout_method_id),
            f"form:{form_key or secrets.token_urlsafe(24)}",
            provider=provider,
        )
    except Problem as exc:
        return _failed(request, db, settings, user, exc.detail, form)
    return redirect(
        "/earnings", request, f"{format_cents(w.amount_cents)} is on its way to your bank."
    )


@router.post("/earnings/payout-methods", dependencies=[Csrf])
def add_payout_method(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    provider: ProviderDep,
    holder_name: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=10)] = "iban",
    iban: Annotated[str, Form(max_length=42)] = "",
    routing_number: Annotated[str, Form(max_length=12)] = "",
    account_number: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    form = {"holder_name": holder_name, "kind": kind, "action": "method"}
    try:
        if kind == "iban":
            account = payouts.bank_account(holder_name, iban=iban)
        else:
            account = payouts.bank_account(
                holder_name, routing_number=routing_number, account_number=account_number
            )
        method = payouts.add_payout_method(db, settings, user, account, provider=provider)
    except Problem as exc:
        return _failed(request, db, settings, user, exc.detail, form)
    return redirect("/earnings", request, f"{method.label} was added.")


@router.post("/earnings/payout-methods/{method_id}/remove", dependencies=[Csrf])
def remove_payout_method(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    method_id: Annotated[int, Path(ge=1, le=2**53)],
) -> Response:
    try:
        payouts.remove_payout_method(db, user, method_id)
    except Problem as exc:
        return _failed(request, db, settings, user, exc.detail, {})
    return redirect("/earnings", request, "The payout method was removed.")


@router.get("/billing")
def billing_page(
    request: Request, user: PageClient, db: DbDep, settings: SettingsDep, page: PageDep = 1
) -> Response:
    escrow = queries.escrow_by_contract(db, user.id)
    moves = queries.client_movements(db, user.id, page, settings.ledger_page_size)
    ids = [contract_id for contract_id, _ in escrow] + [m.contract_id for m in moves.items]
    return render(
        request,
        "payments/billing.html",
        {
            "profile": user.client_profile,
            "titles": _contract_titles(db, ids),
            "balance": queries.balance_of(db, user.id),
            "escrow": escrow,
            "moves": moves,
        },
    )
