"""API bodies and answers for jobs (interfaces.md §1). Every field has a type, a length and a
range; the service re-checks the business rules (catalogue skills, budget per type)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from workhall.jobs import rules
from workhall.jobs.models import Job
from workhall.jobs.service import ClientCard

BudgetType = Literal["fixed", "hourly"]
Duration = Literal["lt1m", "1to3m", "3to6m", "gt6m"]
Experience = Literal["entry", "intermediate", "expert"]
Visibility = Literal["public", "invite_only"]
FixedCents = Annotated[
    int, Field(strict=True, ge=rules.FIXED_BUDGET_MIN_CENTS, le=rules.FIXED_BUDGET_MAX_CENTS)
]
HourlyCents = Annotated[
    int, Field(strict=True, ge=rules.HOURLY_MIN_CENTS, le=rules.HOURLY_MAX_CENTS)
]
SkillIn = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JobIn(Strict):
    title: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=rules.TITLE_MIN, max_length=rules.TITLE_MAX
        ),
    ]
    description: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True,
            min_length=rules.DESCRIPTION_MIN,
            max_length=rules.DESCRIPTION_MAX,
        ),
    ]
    skills: Annotated[list[SkillIn], Field(min_length=1, max_length=10)]
    category: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    budget_type: BudgetType
    budget_cents: FixedCents | None = None
    hourly_min_cents: HourlyCents | None = None
    hourly_max_cents: HourlyCents | None = None
    duration: Duration
    experience_level: Experience
    visibility: Visibility = "public"
    top_rated_invitations: bool = False

    def draft(self) -> rules.JobDraft:
        return rules.JobDraft(
            title=self.title,
            description=self.description,
            category=self.category,
            skills=tuple(self.skills),
            budget_type=self.budget_type,
            duration=self.duration,
            experience_level=self.experience_level,
            budget_cents=self.budget_cents,
            hourly_min_cents=self.hourly_min_cents,
            hourly_max_cents=self.hourly_max_cents,
            visibility=self.visibility,
            top_rated_invitations=self.top_rated_invitations,
        )


class ReasonIn(Strict):
    reason: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True,
            min_length=rules.REPORT_REASON_MIN,
            max_length=rules.REPORT_REASON_MAX,
        ),
    ]


class KeepHiringIn(Strict):
    keep_hiring: bool


class SearchQuery(Strict):
    """Query parameters of ``GET /api/v1/jobs``; money in cents."""

    q: Annotated[str, Field(max_length=200)] = ""
    skills: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=20)] = []
    category: Annotated[str | None, Field(max_length=40)] = None
    budget_type: BudgetType | None = None
    budget_min_cents: Annotated[int | None, Field(ge=0, le=rules.FIXED_BUDGET_MAX_CENTS)] = None
    budget_max_cents: Annotated[int | None, Field(ge=0, le=rules.FIXED_BUDGET_MAX_CENTS)] = None
    experience_level: Experience | None = None
    payment_verified: bool = False
    posted_within: Literal["24h", "3d", "7d", "30d"] | None = None
    sort: Literal["relevance", "newest"] = "relevance"
    page: Annotated[int, Field(ge=1, le=1000)] = 1

    @model_validator(mode="before")
    @classmethod
    def _empty_means_absent(cls, data: Any) -> Any:
        """``?q=&skills=&budget_type=&page=`` (interfaces.md §1) is a search without filters."""
        if not isinstance(data, dict):
            return data
        cleaned: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, list):
                value = [v for v in value if v != ""]
            if value != "" and value != []:
                cleaned[key] = value
        return cleaned


class ClientCardOut(BaseModel):
    payment_verified: bool
    member_since: datetime
    country: str
    jobs_posted: int
    open_jobs: int
    hire_rate: int | None = Field(description="percent; null before any outcome")
    total_spent_cents: int
    hires: int
    feedback_average: float | None = Field(description="cost-weighted stars, two decimals")
    feedback_count: int

    @classmethod
    def of(cls, card: ClientCard) -> ClientCardOut:
        return cls(
            payment_verified=card.payment_verified,
            member_since=card.member_since,
            country=card.country,
            jobs_posted=card.jobs_posted,
            open_jobs=card.open_jobs,
            hire_rate=card.hire_rate,
            total_spent_cents=card.total_spent_cents,
            hires=card.hires,
            feedback_average=(
                float(card.feedback_average) if card.feedback_average is not None else None
            ),
            feedback_count=card.feedback_count,
        )


class JobOut(BaseModel):
    id: int
    client_id: int
    title: str
    description: str
    category: str
    skills: list[str]
    budget_type: str
    budget_cents: int | None
    hourly_min_cents: int | None
    hourly_max_cents: int | None
    duration: str
    experience_level: str
    visibility: str
    top_rated_invitations: bool
    status: str
    connects_cost: int
    posted_at: datetime
    closed_at: datetime | None
    first_hire_at: datetime | None
    keep_hiring: bool
    proposal_count: int
    accepts_proposals: bool
    client_card: ClientCardOut | None = None

    @classmethod
    def of(cls, job: Job, *, max_proposals: int, card: ClientCard | None = None) -> JobOut:
        return cls(
            id=job.id,
            client_id=job.client_id,
            title=job.title,
            description=job.description,
            category=job.category,
            skills=job.skill_slugs,
            budget_type=job.budget_type,
            budget_cents=job.budget_cents,
            hourly_min_cents=job.hourly_min_cents,
            hourly_max_cents=job.hourly_max_cents,
            duration=job.duration,
            experience_level=job.experience_level,
            visibility=job.visibility,
            top_rated_invitations=job.top_rated_invitations,
            status=job.status,
            connects_cost=job.connects_cost,
            posted_at=job.posted_at,
            closed_at=job.closed_at,
            first_hire_at=job.first_hire_at,
            keep_hiring=job.keep_hiring,
            proposal_count=job.proposal_count,
            accepts_proposals=job.accepts_proposals(max_proposals),
            client_card=ClientCardOut.of(card) if card else None,
        )


class JobPageOut(BaseModel):
    items: list[JobOut]
    total: int
    total_capped: bool = Field(description='true when more than "total" match ("1,000+")')
    page: int
    page_size: int


class BestMatchOut(JobOut):
    skill_overlap: int


class BestMatchPageOut(BaseModel):
    items: list[BestMatchOut]
    total: int
    page: int
    page_size: int


class ReportOut(BaseModel):
    id: int
    job_id: int
    created_at: datetime
