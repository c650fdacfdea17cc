"""Timesheet and hourly-invoice API (marketplace.md §5 "Hourly"). Only the contract's parties
see its time and invoices (anyone else: 404); the freelancer logs time, the client disputes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Response

from workhall.core.clock import utcnow
from workhall.core.errors import documented_problems
from workhall.core.web import ApiUser, DbDep, SettingsDep
from workhall.timesheets import invoicing, rules, service
from workhall.timesheets.models import HourlyInvoice, TimeEntry
from workhall.timesheets.schemas import (
    DisputeIn,
    InvoiceListOut,
    InvoiceOut,
    TimeEntryIn,
    TimeEntryListOut,
    TimeEntryOut,
    TimeEntryPatch,
    WeekOut,
)

router = APIRouter(tags=["timesheets"])

Id = Annotated[int, Path(ge=1, le=9_223_372_036_854_775_807)]


_problems = documented_problems(
    {
        403: "Not allowed (the other party)",
        409: "Conflict with the current state (week invoiced, deadline passed)",
    }
)


def entry_out(e: TimeEntry) -> TimeEntryOut:
    return TimeEntryOut(
        id=e.id,
        contract_id=e.contract_id,
        work_date=e.work_date,
        week_start=e.week_start,
        minutes=e.minutes,
        memo=e.memo,
        invoice_id=e.invoice_id,
        editable=e.invoice_id is None and rules.week_open(e.week_start, utcnow()),
        created_at=e.created_at,
        updated_at=e.updated_at,
    )


def invoice_out(i: HourlyInvoice) -> InvoiceOut:
    return InvoiceOut(
        id=i.id,
        contract_id=i.contract_id,
        week_start=i.week_start,
        week_end=i.week_start + timedelta(days=6),
        minutes=i.minutes,
        rate_cents=i.rate_cents,
        amount_cents=i.amount_cents,
        status=i.status,  # type: ignore[arg-type]
        issued_at=i.issued_at,
        dispute_by=i.dispute_by,
        can_dispute=rules.can_dispute(i.status, utcnow(), i.dispute_by),
        available_at=i.available_at,
        funded_at=i.funded_at,
        disputed_at=i.disputed_at,
        dispute_reason=i.dispute_reason,
        paid_at=i.paid_at,
    )


@router.get(
    "/contracts/{contract_id}/time-entries",
    response_model=TimeEntryListOut,
    responses=_problems(401, 404),
)
def list_time_entries(contract_id: Id, user: ApiUser, db: DbDep) -> TimeEntryListOut:
    contract = service.hourly_contract_for(db, user, contract_id)
    monday = rules.week_start(utcnow().date())
    return TimeEntryListOut(
        this_week=WeekOut(
            week_start=monday,
            minutes=service.week_minutes(db, contract.id, monday),
            weekly_limit_minutes=(contract.weekly_limit_hours or 0) * 60,
        ),
        items=[entry_out(e) for e in service.entries_of(db, contract.id)],
    )


@router.post(
    "/contracts/{contract_id}/time-entries",
    status_code=201,
    response_model=TimeEntryOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def log_time(
    contract_id: Id, body: TimeEntryIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> TimeEntryOut:
    entry = service.log_time(
        db,
        settings,
        user,
        contract_id,
        work_date=body.work_date,
        minutes=body.minutes,
        memo=body.memo,
    )
    return entry_out(entry)


@router.patch(
    "/time-entries/{entry_id}",
    response_model=TimeEntryOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def update_time_entry(
    entry_id: Id, body: TimeEntryPatch, user: ApiUser, db: DbDep, settings: SettingsDep
) -> TimeEntryOut:
    entry = service.update_entry(
        db,
        settings,
        user,
        entry_id,
        work_date=body.work_date,
        minutes=body.minutes,
        memo=body.memo,
    )
    return entry_out(entry)


@router.delete("/time-entries/{entry_id}", status_code=204, responses=_problems(401, 403, 404, 409))
def delete_time_entry(entry_id: Id, user: ApiUser, db: DbDep) -> Response:
    service.delete_entry(db, user, entry_id)
    return Response(status_code=204)


@router.get(
    "/contracts/{contract_id}/invoices",
    response_model=InvoiceListOut,
    responses=_problems(401, 404),
)
def list_invoices(contract_id: Id, user: ApiUser, db: DbDep) -> InvoiceListOut:
    contract = service.hourly_contract_for(db, user, contract_id)
    return InvoiceListOut(items=[invoice_out(i) for i in service.invoices_of(db, contract.id)])


@router.post(
    "/invoices/{invoice_id}/dispute",
    response_model=InvoiceOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def dispute_invoice(
    invoice_id: Id, body: DisputeIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> InvoiceOut:
    return invoice_out(invoicing.dispute_invoice(db, settings, user, invoice_id, body.reason))
