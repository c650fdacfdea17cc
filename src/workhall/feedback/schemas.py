"""API bodies for feedback (marketplace.md §7).

Overall scores are decimals with two places, sent as strings ("4.83") so they stay exact.
Private answers appear only in ``PrivateOut``, filled for their author and for trust and
safety staff, never for the other party or the public.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

MAX_ID = 9_223_372_036_854_775_807
# Schema bounds well above the settings' limits (5,000 / 2,000 after trimming), so long text is
# refused by the service with a clear message; absurd sizes stop here.
TEXT_SCHEMA_MAX = 20_000

Score = Annotated[StrictInt, Field(ge=1, le=5)]
Criterion = Annotated[str, Field(min_length=1, max_length=40)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PrivateIn(Strict):
    """The private part. The client answers ``recommend`` (0–10) and ``ending_reason``; the
    freelancer answers ``work_again`` (0–10) and may set ``unprofessional`` with a reason."""

    recommend: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    ending_reason: Annotated[str, Field(max_length=30)] | None = None
    work_again: Annotated[StrictInt, Field(ge=0, le=10)] | None = None
    unprofessional: StrictBool = False
    unprofessional_reason: Annotated[str, Field(max_length=TEXT_SCHEMA_MAX)] = ""


class FeedbackIn(Strict):
    scores: Annotated[dict[Criterion, Score], Field(min_length=1, max_length=6)] = Field(
        description="the author's six criteria, each 1–5: the client scores skills, quality, "
        "availability, deadlines, communication, cooperation; the freelancer scores clarity, "
        "communication, cooperation, availability, deadlines, payment_promptness"
    )
    comment: Annotated[str, Field(max_length=TEXT_SCHEMA_MAX)] = ""
    private: PrivateIn


class ReplyIn(Strict):
    reply: Annotated[str, Field(min_length=1, max_length=TEXT_SCHEMA_MAX)]


class PrivateOut(BaseModel):
    question: str
    answer: int = Field(ge=0, le=10)
    ending_reason: str | None
    unprofessional: bool
    unprofessional_reason: str


class FeedbackOut(BaseModel):
    id: int
    contract_id: int
    author_role: Literal["client", "freelancer"]
    scores: dict[str, int]
    overall: Decimal = Field(description="mean of the six scores, two decimals, half up")
    comment: str
    submitted_at: datetime
    updated_at: datetime
    revealed: bool
    reveal_at: datetime
    reply: str | None
    replied_at: datetime | None
    private: PrivateOut | None = Field(description="only for its author (and staff)")


class ContractFeedbackOut(BaseModel):
    contract_id: int
    viewer: Literal["client", "freelancer", "staff"]
    window_ends_at: datetime | None = Field(description="null while the contract is active")
    reveal_at: datetime | None
    revealed: bool
    public: bool = Field(description="shown on profiles: more than $0 was paid")
    submitted: list[Literal["client", "freelancer"]]
    can_write: bool
    cannot_write_reason: str | None
    can_reply: bool
    client_side: FeedbackOut | None = Field(
        description="the client's feedback on the freelancer, as far as the caller may see it"
    )
    freelancer_side: FeedbackOut | None = Field(
        description="the freelancer's feedback on the client, as far as the caller may see it"
    )


class PublicReviewOut(BaseModel):
    id: int
    contract_title: str
    from_role: Literal["client", "freelancer"]
    scores: dict[str, int]
    overall: Decimal
    comment: str
    reply: str | None
    replied_at: datetime | None
    revealed_at: datetime
    contract_started_at: datetime
    contract_ended_at: datetime | None


class PublicReviewsOut(BaseModel):
    items: list[PublicReviewOut]
    total: int
    average: Decimal | None
    page: int
    pages: int
