"""Job pages: search (htmx partial updates), the job page with the client's screening card,
post a job, the client's jobs and best matches (marketplace.md §2, quality.md §3)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from workhall import catalog
from workhall.accounts.models import User
from workhall.accounts.page_helpers import transaction_gate
from workhall.core.errors import Problem
from workhall.core.money import parse_dollars
from workhall.core.settings import Settings
from workhall.core.templating import redirect, render
from workhall.core.web import (
    Csrf,
    DbDep,
    OptionalPageUser,
    PageClient,
    PageFreelancer,
    PageUser,
    SettingsDep,
)
from workhall.jobs import rules, service
from workhall.jobs.models import Job
from workhall.jobs.search import JobFilters, best_matches, known_skills, search_jobs

router = APIRouter()

JobId = Annotated[int, Path(ge=1, le=2**63 - 1)]
LABELS = {
    "durations": rules.DURATIONS,
    "experience_levels": rules.EXPERIENCE_LEVELS,
    "visibilities": rules.VISIBILITIES,
    "status_labels": rules.STATUS_LABELS,
}


def _ctx(**values: Any) -> dict[str, Any]:
    return {**LABELS, **values}


# --- search -----------------------------------------------------------------------------------


def parse_search(params: QueryParams) -> tuple[JobFilters, dict[str, Any], list[str]]:
    """Read the search form leniently: a bad value is dropped with a note, never a 500."""
    notes: list[str] = []

    def choice(name: str, allowed: Any) -> str | None:
        value = params.get(name, "")[:40]
        if value and value not in allowed:
            notes.append(f"Ignored an unknown {name.replace('_', ' ')}.")
            return None
        return value or None

    def dollars(name: str) -> int | None:
        raw = params.get(name, "").strip()[:20]
        if not raw:
            return None
        try:
            cents = parse_dollars(raw)
        except ValueError:
            notes.append(f"Ignored the budget {raw!r}: enter an amount like 250 or 1,500.")
            return None
        if not 0 <= cents <= rules.FIXED_BUDGET_MAX_CENTS:
            notes.append("Ignored a budget outside $0–$1,000,000.")
            return None
        return cents

    skills: tuple[str, ...] = ()
    try:
        skills = known_skills([s[:200] for s in params.getlist("skills")[:20]])
    except ValueError:
        notes.append("Ignored skills that are not in the catalogue.")
    low, high = dollars("budget_min"), dollars("budget_max")
    if low is not None and high is not None and low > high:
        low, high = high, low
    page_raw = params.get("page", "1")
    page = int(page_raw) if page_raw.isdigit() and 0 < len(page_raw) <= 4 else 1
    filters = JobFilters(
        q=params.get("q", "")[:200],
        skills=skills,
        category=choice("category", catalog.CATEGORIES),
        budget_type=choice("budget_type", rules.BUDGET_TYPES),
        budget_min_cents=low,
        budget_max_cents=high,
        experience_level=choice("experience_level", rules.EXPERIENCE_LEVELS),
        payment_verified=params.get("payment_verified") in ("1", "true", "on"),
        posted_within=choice("posted_within", rules.POSTED_WITHIN),
        sort=choice("sort", ("relevance", "newest")) or "relevance",
        page=max(page, 1),
    )
    form = {
        "q": filters.q,
        "skills": list(filters.skills),
        "category": filters.category or "",
        "budget_type": filters.budget_type or "",
        "budget_min": params.get("budget_min", "")[:20],
        "budget_max": params.get("budget_max", "")[:20],
        "experience_level": filters.experience_level or "",
        "payment_verified": filters.payment_verified,
        "posted_within": filters.posted_within or "",
        "sort": filters.sort,
    }
    return filters, form, notes


def _page_url(form: dict[str, Any], page: int) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in form.items():
        if key == "skills":
            pairs += [("skills", s) for s in value]
        elif value is True:
            pairs.append((key, "1"))
        elif key == "sort":
            if value != "relevance":
                pairs.append((key, str(value)))
        elif value:
            pairs.append((key, str(value)))
    pairs.append(("page", str(page)))
    return "/jobs?" + urlencode(pairs)


@router.get("/jobs")
def search_page(
    request: Request, db: DbDep, settings: SettingsDep, user: OptionalPageUser
) -> Response:
    filters, form, notes = parse_search(request.query_params)
    try:
        found = search_jobs(db, settings, filters, viewer_id=user.id if user else None)
    except Problem as exc:
        notes.append(exc.detail)
        found = search_jobs(
            db, settings, replace(filters, page=1), viewer_id=user.id if user else None
        )
    context = _ctx(
        found=found,
        form=form,
        notes=notes,
        cards=service.client_cards(db, {job.client_id for job in found.items}),
        page_url=lambda n: _page_url(form, n),
        categories=catalog.CATEGORY_NAMES,
        skill_groups=_skill_groups(),
        posted_within=rules.POSTED_WITHIN,
    )
    partial = request.headers.get("hx-request") == "true" and not request.headers.get(
        "hx-history-restore-request"
    )
    response = render(request, "jobs/_results.html" if partial else "jobs/search.html", context)
    response.headers["Vary"] = "HX-Request"
    return response


def _skill_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        (name, [(catalog.slugify(skill), skill) for skill in skills])
        for _, (name, skills) in catalog.CATEGORIES.items()
    ]


# --- post a job -------------------------------------------------------------------------------


def _new_form(
    request: Request,
    settings: Settings,
    user: User,
    form: dict[str, Any],
    errors: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "jobs/new.html",
        _ctx(
            form=form,
            errors=errors or [],
            error_fields={e["field"] for e in errors or []},
            gate=transaction_gate(settings, user, "post a job", "/jobs/new"),
            categories=catalog.CATEGORY_NAMES,
            skill_groups=_skill_groups(),
        ),
        status_code=status_code,
    )


@router.get("/jobs/new")
def new_job_form(request: Request, user: PageClient, settings: SettingsDep) -> Response:
    return _new_form(
        request,
        settings,
        user,
        {
            "budget_type": "fixed",
            "visibility": "public",
            "experience_level": "intermediate",
            "skills": [],
        },
    )


@router.post("/jobs/new", dependencies=[Csrf])
def post_job(
    request: Request,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    title: Annotated[str, Form(max_length=500)] = "",
    description: Annotated[str, Form(max_length=20_000)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    skills: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
    budget_type: Annotated[str, Form(max_length=10)] = "",
    budget: Annotated[str, Form(max_length=30)] = "",
    hourly_min: Annotated[str, Form(max_length=30)] = "",
    hourly_max: Annotated[str, Form(max_length=30)] = "",
    duration: Annotated[str, Form(max_length=10)] = "",
    experience_level: Annotated[str, Form(max_length=20)] = "",
    visibility: Annotated[str, Form(max_length=20)] = "public",
    top_rated_invitations: Annotated[bool, Form()] = False,
) -> Response:
    form: dict[str, Any] = {
        "title": title,
        "description": description,
        "category": category,
        "skills": [s[:60] for s in skills[:30]],
        "budget_type": budget_type,
        "budget": budget,
        "hourly_min": hourly_min,
        "hourly_max": hourly_max,
        "duration": duration,
        "experience_level": experience_level,
        "visibility": visibility,
        "top_rated_invitations": top_rated_invitations,
    }
    errors: list[dict[str, str]] = []
    amounts: dict[str, int | None] = {}
    wanted = ("budget",) if budget_type == "fixed" else ("hourly_min", "hourly_max")
    for name in wanted:
        raw = form[name].strip()
        try:
            amounts[name] = parse_dollars(raw) if raw else None
        except ValueError:
            errors.append({"field": name, "message": f"Enter an amount in dollars, not {raw!r}."})
    if not errors:
        draft = rules.JobDraft(
            title=title,
            description=description,
            category=category,
            skills=tuple(form["skills"]),
            budget_type=budget_type,
            duration=duration,
            experience_level=experience_level,
            budget_cents=amounts.get("budget"),
            hourly_min_cents=amounts.get("hourly_min"),
            hourly_max_cents=amounts.get("hourly_max"),
            visibility=visibility,
            top_rated_invitations=top_rated_invitations,
        )
        try:
            job = service.post_job(db, settings, user, draft)
        except Problem as exc:
            db.rollback()
            field_names = {
                "budget_cents": "budget",
                "hourly_min_cents": "hourly_min",
                "hourly_max_cents": "hourly_max",
            }
            errors = [
                {"field": field_names.get(e["field"], e["field"]), "message": e["message"]}
                for e in exc.extra.get("errors", [])
            ] or [{"field": str(exc.extra.get("field", "")), "message": exc.detail}]
        else:
            return redirect(
                f"/jobs/{job.id}",
                request,
                f"Your job is posted. A proposal costs {job.connects_cost} Connects.",
            )
    return _new_form(request, settings, user, form, errors, status_code=400)


# --- lists ------------------------------------------------------------------------------------


@router.get("/client/jobs")
def client_jobs_page(
    request: Request, user: PageClient, db: DbDep, settings: SettingsDep
) -> Response:
    return render(request, "jobs/client_jobs.html", _ctx(jobs=service.client_jobs(db, user.id)))


@router.get("/jobs/best-matches")
def best_matches_page(
    request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep
) -> Response:
    raw = request.query_params.get("page", "1")
    page_no = int(raw) if raw.isdigit() and 0 < len(raw) <= 2 else 1
    found = best_matches(db, settings, user, page_no)
    profile = user.freelancer_profile
    return render(
        request,
        "jobs/best_matches.html",
        _ctx(
            found=found,
            cards=service.client_cards(db, {j.client_id for j in found.items}),
            has_skills=bool(profile and profile.skills),
            page_url=lambda n: f"/jobs/best-matches?page={n}",
        ),
    )


# --- the job page -----------------------------------------------------------------------------


def _job_page(
    request: Request,
    db: DbDep,
    settings: Settings,
    user: User | None,
    job: Job,
    *,
    error: str | None = None,
    status_code: int = 200,
    report_reason: str = "",
    removal_reason: str = "",
) -> Response:
    is_owner = user is not None and user.id == job.client_id
    moderator = user is not None and user.has_staff_role("trust_safety")
    balance = None
    if user is not None and user.is_freelancer:
        from workhall.connects.service import connects_balance

        balance = connects_balance(db, user.id)
    return render(
        request,
        "jobs/detail.html",
        _ctx(
            job=job,
            card=service.client_card(db, job.client_id),
            is_owner=is_owner,
            moderator=moderator,
            balance=balance,
            accepts=service.job_accepts_proposals(settings, job),
            reports=service.job_reports(db, job.id) if moderator else [],
            error=error,
            report_reason=report_reason,
            removal_reason=removal_reason,
            category_name=catalog.CATEGORY_NAMES.get(job.category, job.category),
        ),
        status_code=status_code,
    )


@router.get("/jobs/{job_id}")
def job_page(
    request: Request, job_id: JobId, user: OptionalPageUser, db: DbDep, settings: SettingsDep
) -> Response:
    job = service.get_visible_job(db, job_id, user)
    return _job_page(request, db, settings, user, job)


def _act(
    request: Request,
    db: DbDep,
    settings: Settings,
    user: User,
    job_id: int,
    action: Any,
    done: str,
    **form: str,
) -> Response:
    """Run a job action from its page: back to the page with a message, or the page again
    with the problem (nothing stored)."""
    try:
        action()
    except Problem as exc:
        db.rollback()
        job = service.get_visible_job(db, job_id, user)
        return _job_page(
            request,
            db,
            settings,
            user,
            job,
            error=exc.detail,
            status_code=400 if exc.status in (409, 422) else exc.status,
            **form,
        )
    return redirect(f"/jobs/{job_id}", request, done)


@router.post("/jobs/{job_id}/cancel", dependencies=[Csrf])
def cancel(
    request: Request, job_id: JobId, user: PageClient, db: DbDep, settings: SettingsDep
) -> Response:
    return _act(
        request,
        db,
        settings,
        user,
        job_id,
        lambda: service.cancel_job(db, settings, user, job_id),
        "The job is cancelled. Freelancers who applied get their Connects back.",
    )


@router.post("/jobs/{job_id}/close", dependencies=[Csrf])
def close(
    request: Request, job_id: JobId, user: PageClient, db: DbDep, settings: SettingsDep
) -> Response:
    return _act(
        request,
        db,
        settings,
        user,
        job_id,
        lambda: service.close_job(db, settings, user, job_id),
        "The job is closed as filled.",
    )


@router.post("/jobs/{job_id}/keep-hiring", dependencies=[Csrf])
def keep_hiring(
    request: Request,
    job_id: JobId,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    keep: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    wanted = keep == "1"
    return _act(
        request,
        db,
        settings,
        user,
        job_id,
        lambda: service.set_keep_hiring(db, user, job_id, wanted),
        "The job stays open after a hire."
        if wanted
        else "The job will close as filled at its next hire.",
    )


@router.post("/jobs/{job_id}/remove", dependencies=[Csrf])
def remove(
    request: Request,
    job_id: JobId,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _act(
        request,
        db,
        settings,
        user,
        job_id,
        lambda: service.remove_job(db, settings, user, job_id, reason),
        "The job is removed.",
        removal_reason=reason,
    )


@router.post("/jobs/{job_id}/report", dependencies=[Csrf])
def report(
    request: Request,
    job_id: JobId,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _act(
        request,
        db,
        settings,
        user,
        job_id,
        lambda: service.report_job(db, user, job_id, reason),
        "Thank you. Our trust & safety team will review this job.",
        report_reason=reason,
    )
