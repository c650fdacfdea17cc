"""Job writes and reads (marketplace.md §2). Each runs in the caller's unit of work and never
commits; each docstring names the rows it locks.

Every move out of ``open`` goes through ``_close``, which drops the job from the search index,
audits it and publishes ``job_closed`` (``session``, ``settings``, ``job``, ``reason``) so the
proposals feature archives the job's proposals and refunds Connects (marketplace.md §4.4).
``reason`` is the new status, or ``"client_restricted"`` (trust.md §1.3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workhall import catalog
from workhall.accounts.models import ClientProfile, User
from workhall.accounts.service import require_can_transact
from workhall.audit.service import record
from workhall.connects.rules import connects_price_for_job
from workhall.core import events
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.jobs import rules
from workhall.jobs.models import Job, JobReport, JobSkill
from workhall.jobs.rules import FieldProblem, JobDraft
from workhall.jobs.search import index_job, unindex_job

JOB_CLOSED = "job_closed"


def _invalid(problems: list[FieldProblem]) -> Unprocessable:
    first = problems[0]
    return Unprocessable(
        first.message,
        field=first.field,
        errors=[{"field": p.field, "message": p.message} for p in problems],
    )


# --- posting ----------------------------------------------------------------------------------


def post_job(session: Session, settings: Settings, client: User, data: JobDraft) -> Job:
    """Post a job (marketplace.md §2): a client with an active account, a confirmed email and a
    verified phone (trust.md §2.1). The Connects price is fixed now (marketplace.md §4.2)."""
    if not client.is_client:
        raise Forbidden("Only clients can post jobs.")
    require_can_transact(settings, client, "post a job")
    draft, problems = rules.validate_posting(
        data, skills_min=settings.job_skills_min, skills_max=settings.job_skills_max
    )
    if problems:
        raise _invalid(problems)
    job = Job(
        client_id=client.id,
        title=draft.title,
        description=draft.description,
        category=draft.category,
        budget_type=draft.budget_type,
        budget_cents=draft.budget_cents,
        hourly_min_cents=draft.hourly_min_cents,
        hourly_max_cents=draft.hourly_max_cents,
        duration=draft.duration,
        experience_level=draft.experience_level,
        visibility=draft.visibility,
        top_rated_invitations=draft.top_rated_invitations,
        status="open",
        connects_cost=connects_price_for_job(
            budget_type=draft.budget_type,
            budget_cents=draft.budget_cents,
            duration=draft.duration,
            fixed_table=settings.connects_fixed_price_table,
            hourly_table=settings.connects_hourly_price_table,
        ),
        posted_at=utcnow(),
        keep_hiring=False,
        proposal_count=0,
        skills=[JobSkill(skill=s, position=i) for i, s in enumerate(draft.skills)],
    )
    session.add(job)
    session.flush()
    index_job(session, job)
    record(
        session, "job.posted", "job", job.id, actor_id=client.id, connects_cost=job.connects_cost
    )
    return job


# --- reading and visibility -------------------------------------------------------------------


def is_invited(session: Session, job_id: int, user_id: int) -> bool:
    """Whether the freelancer was invited to the job (marketplace.md §3); invitations belong
    to the proposals feature."""
    from workhall.proposals.service import is_invited as holds_invitation

    return holds_invitation(session, job_id, user_id)


def can_see_job(session: Session, job: Job, viewer: User | None) -> bool:
    """Public jobs are for everyone; invite-only jobs for their client, invited freelancers and
    staff; removed jobs only for their client and staff."""
    if viewer is not None and (viewer.id == job.client_id or viewer.is_staff):
        return True
    if job.status == "removed":
        return False
    if job.visibility == "public":
        return True
    return viewer is not None and is_invited(session, job.id, viewer.id)


def get_visible_job(session: Session, job_id: int, viewer: User | None) -> Job:
    """The job, or NotFound when it does not exist or the viewer may not see it (no hint
    that a hidden job exists)."""
    job = session.get(Job, job_id)
    if job is None or not can_see_job(session, job, viewer):
        raise NotFound("No such job.")
    return job


def lock_job(session: Session, job_id: int) -> Job:
    """The job with its row locked and fresh from the database.

    Proposal submission locks the job with this before counting ``proposal_count``, so the
    limit of 50 and the closing of a job serialise on the same row.
    """
    return lock_row(session, Job, job_id, "No such job.")


def job_accepts_proposals(settings: Settings, job: Job) -> bool:
    return job.accepts_proposals(settings.job_max_proposals)


def _owned_job(session: Session, user: User, job_id: int) -> Job:
    """Lock a job its client acts on: 404 when hidden from the user, 403 when not theirs."""
    job = lock_job(session, job_id)
    if job.client_id != user.id:
        if not can_see_job(session, job, user):
            raise NotFound("No such job.")
        raise Forbidden("Only the client who posted this job can do this.")
    return job


# --- closing ----------------------------------------------------------------------------------


def _close(
    session: Session,
    settings: Settings,
    job: Job,
    status: str,
    *,
    reason: str,
    actor_id: int | None,
    note: str | None = None,
) -> Job:
    """Move a locked open job to a closed state (the one place that does)."""
    job.status = status
    job.closed_at = utcnow()
    job.close_reason = note
    session.flush()
    unindex_job(session, job.id)
    record(session, f"job.{status}", "job", job.id, actor_id=actor_id, reason=reason, note=note)
    events.publish(JOB_CLOSED, session=session, settings=settings, job=job, reason=reason)
    return job


def _check(job: Job, target: str) -> None:
    problem = rules.transition_problem(job.status, target, has_hire=job.has_hire)
    if problem:
        raise Conflict(problem)


def cancel_job(session: Session, settings: Settings, client: User, job_id: int) -> Job:
    """The client closes an open job without any hire → ``cancelled`` (marketplace.md §2);
    every proposal's Connects come back (§4.4). Locks the job row."""
    job = _owned_job(session, client, job_id)
    _check(job, "cancelled")
    return _close(session, settings, job, "cancelled", reason="cancelled", actor_id=client.id)


def close_job(session: Session, settings: Settings, client: User, job_id: int) -> Job:
    """The client closes an open job after at least one hire → ``filled``. Locks the job row."""
    job = _owned_job(session, client, job_id)
    _check(job, "filled")
    return _close(session, settings, job, "filled", reason="filled", actor_id=client.id)


def remove_job(session: Session, settings: Settings, staff: User, job_id: int, reason: str) -> Job:
    """Moderation takes an open job down → ``removed`` (marketplace.md §2), with the reason in
    the audit log. Only ``trust_safety`` and ``admin`` staff. Locks the job row."""
    if not staff.has_staff_role("trust_safety"):
        raise Forbidden("Only trust & safety staff can remove jobs.")
    reason = reason.strip()
    problem = rules.text_problem(
        reason,
        label="The reason",
        min_length=rules.REMOVAL_REASON_MIN,
        max_length=rules.REMOVAL_REASON_MAX,
        multiline=True,
    )
    if problem:
        raise Unprocessable(problem, field="reason")
    job = lock_job(session, job_id)
    _check(job, "removed")
    return _close(
        session, settings, job, "removed", reason="removed", actor_id=staff.id, note=reason
    )


def close_jobs_of_restricted_client(
    session: Session, settings: Settings, client_id: int, *, actor_id: int | None = None
) -> int:
    """Close every open job of a client whose conduct case became ``restricted`` (trust.md
    §1.3): each becomes ``removed`` with reason ``client_restricted``, so every proposal's
    Connects come back (marketplace.md §4.4). Locks those job rows. Returns how many."""
    jobs = session.scalars(
        select(Job)
        .where(Job.client_id == client_id, Job.status == "open")
        .order_by(Job.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for job in jobs:
        _close(
            session,
            settings,
            job,
            "removed",
            reason="client_restricted",
            actor_id=actor_id,
            note="client_restricted",
        )
    return len(jobs)


def record_hire(
    session: Session, settings: Settings, job_id: int, *, keep_hiring: bool | None = None
) -> Job:
    """A hire on the job (an accepted offer, marketplace.md §5). Locks the job row.

    spec: marketplace.md §2 — "A first hire leaves the job `open` only if the client asks to
    keep hiring." ``keep_hiring`` (when given) records that choice; without it the job becomes
    ``filled`` now. An open job that keeps hiring becomes ``filled`` 30 days after its last hire.
    """
    job = lock_job(session, job_id)
    if job.status != "open":
        raise Conflict(f"This job is {job.status}; it cannot hire.")
    now = utcnow()
    if job.first_hire_at is None:
        job.first_hire_at = now
    job.last_hire_at = now
    if keep_hiring is not None:
        job.keep_hiring = keep_hiring
    if not job.keep_hiring:
        return _close(session, settings, job, "filled", reason="filled", actor_id=None)
    session.flush()
    return job


def set_keep_hiring(session: Session, client: User, job_id: int, keep: bool) -> Job:
    """The client chooses whether the job stays open after a hire. Locks the job row."""
    job = _owned_job(session, client, job_id)
    if job.status != "open":
        raise Conflict(f"This job is already {job.status}.")
    job.keep_hiring = keep
    session.flush()
    return job


def expire_due_jobs(
    session: Session, settings: Settings, now: datetime | None = None, limit: int = 500
) -> int:
    """Close the open jobs whose time is up (marketplace.md §2): ``expired`` 30 days after
    posting with no hire, ``filled`` 30 days after the last hire. Returns how many changed.

    Each job is claimed with a conditional ``UPDATE ... WHERE status = 'open'`` that re-checks
    its deadline, so two workers never both close it, and a hire that lands meanwhile wins.
    """
    now = now or utcnow()
    expire_by = now - timedelta(days=settings.job_expiry_days)
    fill_by = now - timedelta(days=settings.job_filled_after_last_hire_days)
    last_hire = func.coalesce(Job.last_hire_at, Job.first_hire_at)
    due_expired = and_(Job.first_hire_at.is_(None), Job.posted_at <= expire_by)
    due_filled = and_(Job.first_hire_at.is_not(None), last_hire <= fill_by)
    rows = session.execute(
        select(Job.id, Job.status, Job.posted_at, Job.first_hire_at, Job.last_hire_at)
        .where(Job.status == "open", or_(due_expired, due_filled))
        .order_by(Job.id)
        .limit(limit)
    ).all()
    changed = 0
    for job_id, status, posted_at, first_hire_at, last_hire_at in rows:
        target = rules.due_state(
            rules.JobTimeline(status, posted_at, first_hire_at, last_hire_at),
            now,
            expiry_days=settings.job_expiry_days,
            filled_after_days=settings.job_filled_after_last_hire_days,
        )
        if target is None:
            continue
        claimed = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.status == "open",
                due_expired if target == "expired" else due_filled,
            )
            .values(status=target, closed_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker (or a hire) got there first
        job = session.get(Job, job_id, populate_existing=True)
        assert job is not None
        unindex_job(session, job.id)
        record(session, f"job.{target}", "job", job.id, reason=target)
        events.publish(JOB_CLOSED, session=session, settings=settings, job=job, reason=target)
        changed += 1
    return changed


# --- reports ----------------------------------------------------------------------------------


def report_job(session: Session, reporter: User, job_id: int, reason: str) -> JobReport:
    """Report a job to moderation (marketplace.md §2); once per user per job."""
    job = get_visible_job(session, job_id, reporter)
    if job.client_id == reporter.id:
        raise Unprocessable("You cannot report your own job.")
    reason = reason.strip()
    problem = rules.text_problem(
        reason,
        label="The reason",
        min_length=rules.REPORT_REASON_MIN,
        max_length=rules.REPORT_REASON_MAX,
        multiline=True,
    )
    if problem:
        raise Unprocessable(problem, field="reason")
    report = JobReport(reporter_id=reporter.id, job_id=job.id, reason=reason, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        raise Conflict("You already reported this job.") from None
    return report


def job_reports(session: Session, job_id: int) -> list[JobReport]:
    """A job's reports, newest first (for the moderation view)."""
    return list(
        session.scalars(
            select(JobReport).where(JobReport.job_id == job_id).order_by(JobReport.id.desc())
        )
    )


# --- lists ------------------------------------------------------------------------------------


def client_jobs(session: Session, client_id: int, *, limit: int = 200) -> list[Job]:
    """A client's jobs, newest first."""
    return list(
        session.scalars(
            select(Job)
            .where(Job.client_id == client_id)
            .order_by(Job.posted_at.desc(), Job.id.desc())
            .limit(limit)
        )
    )


def newest_open_jobs(session: Session, limit: int = 6) -> list[Job]:
    return list(
        session.scalars(
            select(Job)
            .where(Job.status == "open", Job.visibility == "public")
            .order_by(Job.posted_at.desc(), Job.id.desc())
            .limit(limit)
        )
    )


# --- the client's screening card (marketplace.md §2, trust.md §1.4) ------------------------


@dataclass(frozen=True)
class ClientHistory:
    total_spent_cents: int = 0
    # (public stars the client gave, cents paid) per contract; stars None = no feedback.
    feedback: tuple[tuple[Decimal | None, int], ...] = ()


def client_spend_and_feedback(session: Session, client_id: int) -> ClientHistory:
    """What a client has spent and the public feedback it gave, per contract: payments
    released to freelancers on the client's contracts, counted gross (marketplace.md §6.2), and
    the overall public score the client gave on each, once revealed (§7)."""
    from workhall.feedback.queries import public_scores_given_by_client
    from workhall.payments.queries import client_spent_by_contract

    spent = client_spent_by_contract(session, client_id)
    stars = public_scores_given_by_client(session, client_id)
    contracts = sorted(set(spent) | set(stars))
    return ClientHistory(
        total_spent_cents=sum(spent.values()),
        feedback=tuple((stars.get(c), spent.get(c, 0)) for c in contracts),
    )


@dataclass(frozen=True)
class ClientCard:
    client_id: int
    payment_verified: bool
    member_since: datetime
    country: str
    jobs_posted: int
    open_jobs: int
    hire_rate: int | None  # percent
    total_spent_cents: int
    hires: int
    feedback_average: Decimal | None
    feedback_count: int
    quality: Fraction = field(default=Fraction(0))

    @property
    def country_name(self) -> str:
        return catalog.COUNTRIES.get(self.country, self.country)


def client_cards(session: Session, client_ids: Iterable[int]) -> dict[int, ClientCard]:
    """Screening cards of several clients at once (two queries plus their histories)."""
    ids = sorted(set(client_ids))
    if not ids:
        return {}
    closed = Job.status != "open"
    hired = Job.first_hire_at.is_not(None)
    counts = {
        row.client_id: row
        for row in session.execute(
            select(
                Job.client_id,
                func.count().label("posted"),
                func.sum(case((closed, 0), else_=1)).label("open"),
                func.sum(case((hired, 1), else_=0)).label("hired"),
                func.sum(case((and_(closed, Job.first_hire_at.is_(None)), 1), else_=0)).label(
                    "closed_without_hire"
                ),
            )
            .where(Job.client_id.in_(ids))
            .group_by(Job.client_id)
        )
    }
    people = session.execute(
        select(User.id, User.created_at, User.country, ClientProfile.payment_method_verified_at)
        .outerjoin(ClientProfile, ClientProfile.user_id == User.id)
        .where(User.id.in_(ids))
    ).all()
    cards: dict[int, ClientCard] = {}
    for user_id, created_at, country, verified_at in people:
        row = counts.get(user_id)
        with_hire = int(row.hired) if row else 0
        rate = rules.hire_rate_percent(with_hire, int(row.closed_without_hire) if row else 0)
        history = client_spend_and_feedback(session, user_id)
        average, count = rules.cost_weighted_feedback(history.feedback)
        cards[user_id] = ClientCard(
            client_id=user_id,
            payment_verified=verified_at is not None,
            member_since=created_at,
            country=country,
            jobs_posted=int(row.posted) if row else 0,
            open_jobs=int(row.open) if row else 0,
            hire_rate=rate,
            total_spent_cents=history.total_spent_cents,
            hires=with_hire,
            feedback_average=average,
            feedback_count=count,
            quality=rules.client_quality(
                payment_verified=verified_at is not None,
                hire_rate=rate,
                feedback_average=average,
                total_spent_cents=history.total_spent_cents,
            ),
        )
    return cards


def client_card(session: Session, client_id: int) -> ClientCard:
    """spec: marketplace.md §2 — "payment method verified, member since, country, jobs posted,
    hire rate (jobs with a hire ÷ jobs closed), total spent, number of hires, and the
    cost-weighted average of the public feedback the client gave freelancers ... with its
    count"."""
    card = client_cards(session, [client_id]).get(client_id)
    if card is None:
        raise NotFound("No such client.")
    return card
