"""API bodies of timesheets and hourly invoices (marketplace.md §5 "Hourly").

Time is whole minutes in 15-minute steps (``minutes``: 15–1440); the service checks the step,
the dates and the weekly limit and answers 422 naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from workhall.timesheets.models import DISPUTE_REASON_MAX, MEMO_MAX

Minutes = Annotated[StrictInt, Field(ge=1, le=1440, description="Whole minutes, 15-minute steps")]
Memo = Annotated[str, Field(min_length=1, max_length=MEMO_MAX)]
WorkDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2999, 12, 31))]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TimeEntryIn(Strict):
    work_date: WorkDate
    minutes: Minutes
    memo: Memo


class TimeEntryPatch(Strict):
    work_date: WorkDate | None = None
    minutes: Minutes | None = None
    memo: Memo | None = None


class TimeEntryOut(BaseModel):
    id: int
    contract_id: int
    work_date: date
    week_start: date
    minutes: int
    memo: str
    invoice_id: int | None
    editable: bool
    created_at: datetime
    updated_at: datetime | None


class WeekOut(BaseModel):
    week_start: date
    minutes: int
    weekly_limit_minutes: int


class TimeEntryListOut(BaseModel):
    this_week: WeekOut
    items: list[TimeEntryOut]


class InvoiceOut(BaseModel):
    id: int
    contract_id: int
    week_start: date
    week_end: date
    minutes: int
    rate_cents: int
    amount_cents: int
    status: Literal["payment_failed", "funded", "disputed", "paid"]
    issued_at: datetime
    dispute_by: datetime
    can_dispute: bool
    available_at: datetime
    funded_at: datetime | None
    disputed_at: datetime | None
    dispute_reason: str
    paid_at: datetime | None


class InvoiceListOut(BaseModel):
    items: list[InvoiceOut]


class DisputeIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=DISPUTE_REASON_MAX)]
