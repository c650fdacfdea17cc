"""API bodies for proposals, boosts and invitations (interfaces.md §1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from workhall.proposals.models import (
    BID_MAX_CENTS,
    BID_MIN_CENTS,
    COVER_LETTER_MAX,
    INVITATION_MESSAGE_MAX,
)

# Ids as the databases store them (64-bit): larger numbers are a 422, not a database error.
MAX_ID = 9_223_372_036_854_775_807
# A schema-level bound against absurd numbers; the settings' boost_max_bid is the real cap.
BOOST_MAX = 1_000_000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProposalIn(Strict):
    cover_letter: Annotated[str, Field(min_length=1, max_length=COVER_LETTER_MAX)]
    bid_cents: Annotated[StrictInt, Field(ge=BID_MIN_CENTS, le=BID_MAX_CENTS)]
    boost_connects: Annotated[StrictInt, Field(ge=0, le=BOOST_MAX)] = 0


class BoostIn(Strict):
    connects: Annotated[StrictInt, Field(ge=1, le=BOOST_MAX)]


class InvitationIn(Strict):
    freelancer: (
        Annotated[str, Field(min_length=1, max_length=40)]
        | Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
    )
    message: Annotated[str, Field(max_length=INVITATION_MESSAGE_MAX)] = ""


class Timestamps(BaseModel):
    submitted_at: datetime
    viewed_at: datetime | None
    shortlisted_at: datetime | None
    interviewing_at: datetime | None
    hired_at: datetime | None
    declined_at: datetime | None
    withdrawn_at: datetime | None
    archived_at: datetime | None


class BoostOut(BaseModel):
    connects: int
    state: Literal["none", "held", "spent", "returned"]
    placed_at: datetime | None
    holds_slot: bool


class ProposalOut(BaseModel):
    """A proposal as its freelancer sees it."""

    id: int
    job_id: int
    job_title: str
    status: str
    cover_letter: str
    bid_cents: int
    connects_price: int
    price_refunded: bool
    invitation_id: int | None
    boost: BoostOut
    auction_open: bool
    timestamps: Timestamps


class SubmittedOut(ProposalOut):
    connects_spent: int
    balance: int


class FreelancerSummary(BaseModel):
    id: int
    handle: str
    name: str
    title: str
    hourly_rate_cents: int | None
    country: str
    identity_verified: bool
    phone_verified: bool
    skills: list[str]


class ClientProposalOut(BaseModel):
    """A proposal as the job's client sees it (the boost amount stays private)."""

    id: int
    job_id: int
    status: str
    cover_letter: str
    bid_cents: int
    boosted: bool
    match_percent: int
    answers_invitation: bool
    freelancer: FreelancerSummary
    timestamps: Timestamps


class ClientListOut(BaseModel):
    job_id: int
    tab: str
    counts: dict[str, int]
    items: list[ClientProposalOut]


class ProposalListOut(BaseModel):
    items: list[ProposalOut]


class InvitationOut(BaseModel):
    id: int
    job_id: int
    job_title: str
    client_id: int
    freelancer_id: int
    message: str
    status: str
    created_at: datetime
    responded_at: datetime | None
    proposal_id: int | None = None


class InvitationListOut(BaseModel):
    items: list[InvitationOut]
