"""Job search and best matches (marketplace.md §2).

Full text runs on the index of ``workhall.jobs.fulltext`` (FTS5 on SQLite, tsvector + GIN on
PostgreSQL); the filters, the visibility rule and the sort are the same SQL on both databases,
so both answer the same question: open jobs the viewer may see, matching every query word and
every filter, by relevance (with a query) or newest first, 20 a page, the total counted up to
1,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from workhall import catalog
from workhall.accounts.models import ClientProfile, User
from workhall.core.clock import utcnow
from workhall.core.errors import Unprocessable
from workhall.core.settings import Settings
from workhall.jobs import rules
from workhall.jobs.fulltext import (
    FTS_TABLE,
    create_search_index,
    drop_search_index,
    fts5_match,
    normalize_text,
    query_terms,
)
from workhall.jobs.models import Job, JobSkill

__all__ = [
    "JobFilters",
    "SearchPage",
    "best_matches",
    "create_search_index",
    "drop_search_index",
    "index_job",
    "rebuild_search_index",
    "search_jobs",
    "unindex_job",
]

# Relevance weights: a word in the title counts most, then the skills, then the description.
SQLITE_RANK = f"bm25({FTS_TABLE}, 10.0, 4.0, 1.0)"
PG_DOCUMENT = (
    "setweight(to_tsvector('english', :title), 'A') || "
    "setweight(to_tsvector('english', :skills), 'B') || "
    "setweight(to_tsvector('english', :description), 'D')"
)
BEST_MATCH_CANDIDATES = 200
# Relevance ranks this many best text matches before filtering (see ``search_jobs``).
CANDIDATES = 200

_pg_fts = table(FTS_TABLE, column("job_id"), column("document"))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# --- keeping the index ------------------------------------------------------------------------


def _document(job: Job) -> dict[str, str]:
    return {
        "title": normalize_text(job.title),
        "skills": normalize_text(" ".join(catalog.skill_name(s) for s in job.skill_slugs)),
        "description": normalize_text(job.description),
    }


def index_job(session: Session, job: Job) -> None:
    """Put an open job in the full-text index (replacing any earlier entry for its id)."""
    params: dict[str, Any] = {"id": job.id, **_document(job)}
    if _dialect(session) == "sqlite":
        session.execute(
            text(
                f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, title, skills, description) "
                "VALUES (:id, :title, :skills, :description)"
            ),
            params,
        )
    else:
        session.execute(
            text(
                f"INSERT INTO {FTS_TABLE} (job_id, document) VALUES (:id, {PG_DOCUMENT}) "
                "ON CONFLICT (job_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            params,
        )


def unindex_job(session: Session, job_id: int) -> None:
    """Drop a job that is no longer open from the index."""
    key = "rowid" if _dialect(session) == "sqlite" else "job_id"
    session.execute(text(f"DELETE FROM {FTS_TABLE} WHERE {key} = :id"), {"id": job_id})


def rebuild_search_index(session: Session) -> int:
    """Empty the index and index every open job again; returns how many (for an existing
    database that gets the index from a migration, or after a bulk load)."""
    session.execute(text(f"DELETE FROM {FTS_TABLE}"))
    count = 0
    for job in session.scalars(select(Job).where(Job.status == "open").order_by(Job.id)):
        index_job(session, job)
        count += 1
    return count


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobFilters:
    """Already validated filters (the API schema and the page parse them)."""

    q: str = ""
    skills: tuple[str, ...] = ()
    category: str | None = None
    budget_type: str | None = None
    budget_min_cents: int | None = None
    budget_max_cents: int | None = None
    experience_level: str | None = None
    payment_verified: bool = False
    posted_within: str | None = None
    sort: str = "relevance"  # relevance | newest
    page: int = 1


@dataclass
class SearchPage:
    items: list[Job]
    total: int
    total_capped: bool
    page: int
    page_size: int
    overlaps: dict[int, int] = field(default_factory=dict)  # best matches: job id → shared skills

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def visible_open_jobs(viewer_id: int | None, *columns: Any) -> Select[Any]:
    """Open jobs the viewer may find: public ones, and their own invite-only ones.

    Invited freelancers reach an invite-only job through their invitation, not through search.
    """
    visible: ColumnElement[bool] = Job.visibility == "public"
    if viewer_id is not None:
        visible = or_(visible, Job.client_id == viewer_id)
    return select(*(columns or (Job,))).where(Job.status == "open", visible)


def _filtered(stmt: Select[Any], f: JobFilters, now: datetime) -> Select[Any]:
    if f.skills:
        stmt = stmt.where(Job.id.in_(select(JobSkill.job_id).where(JobSkill.skill.in_(f.skills))))
    if f.category:
        stmt = stmt.where(Job.category == f.category)
    if f.budget_type:
        stmt = stmt.where(Job.budget_type == f.budget_type)
    # The budget range applies to a fixed job's budget and to an hourly job's rate range.
    if f.budget_min_cents is not None:
        stmt = stmt.where(
            or_(
                and_(Job.budget_type == "fixed", Job.budget_cents >= f.budget_min_cents),
                and_(Job.budget_type == "hourly", Job.hourly_max_cents >= f.budget_min_cents),
            )
        )
    if f.budget_max_cents is not None:
        stmt = stmt.where(
            or_(
                and_(Job.budget_type == "fixed", Job.budget_cents <= f.budget_max_cents),
                and_(Job.budget_type == "hourly", Job.hourly_min_cents <= f.budget_max_cents),
            )
        )
    if f.experience_level:
        stmt = stmt.where(Job.experience_level == f.experience_level)
    if f.payment_verified:
        stmt = stmt.where(
            exists().where(
                ClientProfile.user_id == Job.client_id,
                ClientProfile.payment_method_verified_at.is_not(None),
            )
        )
    if f.posted_within:
        # spec README: "in the last N days" means in (T − N days, T].
        stmt = stmt.where(Job.posted_at > now - rules.POSTED_WITHIN[f.posted_within])
    return stmt


def _text_matches(
    session: Session,
    terms: list[str],
    *,
    ranked: bool,
    limit: int | None = None,
    within: Sequence[int] | None = None,
) -> Any:
    """The full-text matches as a subquery (``job_id``, and ``rank`` when ranked: lower is
    better). With ``limit``: only the best ``limit`` matches, ties to the newer job."""
    if _dialect(session) == "sqlite":
        rank: Any = literal_column(SQLITE_RANK)
        key: Any = literal_column("rowid")
        stmt = (
            select(key.label("job_id"))
            .select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=fts5_match(terms)))
        )
    else:
        tsquery = func.plainto_tsquery(literal_column("'english'"), " ".join(terms))
        rank = -func.ts_rank(_pg_fts.c.document, tsquery, 1)
        key = _pg_fts.c.job_id
        stmt = select(key.label("job_id")).where(_pg_fts.c.document.op("@@")(tsquery))
    if within is not None:
        stmt = stmt.where(key.in_(list(within)))
    if ranked:
        stmt = stmt.add_columns(rank.label("rank"))
    if limit is not None:
        stmt = stmt.order_by(rank, key.desc()).limit(limit)
    return stmt.subquery("fts")


def search_jobs(
    session: Session,
    settings: Settings,
    filters: JobFilters,
    *,
    viewer_id: int | None = None,
    now: datetime | None = None,
) -> SearchPage:
    """One page of search results and the total, counted up to ``search_count_cap``.

    Relevance order ranks the best ``CANDIDATES`` text matches first and filters those; only
    when too few of them pass the filters is every match ranked. Both give the same page,
    because the order (rank, then newer job) is the same inside and outside the candidates.
    """
    size, cap = settings.search_page_size, settings.search_count_cap
    offset = (filters.page - 1) * size
    if filters.page < 1 or offset >= cap:
        raise Unprocessable(
            f"Only the first {cap:,} results can be paged through; narrow the search.",
            field="page",
        )
    base = _filtered(visible_open_jobs(viewer_id, Job.id), filters, now or utcnow())
    terms = query_terms(filters.q)
    counted = base
    if terms:
        counted = base.where(Job.id.in_(select(_text_matches(session, terms, ranked=False))))
    total = int(
        session.scalar(select(func.count()).select_from(counted.limit(cap + 1).subquery())) or 0
    )
    newest: list[Any] = [Job.posted_at.desc(), Job.id.desc()]
    if not terms or filters.sort == "newest":
        page_ids = list(session.scalars(counted.order_by(*newest).limit(size).offset(offset)))
    elif total <= cap:
        # At most ``cap`` jobs match: rank just those, not every match of the words (a
        # common word under a narrow filter was the slow case of the scale-M benchmark).
        within = list(session.scalars(counted))
        matches = _text_matches(session, terms, ranked=True, within=within)
        page_ids = list(
            session.scalars(
                select(matches.c.job_id)
                .order_by(matches.c.rank, matches.c.job_id.desc())
                .limit(size)
                .offset(offset)
            )
        )
    else:
        expected = min(size, max(min(total, cap) - offset, 0))
        page_ids = []
        # Many matches pass the filters: the best few hundred text matches hold the page.
        first = max(CANDIDATES, 4 * (offset + size))
        for limit in (first, 10 * first, None):
            matches = _text_matches(session, terms, ranked=True, limit=limit)
            ranked = base.join(matches, matches.c.job_id == Job.id).order_by(
                matches.c.rank, Job.id.desc()
            )
            page_ids = list(session.scalars(ranked.limit(size).offset(offset)))
            if len(page_ids) >= expected:
                break
    jobs = {job.id: job for job in session.scalars(select(Job).where(Job.id.in_(page_ids)))}
    return SearchPage(
        items=[jobs[job_id] for job_id in page_ids if job_id in jobs],
        total=min(total, cap),
        total_capped=total > cap,
        page=filters.page,
        page_size=size,
    )


# --- best matches -----------------------------------------------------------------------------


def best_matches(
    session: Session, settings: Settings, freelancer: User, page: int = 1
) -> SearchPage:
    """Open public jobs still taking proposals, ranked by skill overlap with the freelancer's
    profile, then client quality, then recency (marketplace.md §2).

    The 200 jobs with the most shared skills (newest first among equals) are ranked in full by
    ``rules.best_match_key``; that pool is what a freelancer pages through.
    """
    from workhall.jobs.service import client_cards

    size = settings.search_page_size
    profile_skills = (
        freelancer.freelancer_profile.skill_slugs if freelancer.freelancer_profile else []
    )
    overlap = (
        select(JobSkill.job_id, func.count().label("n"))
        .where(JobSkill.skill.in_(profile_skills))
        .group_by(JobSkill.job_id)
        .subquery("overlap")
    )
    shared = func.coalesce(overlap.c.n, 0)
    rows = session.execute(
        visible_open_jobs(None)
        .add_columns(shared)
        .outerjoin(overlap, overlap.c.job_id == Job.id)
        .where(Job.proposal_count < settings.job_max_proposals, Job.client_id != freelancer.id)
        .order_by(shared.desc(), Job.posted_at.desc(), Job.id.desc())
        .limit(BEST_MATCH_CANDIDATES)
    ).all()
    cards = client_cards(session, {job.client_id for job, _ in rows})
    facts = {
        job.id: rules.MatchFacts(
            job_id=job.id,
            skill_overlap=int(n),
            client_quality=cards[job.client_id].quality,
            posted_at=job.posted_at,
        )
        for job, n in rows
    }
    ranked = sorted((job for job, _ in rows), key=lambda j: rules.best_match_key(facts[j.id]))
    start = (max(page, 1) - 1) * size
    return SearchPage(
        items=ranked[start : start + size],
        total=len(ranked),
        total_capped=False,
        page=max(page, 1),
        page_size=size,
        overlaps={job_id: f.skill_overlap for job_id, f in facts.items()},
    )


def known_skills(values: Sequence[str]) -> tuple[str, ...]:
    """Skill filter values (names or slugs, possibly comma-separated) as catalogue slugs.

    Raises ValueError naming an unknown skill."""
    parts = [p.strip() for v in values for p in v.split(",") if p.strip()]
    return tuple(catalog.normalize_skills(parts))
