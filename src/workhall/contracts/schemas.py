"""API bodies for offers, contracts, milestones and escrow returns (marketplace.md §5).

Every field has a type, a length and a range; the service checks the limits that live in the
settings (milestone minimum, rates, weekly hours) and answers 422 with the field at fault.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from workhall.contracts.models import (
    DESCRIPTION_MAX,
    LINK_MAX,
    MESSAGE_MAX,
    REASON_MAX,
    TITLE_MAX,
)

MAX_ID = 9_223_372_036_854_775_807
# Schema-level bounds against absurd numbers; the settings hold the real limits.
AMOUNT_MAX = 10_000_000_000
HOURS_MAX = 1000
MILESTONES_MAX = 100

Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MilestoneIn(Strict):
    title: Title
    amount_cents: Annotated[StrictInt, Field(ge=1, le=AMOUNT_MAX)]
    due_date: date | None = None


class OfferIn(Strict):
    """One source: ``proposal_id``, ``invitation_id``, or ``freelancer`` (handle or id) with an
    optional ``job_id`` of the client's."""

    proposal_id: Id | None = None
    invitation_id: Id | None = None
    freelancer: Annotated[str, Field(min_length=1, max_length=40)] | Id | None = None
    job_id: Id | None = None
    title: Title
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX)] = ""
    kind: Literal["fixed", "hourly"]
    milestones: Annotated[list[MilestoneIn], Field(max_length=MILESTONES_MAX)] = []
    hourly_rate_cents: Annotated[StrictInt, Field(ge=1, le=AMOUNT_MAX)] | None = None
    weekly_limit_hours: Annotated[StrictInt, Field(ge=1, le=HOURS_MAX)] | None = None
    keep_hiring: StrictBool | None = None  # None: the job's own setting decides


class DeclineIn(Strict):
    reason: Annotated[str, Field(max_length=REASON_MAX)] = ""


class SubmitIn(Strict):
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX)]
    link: Annotated[str, Field(max_length=LINK_MAX)] = ""


class ChangesIn(Strict):
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX)]


class EndIn(Strict):
    reason: Annotated[str, Field(max_length=REASON_MAX)] = ""


class EscrowReturnIn(Strict):
    message: Annotated[str, Field(max_length=REASON_MAX)] = ""


# --- answers ----------------------------------------------------------------------------------


class Party(BaseModel):
    id: int
    handle: str
    name: str


class OfferMilestoneOut(BaseModel):
    position: int
    title: str
    amount_cents: int
    due_date: date | None


class OfferOut(BaseModel):
    id: int
    status: Literal["pending", "accepted", "declined", "withdrawn", "expired"]
    client: Party
    freelancer: Party
    job_id: int | None
    proposal_id: int | None
    invitation_id: int | None
    title: str
    description: str
    kind: Literal["fixed", "hourly"]
    milestones: list[OfferMilestoneOut]
    total_cents: int | None
    hourly_rate_cents: int | None
    weekly_limit_hours: int | None
    keep_hiring: bool | None
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    declined_at: datetime | None
    withdrawn_at: datetime | None
    expired_at: datetime | None
    decline_reason: str
    contract_id: int | None


class OfferListOut(BaseModel):
    items: list[OfferOut]


class MilestoneOut(BaseModel):
    id: int
    contract_id: int
    position: int
    title: str
    amount_cents: int
    due_date: date | None
    status: Literal[
        "pending", "funded", "submitted", "changes_requested", "approved", "refunded", "cancelled"
    ]
    created_at: datetime
    funded_at: datetime | None
    submitted_at: datetime | None
    changes_requested_at: datetime | None
    approved_at: datetime | None
    refunded_at: datetime | None
    cancelled_at: datetime | None
    auto_approved: bool
    auto_approve_at: datetime | None
    submission_count: int
    changes_requested_count: int
    submission_message: str
    submission_link: str
    changes_message: str
    escrow_return_id: int | None


class EscrowReturnOut(BaseModel):
    id: int
    contract_id: int
    status: Literal["pending", "refunded", "returned", "disputed"]
    amount_cents: int
    refunded_cents: int
    message: str
    requested_at: datetime
    respond_by: datetime
    resolved_at: datetime | None


class EscrowOut(BaseModel):
    funded_cents: int
    in_escrow_cents: int
    released_cents: int
    refunded_cents: int


class ContractSummaryOut(BaseModel):
    id: int
    kind: Literal["fixed", "hourly"]
    title: str
    status: Literal["active", "ended"]
    client: Party
    freelancer: Party
    job_id: int | None
    started_at: datetime
    ended_at: datetime | None


class ContractOut(ContractSummaryOut):
    proposal_id: int | None
    offer_id: int
    description: str
    hourly_rate_cents: int | None
    weekly_limit_hours: int | None
    ended_by_id: int | None
    end_reason: str
    milestones: list[MilestoneOut]
    escrow: EscrowOut
    escrow_return: EscrowReturnOut | None


class ContractListOut(BaseModel):
    items: list[ContractSummaryOut]
