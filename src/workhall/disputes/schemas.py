"""API bodies of disputes (marketplace.md §5). Every field has a type, a length and a range."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from workhall.disputes.models import ANSWER_MAX, MESSAGE_MAX, NOTES_MAX, REASON_MAX

MAX_ID = 9_223_372_036_854_775_807
AMOUNT_MAX = 10_000_000_000  # a schema-level bound; the escrow at stake is the real one

Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Cents = Annotated[StrictInt, Field(ge=0, le=AMOUNT_MAX)]
Outcome = Literal["freelancer_won", "client_won", "split"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DisputeIn(Strict):
    """Exactly one subject: ``milestone_id``, ``escrow_return_id`` or ``invoice_id``."""

    milestone_id: Id | None = None
    escrow_return_id: Id | None = None
    invoice_id: Id | None = None
    reason: Annotated[str, Field(min_length=1, max_length=REASON_MAX)]

    @model_validator(mode="after")
    def _one_subject(self) -> DisputeIn:
        named = [self.milestone_id, self.escrow_return_id, self.invoice_id]
        if sum(x is not None for x in named) != 1:
            raise ValueError(
                "name exactly one subject: milestone_id, escrow_return_id or invoice_id"
            )
        return self


class AnswerIn(Strict):
    answer: Annotated[str, Field(min_length=1, max_length=ANSWER_MAX)]


class MessageIn(Strict):
    body: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX)]


class DecideIn(Strict):
    """``split`` names both amounts (each > 0, summing to the escrow at stake); the other
    outcomes may omit them."""

    outcome: Outcome
    freelancer_cents: Cents | None = None
    client_cents: Cents | None = None
    notes: Annotated[str, Field(max_length=NOTES_MAX)] = ""


class MessageOut(BaseModel):
    id: int
    author_id: int
    author_role: Literal["client", "freelancer", "agent"]
    body: str
    at: datetime


class DisputeOut(BaseModel):
    id: int
    contract_id: int
    client_id: int
    freelancer_id: int
    subject_kind: Literal["milestone", "escrow_return", "invoice"]
    milestone_id: int | None
    escrow_return_id: int | None
    invoice_id: int | None
    at_stake_cents: int
    reason: str
    filed_at: datetime
    answer_due: datetime
    answer: str
    answered_at: datetime | None
    status: Literal["awaiting_client", "in_mediation", "decided"]
    outcome: Outcome | None
    freelancer_cents: int | None
    client_cents: int | None
    decided_by_id: int | None
    decided_at: datetime | None
    notes: str
    messages: list[MessageOut] = []


class DisputeList(BaseModel):
    items: list[DisputeOut]
