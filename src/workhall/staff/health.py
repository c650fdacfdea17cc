"""Marketplace health for staff (quality.md §3): proposals per job, hire rate, time to hire,
the share of contracts going to Top Rated freelancers and the JSS distribution, over time.

Months are calendar months in UTC; the report covers the current month and the eleven before
it. Bucketing is portable: each month is a ``CASE`` over fixed boundaries computed here (no
``date_trunc``/``strftime``), wrapped in a subquery so the outer ``GROUP BY`` names a column —
PostgreSQL would not see two copies of a parameterised expression as the same. Counts and sums
are done in SQL; the median time to hire needs the rows, which are one per hired job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import mean, median
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts.models import Contract
from workhall.core.clock import ensure_utc, utcnow
from workhall.jobs.models import Job
from workhall.proposals.models import Proposal
from workhall.reputation.importer import ARCHIVE_HANDLE
from workhall.reputation.models import Evaluation
from workhall.reputation.queries import TOP_RATED_LEVELS

MONTHS = 12
JSS_BUCKETS = ("< 50", "50–79", "80–89", "90–100", "none")  # the console's histogram


def month_bounds(now: datetime, months: int = MONTHS) -> list[datetime]:
    """``months + 1`` boundaries: the first instants of the last ``months`` calendar months,
    then of the month after the current one."""
    y, m = now.year, now.month
    index = y * 12 + (m - 1) - (months - 1)
    bounds = []
    for i in range(months + 1):
        yy, mm = divmod(index + i, 12)
        bounds.append(datetime(yy, mm + 1, 1, tzinfo=UTC))
    return bounds


def _bucket(col: Any, bounds: list[datetime]) -> ColumnElement[Any]:
    return case(
        *[(and_(col >= bounds[i], col < bounds[i + 1]), i) for i in range(len(bounds) - 1)],
        else_=None,
    )


def _in_range(col: Any, bounds: list[datetime]) -> ColumnElement[bool]:
    return and_(col >= bounds[0], col < bounds[-1])


def _counts(session: Session, inner: Any, *sums: str) -> dict[int, tuple[int, ...]]:
    """``{bucket: (rows, Σ col for col in sums)}`` over a subquery with a column ``b``."""
    sub = inner.subquery()
    cols = [func.count()] + [func.coalesce(func.sum(sub.c[name]), 0) for name in sums]
    rows = session.execute(select(sub.c.b, *cols).where(sub.c.b.is_not(None)).group_by(sub.c.b))
    return {int(r[0]): tuple(int(v) for v in r[1:]) for r in rows}


def _ratio(num: int, den: int, scale: int = 1, digits: int = 2) -> float | None:
    return round(num * scale / den, digits) if den else None


@dataclass
class HealthReport:
    months: list[str]
    jobs_posted: list[int]
    proposals: list[int]
    proposals_per_job: list[float | None]
    jobs_closed: list[int]
    jobs_hired: list[int]
    hire_rate: list[float | None]  # percent
    hires: list[int]
    median_days_to_hire: list[float | None]
    mean_days_to_hire: list[float | None]
    contracts_started: list[int]
    contracts_top_rated: list[int]
    top_rated_share: list[float | None]  # percent
    jss: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        # The bucket order travels with the numbers: JSON objects may be re-sorted on the way.
        return {**self.__dict__, "jss_buckets": list(JSS_BUCKETS)}


def _marketplace_job() -> ColumnElement[bool]:
    """Jobs clients posted — not the closed placeholder jobs that carry imported proposals."""
    return Job.client_id.not_in(select(User.id).where(User.handle == ARCHIVE_HANDLE))


def _jobs(session: Session, bounds: list[datetime]) -> tuple[dict[int, tuple[int, ...]], ...]:
    posted = _counts(
        session,
        select(_bucket(Job.posted_at, bounds).label("b")).where(
            _in_range(Job.posted_at, bounds), _marketplace_job()
        ),
    )
    proposals = _counts(
        session,
        select(_bucket(Job.posted_at, bounds).label("b"))
        .select_from(Proposal)
        .join(Job, Job.id == Proposal.job_id)
        .where(_in_range(Job.posted_at, bounds), _marketplace_job()),
    )
    closed = _counts(
        session,
        select(
            _bucket(Job.closed_at, bounds).label("b"),
            case((Job.first_hire_at.is_not(None), 1), else_=0).label("hired"),
        ).where(Job.status != "open", _in_range(Job.closed_at, bounds), _marketplace_job()),
        "hired",
    )
    return posted, proposals, closed


def _times_to_hire(session: Session, bounds: list[datetime]) -> list[list[float]]:
    """Days from posting to the job's first contract start, per month of that start."""
    first = (
        select(Contract.job_id, func.min(Contract.started_at).label("first_start"))
        .where(Contract.job_id.is_not(None))
        .group_by(Contract.job_id)
        .subquery()
    )
    rows = session.execute(
        select(Job.posted_at, first.c.first_start)
        .join(first, first.c.job_id == Job.id)
        .where(_in_range(first.c.first_start, bounds))
    ).all()
    out: list[list[float]] = [[] for _ in range(len(bounds) - 1)]
    for posted_at, started_at in rows:
        start = ensure_utc(started_at)
        i = next(k for k in range(len(bounds) - 1) if bounds[k] <= start < bounds[k + 1])
        out[i].append(max(0.0, (start - ensure_utc(posted_at)).total_seconds() / 86_400))
    return out


def _top_rated(session: Session, bounds: list[datetime]) -> dict[int, tuple[int, ...]]:
    """Contracts started per month and how many went to a freelancer who was Top Rated (or
    Top Rated Plus) at the start: their latest evaluation at or before that instant."""
    level_at_start = (
        select(Evaluation.level)
        .where(
            Evaluation.user_id == Contract.freelancer_id,
            Evaluation.instant <= Contract.started_at,
        )
        .order_by(Evaluation.instant.desc())
        .limit(1)
        .scalar_subquery()
    )
    return _counts(
        session,
        select(
            _bucket(Contract.started_at, bounds).label("b"),
            case((level_at_start.in_(TOP_RATED_LEVELS), 1), else_=0).label("top"),
        ).where(_in_range(Contract.started_at, bounds)),
        "top",
    )


def jss_distribution(session: Session, at: datetime) -> dict[str, int]:
    """Freelancers (not closed) by the JSS of their latest evaluation at or before ``at``;
    "none" holds those never evaluated or without a JSS yet."""
    freelancers = select(User.id).where(User.role == "freelancer", User.status != "closed")
    latest = (
        select(Evaluation.user_id, func.max(Evaluation.instant).label("instant"))
        .where(Evaluation.instant <= at, Evaluation.user_id.in_(freelancers))
        .group_by(Evaluation.user_id)
        .subquery()
    )
    jss = Evaluation.jss
    inner = (
        select(
            case(
                (jss.is_(None), 4),
                (jss < 50, 0),
                (jss < 80, 1),
                (jss < 90, 2),
                else_=3,
            ).label("b")
        )
        .select_from(Evaluation)
        .join(
            latest,
            and_(Evaluation.user_id == latest.c.user_id, Evaluation.instant == latest.c.instant),
        )
    )
    counts = _counts(session, inner)
    total = int(session.scalar(select(func.count()).select_from(freelancers.subquery())) or 0)
    out = {label: counts.get(i, (0,))[0] for i, label in enumerate(JSS_BUCKETS)}
    evaluated = sum(out[label] for label in JSS_BUCKETS[:4])
    out["none"] = max(0, total - evaluated)
    return out


def health_report(session: Session, now: datetime | None = None) -> HealthReport:
    now = now or utcnow()
    bounds = month_bounds(now)
    n = len(bounds) - 1
    posted, proposals, closed = _jobs(session, bounds)
    days = _times_to_hire(session, bounds)
    top = _top_rated(session, bounds)

    def col(d: dict[int, tuple[int, ...]], k: int = 0) -> list[int]:
        return [d.get(i, (0, 0))[k] for i in range(n)]

    jobs_posted, props = col(posted), col(proposals)
    jobs_closed, jobs_hired = col(closed), col(closed, 1)
    started, started_top = col(top), col(top, 1)
    return HealthReport(
        months=[f"{b:%Y-%m}" for b in bounds[:-1]],
        jobs_posted=jobs_posted,
        proposals=props,
        proposals_per_job=[_ratio(p, j) for p, j in zip(props, jobs_posted, strict=True)],
        jobs_closed=jobs_closed,
        jobs_hired=jobs_hired,
        hire_rate=[_ratio(h, c, 100, 1) for h, c in zip(jobs_hired, jobs_closed, strict=True)],
        hires=[len(d) for d in days],
        median_days_to_hire=[round(median(d), 1) if d else None for d in days],
        mean_days_to_hire=[round(mean(d), 1) if d else None for d in days],
        contracts_started=started,
        contracts_top_rated=started_top,
        top_rated_share=[_ratio(t, s, 100, 1) for t, s in zip(started_top, started, strict=True)],
        jss=jss_distribution(session, now),
    )
