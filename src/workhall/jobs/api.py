"""Jobs API (interfaces.md §1): post, search, read, cancel, close, remove, report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from workhall import catalog
from workhall.core.errors import Unprocessable
from workhall.core.idempotency import run_idempotent
from workhall.core.settings import Settings
from workhall.core.web import ApiClient, ApiFreelancer, ApiUser, DbDep, OptionalApiUser, SettingsDep
from workhall.jobs import service
from workhall.jobs.models import Job
from workhall.jobs.schemas import (
    BestMatchOut,
    BestMatchPageOut,
    JobIn,
    JobOut,
    JobPageOut,
    KeepHiringIn,
    ReasonIn,
    ReportOut,
    SearchQuery,
)
from workhall.jobs.search import JobFilters, best_matches, known_skills, search_jobs

router = APIRouter(tags=["jobs"])

JobId = Annotated[int, Path(ge=1, le=2**63 - 1)]
PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not allowed"},
    404: {"description": "No such job, or hidden from you"},
    422: {"description": "Invalid input (problem document)"},
}
STATE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    409: {"description": "The job is not open, or the move needs/forbids a hire"},
}


def job_out(db: DbDep, settings: Settings, job: Job, *, with_card: bool = True) -> JobOut:
    card = service.client_card(db, job.client_id) if with_card else None
    return JobOut.of(job, max_proposals=settings.job_max_proposals, card=card)


@router.post("/jobs", status_code=201, response_model=JobOut, responses=PROBLEMS)
def post_job(body: JobIn, user: ApiClient, db: DbDep, settings: SettingsDep) -> JobOut:
    """Post a job (marketplace.md §2). Needs a confirmed email and a verified phone."""
    job = service.post_job(db, settings, user, body.draft())
    return job_out(db, settings, job)


def filters_from(query: SearchQuery) -> JobFilters:
    try:
        skills = known_skills(query.skills)
    except ValueError as exc:
        raise Unprocessable(f"skills: {exc}", field="skills") from None
    if query.category is not None and query.category not in catalog.CATEGORIES:
        raise Unprocessable(f"Unknown category {query.category[:40]!r}.", field="category")
    low, high = query.budget_min_cents, query.budget_max_cents
    if low is not None and high is not None and low > high:
        raise Unprocessable(
            "budget_min_cents must not exceed budget_max_cents.", field="budget_min_cents"
        )
    return JobFilters(
        q=query.q,
        skills=skills,
        category=query.category,
        budget_type=query.budget_type,
        budget_min_cents=low,
        budget_max_cents=high,
        experience_level=query.experience_level,
        payment_verified=query.payment_verified,
        posted_within=query.posted_within,
        sort=query.sort,
        page=query.page,
    )


@router.get("/jobs", response_model=JobPageOut, responses=PROBLEMS)
def search(
    query: Annotated[SearchQuery, Query()],
    user: OptionalApiUser,
    db: DbDep,
    settings: SettingsDep,
) -> JobPageOut:
    """Open jobs by full text and filters; relevance order with ``q``, else newest first.
    ``total`` is counted up to 1,000; ``total_capped`` says there are more."""
    found = search_jobs(db, settings, filters_from(query), viewer_id=user.id if user else None)
    return JobPageOut(
        items=[job_out(db, settings, job, with_card=False) for job in found.items],
        total=found.total,
        total_capped=found.total_capped,
        page=found.page,
        page_size=found.page_size,
    )


@router.get("/jobs/best-matches", response_model=BestMatchPageOut, responses=PROBLEMS)
def get_best_matches(
    user: ApiFreelancer,
    db: DbDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=10)] = 1,
) -> BestMatchPageOut:
    """Open jobs ranked by shared skills, then client quality, then recency."""
    found = best_matches(db, settings, user, page)
    items = [
        BestMatchOut(
            **job_out(db, settings, job, with_card=False).model_dump(),
            skill_overlap=found.overlaps.get(job.id, 0),
        )
        for job in found.items
    ]
    return BestMatchPageOut(
        items=items, total=found.total, page=found.page, page_size=found.page_size
    )


@router.get("/jobs/mine", response_model=list[JobOut], responses=PROBLEMS)
def my_jobs(user: ApiClient, db: DbDep, settings: SettingsDep) -> list[JobOut]:
    """The signed-in client's jobs, newest first."""
    return [job_out(db, settings, job, with_card=False) for job in service.client_jobs(db, user.id)]


@router.get("/jobs/{job_id}", response_model=JobOut, responses=PROBLEMS)
def get_job(job_id: JobId, user: OptionalApiUser, db: DbDep, settings: SettingsDep) -> JobOut:
    """A job with its client's screening card."""
    return job_out(db, settings, service.get_visible_job(db, job_id, user))


def _state_change(
    request: Request, db: DbDep, settings: Settings, user_id: int, payload: Any, change: Any
) -> JSONResponse:
    """Closing a job refunds Connects (marketplace.md §4.4), so it honours Idempotency-Key."""

    def action() -> tuple[int, Any]:
        job = change()
        return 200, job_out(db, settings, job).model_dump(mode="json")

    return run_idempotent(db, request, user_id, payload, action)


@router.post("/jobs/{job_id}/cancel", response_model=JobOut, responses=STATE_PROBLEMS)
def cancel_job(
    job_id: JobId, request: Request, user: ApiClient, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    """The client cancels an open job that has no hire; proposals' Connects are refunded."""
    return _state_change(
        request,
        db,
        settings,
        user.id,
        {"job": job_id},
        lambda: service.cancel_job(db, settings, user, job_id),
    )


@router.post("/jobs/{job_id}/close", response_model=JobOut, responses=STATE_PROBLEMS)
def close_job(
    job_id: JobId, request: Request, user: ApiClient, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    """The client closes an open job after at least one hire (→ filled)."""
    return _state_change(
        request,
        db,
        settings,
        user.id,
        {"job": job_id},
        lambda: service.close_job(db, settings, user, job_id),
    )


@router.post("/jobs/{job_id}/remove", response_model=JobOut, responses=STATE_PROBLEMS)
def remove_job(
    job_id: JobId, body: ReasonIn, request: Request, user: ApiUser, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    """Moderation removes an open job (trust & safety staff); the reason is audited."""
    return _state_change(
        request,
        db,
        settings,
        user.id,
        {"job": job_id, **body.model_dump()},
        lambda: service.remove_job(db, settings, user, job_id, body.reason),
    )


@router.post("/jobs/{job_id}/keep-hiring", response_model=JobOut, responses=STATE_PROBLEMS)
def keep_hiring(
    job_id: JobId, body: KeepHiringIn, user: ApiClient, db: DbDep, settings: SettingsDep
) -> JobOut:
    """Whether the job stays open after a hire (marketplace.md §2)."""
    return job_out(db, settings, service.set_keep_hiring(db, user, job_id, body.keep_hiring))


@router.post(
    "/jobs/{job_id}/reports",
    status_code=201,
    response_model=ReportOut,
    responses={**PROBLEMS, 409: {"description": "Already reported"}},
)
def report_job(job_id: JobId, body: ReasonIn, user: ApiUser, db: DbDep) -> ReportOut:
    """Report a job to moderation; one report per user per job."""
    report = service.report_job(db, user, job_id, body.reason)
    return ReportOut(id=report.id, job_id=report.job_id, created_at=report.created_at)
