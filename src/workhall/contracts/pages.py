"""Contract pages: the contracts list (active / ended) and a contract's page with its
milestones, the actions the viewer may take, the escrow summary, ending, escrow returns and the
timeline (marketplace.md §5, quality.md §3). The offer pages are in ``offer_pages``.

Money-moving forms need no one-time key: each moves a milestone out of the one state that
allows it, under the milestone's lock, so a form sent twice moves the money once and the second
send reads "already funded / approved".
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from workhall.contracts import offer_pages, queries, returns, service
from workhall.contracts.models import LINK_MAX, MESSAGE_MAX, REASON_MAX, TITLE_MAX
from workhall.contracts.offer_pages import FIELD_MAX, page_id
from workhall.core.errors import Forbidden, Problem, Unprocessable
from workhall.core.money import format_cents, parse_dollars
from workhall.core.templating import form_action, redirect, render
from workhall.core.web import Csrf, DbDep, PageClient, PageFreelancer, PageUser, SettingsDep

router = APIRouter()
router.include_router(offer_pages.router)


@router.get("/contracts")
def contracts_list(
    request: Request,
    user: PageUser,
    db: DbDep,
    tab: Annotated[str, Query(max_length=20)] = "active",
) -> Response:
    if user.is_staff:
        raise Forbidden("Contracts belong to clients and freelancers.")
    if tab not in queries.CONTRACT_TABS:
        tab = "active"
    return render(
        request,
        "contracts/list.html",
        {
            "rows": queries.my_contracts(db, user, tab),
            "tab": tab,
            "counts": queries.tab_counts(db, user),
        },
    )


@router.get("/contracts/{contract_id}")
def contract_page(
    contract_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    view = queries.contract_view(db, settings, user, page_id(contract_id))
    return render(
        request,
        "contracts/detail.html",
        {
            "v": view,
            "c": view.contract,
            "title_max": TITLE_MAX,
            "message_max": MESSAGE_MAX,
            "reason_max": REASON_MAX,
            "link_max": LINK_MAX,
            "fee_percent": f"{settings.client_fee_basis_points / 100:g}",
        },
    )


def _back(contract_id: int) -> str:
    return f"/contracts/{contract_id}"


def _milestone_contract(db: DbDep, user: PageUser, milestone_id: int) -> int:
    contract, _ = service.milestone_for(db, user, page_id(milestone_id))
    return contract.id


@router.post("/contracts/{contract_id}/milestones", dependencies=[Csrf])
def add_milestone(
    contract_id: int,
    request: Request,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    title: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    amount: Annotated[str, Form(max_length=30)] = "",
    due: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    back = _back(page_id(contract_id))
    try:
        try:
            cents = parse_dollars(amount)
        except ValueError:
            raise Unprocessable("Enter the amount in dollars, like 250 or 42.50.") from None
        try:
            due_date = date.fromisoformat(due.strip()) if due.strip() else None
        except ValueError:
            raise Unprocessable("The due date is not a date.") from None
        m = service.add_milestone(db, settings, user, contract_id, title, cents, due_date)
    except Problem as exc:
        db.rollback()
        return redirect(back, request, exc.detail, "error")
    return redirect(back, request, f"Milestone {m.position} added. Fund it when work may start.")


@router.post("/milestones/{milestone_id}/fund", dependencies=[Csrf])
def fund(
    milestone_id: int, request: Request, user: PageClient, db: DbDep, settings: SettingsDep
) -> Response:
    back = _back(_milestone_contract(db, user, milestone_id))
    return form_action(
        request,
        db,
        back,
        lambda: service.fund_milestone(db, settings, user, milestone_id),
        lambda m: f"Milestone funded: {format_cents(m.amount_cents)} in escrow.",
    )


@router.post("/milestones/{milestone_id}/submit", dependencies=[Csrf])
def submit(
    milestone_id: int,
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    message: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    link: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    back = _back(_milestone_contract(db, user, milestone_id))
    return form_action(
        request,
        db,
        back,
        lambda: service.submit_work(db, settings, user, milestone_id, message, link),
        "Work submitted. The client has been notified.",
    )


@router.post("/milestones/{milestone_id}/approve", dependencies=[Csrf])
def approve(
    milestone_id: int, request: Request, user: PageClient, db: DbDep, settings: SettingsDep
) -> Response:
    back = _back(_milestone_contract(db, user, milestone_id))
    return form_action(
        request,
        db,
        back,
        lambda: service.approve_milestone(db, settings, user, milestone_id),
        lambda m: f"Approved: {format_cents(m.amount_cents)} released.",
    )


@router.post("/milestones/{milestone_id}/request-changes", dependencies=[Csrf])
def request_changes(
    milestone_id: int,
    request: Request,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    message: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    back = _back(_milestone_contract(db, user, milestone_id))
    return form_action(
        request,
        db,
        back,
        lambda: service.request_changes(db, settings, user, milestone_id, message),
        "Changes requested. The freelancer has been notified.",
    )


@router.post("/contracts/{contract_id}/end", dependencies=[Csrf])
def end(
    contract_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    back = _back(page_id(contract_id))
    return form_action(
        request,
        db,
        back,
        lambda: service.end_contract(db, settings, user, contract_id, reason),
        "The contract has ended.",
    )


@router.post("/contracts/{contract_id}/escrow-return", dependencies=[Csrf])
def ask_escrow_back(
    contract_id: int,
    request: Request,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    message: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    back = _back(page_id(contract_id))
    try:
        r = returns.request_escrow_return(db, settings, user, contract_id, message)
    except Problem as exc:
        db.rollback()
        return redirect(back, request, exc.detail, "error")
    return redirect(
        back,
        request,
        f"You asked for {format_cents(r.amount_cents)} back. The freelancer has "
        f"{settings.escrow_return_days} days to answer.",
    )


@router.post("/escrow-returns/{request_id}/refund", dependencies=[Csrf])
def refund(
    request_id: int, request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep
) -> Response:
    found = queries.escrow_return_for(db, user, page_id(request_id))
    back = _back(found.contract_id)
    return form_action(
        request,
        db,
        back,
        lambda: returns.refund_escrow_return(db, settings, user, request_id),
        lambda r: f"{format_cents(r.refunded_cents)} refunded to the client.",
    )
