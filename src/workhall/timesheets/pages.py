"""Timesheet and invoice pages of hourly contracts (marketplace.md §5 "Hourly", quality.md §3).

``/contracts/{id}/timesheet``: this week's entries (the freelancer adds, edits and deletes them),
the hours used of the weekly limit, and earlier weeks with their invoice status.
``/contracts/{id}/invoices``: the invoices; the client may dispute one until its deadline.
A form with a mistake re-renders the page with the message (status 400) and stores nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts.models import Contract
from workhall.core.clock import utcnow
from workhall.core.errors import Problem, Unprocessable
from workhall.core.settings import Settings
from workhall.core.templating import form_action, redirect, render
from workhall.core.web import Csrf, DbDep, PageUser, SettingsDep, path_id
from workhall.timesheets import invoicing, rules, service
from workhall.timesheets.models import DISPUTE_REASON_MAX, MEMO_MAX

router = APIRouter()

FIELD_MAX = 5000  # form text is read generously and checked by the service


def parse_hours(text: str, step: int) -> int:
    """``1.5``, ``1,5`` or ``1:30`` hours → 90 minutes; whole ``step``-minute blocks only."""
    raw = text.strip().replace(",", ".")
    try:
        if ":" in raw:
            h, _, m = raw.partition(":")
            if not (h.isdigit() and m.isdigit() and len(m) == 2 and int(m) < 60):
                raise ValueError
            minutes = int(h) * 60 + int(m)
        else:
            value = Decimal(raw)
            if not value.is_finite() or value > 24:
                raise ValueError
            exact = value * 60
            if exact != exact.to_integral_value():
                raise ValueError
            minutes = int(exact)
    except (ValueError, InvalidOperation):
        raise Unprocessable("Enter the hours like 1.5 or 1:30.", field="hours") from None
    problem = rules.minutes_problem(minutes, step)
    if problem:
        raise Unprocessable(problem, field="hours")
    return minutes


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Unprocessable("Pick the day you worked.", field="work_date") from None


def _role(user: User, contract: Contract) -> str:
    """The viewer's side; staff who may read the contract only look."""
    if user.id == contract.freelancer_id:
        return "freelancer"
    return "client" if user.id == contract.client_id else "staff"


def _timesheet_context(
    db: Session, settings: Settings, user: User, contract: Contract
) -> dict[str, Any]:
    now = utcnow()
    monday = rules.week_start(now.date())
    limit = (contract.weekly_limit_hours or 0) * 60
    used = service.week_minutes(db, contract.id, monday)
    ended = contract.ended_at.date() if contract.ended_at else None
    can_log = (
        user.id == contract.freelancer_id
        and contract.started_at.date() <= now.date()
        and (ended is None or ended >= monday)
    )
    return {
        "c": contract,
        "role": _role(user, contract),
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "entries": service.entries_of(db, contract.id, monday),
        "used": used,
        "limit": limit,
        "percent": min(100, round(100 * used / limit)) if limit else 0,
        "weeks": [w for w in service.weeks_of(db, contract.id) if w.week_start < monday],
        "can_log": can_log,
        "min_date": max(monday, contract.started_at.date()).isoformat(),
        "max_date": min(now.date(), ended or now.date()).isoformat(),
        "today": min(now.date(), ended or now.date()).isoformat(),
        "fmt": rules.format_minutes,
        "memo_max": MEMO_MAX,
        "step": settings.hourly_minutes_step,
    }


def _timesheet(
    request: Request,
    db: Session,
    settings: Settings,
    user: User,
    contract_id: int,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    contract = service.hourly_contract_for(db, user, path_id(contract_id))
    context = _timesheet_context(db, settings, user, contract)
    context.update(error=error, form=form or {})
    return render(request, "timesheets/timesheet.html", context, 400 if error else 200)


@router.get("/contracts/{contract_id}/timesheet")
def timesheet(
    contract_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    return _timesheet(request, db, settings, user, contract_id)


@router.post("/contracts/{contract_id}/timesheet", dependencies=[Csrf])
def add_entry(
    contract_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    work_date: Annotated[str, Form(max_length=40)] = "",
    hours: Annotated[str, Form(max_length=40)] = "",
    memo: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    contract_id = path_id(contract_id)
    try:
        minutes = parse_hours(hours, settings.hourly_minutes_step)
        entry = service.log_time(
            db, settings, user, contract_id, work_date=_date(work_date), minutes=minutes, memo=memo
        )
    except Problem as exc:
        db.rollback()
        if exc.status == 404:
            raise
        form = {"work_date": work_date, "hours": hours, "memo": memo}
        return _timesheet(request, db, settings, user, contract_id, error=exc.detail, form=form)
    return redirect(
        f"/contracts/{contract_id}/timesheet",
        request,
        f"Logged {rules.format_minutes(entry.minutes)} h on {entry.work_date:%a %b %d}.",
    )


@router.post("/time-entries/{entry_id}/edit", dependencies=[Csrf])
def edit_entry(
    entry_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    work_date: Annotated[str, Form(max_length=40)] = "",
    hours: Annotated[str, Form(max_length=40)] = "",
    memo: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    contract_id = service.entry_for(db, user, path_id(entry_id)).contract_id
    try:
        service.update_entry(
            db,
            settings,
            user,
            entry_id,
            work_date=_date(work_date),
            minutes=parse_hours(hours, settings.hourly_minutes_step),
            memo=memo,
        )
    except Problem as exc:
        db.rollback()
        return _timesheet(request, db, settings, user, contract_id, error=exc.detail)
    return redirect(f"/contracts/{contract_id}/timesheet", request, "Time entry updated.")


@router.post("/time-entries/{entry_id}/delete", dependencies=[Csrf])
def remove_entry(entry_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    contract_id = service.entry_for(db, user, path_id(entry_id)).contract_id
    return form_action(
        request,
        db,
        f"/contracts/{contract_id}/timesheet",
        lambda: service.delete_entry(db, user, entry_id),
        "Time entry deleted.",
    )


@router.get("/contracts/{contract_id}/invoices")
def invoices_page(
    contract_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
) -> Response:
    contract = service.hourly_contract_for(db, user, path_id(contract_id))
    now = utcnow()
    return render(
        request,
        "timesheets/invoices.html",
        {
            "c": contract,
            "role": _role(user, contract),
            "invoices": service.invoices_of(db, contract.id),
            "can_dispute": lambda i: rules.can_dispute(i.status, now, i.dispute_by),
            "fmt": rules.format_minutes,
            "reason_max": DISPUTE_REASON_MAX,
            "timedelta": timedelta,
        },
    )


@router.post("/invoices/{invoice_id}/dispute", dependencies=[Csrf])
def dispute(
    invoice_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    contract_id = invoicing.invoice_for(db, user, path_id(invoice_id)).contract_id
    back = f"/contracts/{contract_id}/invoices"
    return form_action(
        request,
        db,
        back,
        lambda: invoicing.dispute_invoice(db, settings, user, invoice_id, reason),
        "Invoice disputed. It will not be paid while disputed.",
    )
