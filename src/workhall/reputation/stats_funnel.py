"""The proposal funnel of My Stats and its peer figures (reputation.md §5, marketplace.md §3).

The funnel counts the proposals sent in the last 90 days and how far each got. It is
cumulative, so each stage is a subset of the one before: a proposal is *viewed* when it has
any time stamp from viewed on (viewed, shortlisted, interviewing, hired — a client can hire
straight from a proposal without the freelancer having seen "viewed"), *interviewed* when it
reached interviewing or hired, and *hired* when it was hired.

Peers are the freelancers hired in a category in the last 90 days (a contract started on a
job of that category); their figures are the proposals they sent in that category in the same
90 days. ``compute_peer_funnels`` stores them for every category at an evaluation instant
(quality.md §1: "peer figures precomputed at evaluation"); the page reads the stored row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import SQLColumnExpression, and_, case, delete, func, or_, select, true
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from workhall import catalog
from workhall.accounts.models import ProfileSkill
from workhall.contracts.models import Contract
from workhall.core.clock import utcnow
from workhall.jobs.models import Job
from workhall.proposals.models import Proposal
from workhall.reputation.models import PeerFunnel

# spec: reputation.md §5 — "Proposal funnel for the last 90 days"; peers hired in the last 90 days.
FUNNEL_DAYS = 90
# Main category: the category of most of the proposals sent in this many days (then profile).
MAIN_CATEGORY_DAYS = 365
STAGES = ("sent", "viewed", "interviewed", "hired")


@dataclass(frozen=True, slots=True)
class FunnelCounts:
    sent: int = 0
    viewed: int = 0
    interviewed: int = 0
    hired: int = 0

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.sent, self.viewed, self.interviewed, self.hired)


def _reached(at: datetime, *stamps: SQLColumnExpression[datetime | None]) -> ColumnElement[bool]:
    return or_(*(s <= at for s in stamps))


def _stage_sums(at: datetime, among: ColumnElement[bool] | None = None) -> list[ColumnElement[int]]:
    """SUMs counting the proposals (``among`` them, if given) sent and reaching each stage by
    ``at``."""
    p = Proposal
    viewed = _reached(at, p.viewed_at, p.shortlisted_at, p.interviewing_at, p.hired_at)
    interviewed = _reached(at, p.interviewing_at, p.hired_at)
    hired = _reached(at, p.hired_at)
    conditions: list[ColumnElement[bool]] = [true(), viewed, interviewed, hired]
    if among is not None:
        conditions = [and_(among, c) for c in conditions]
    return [func.coalesce(func.sum(case((c, 1), else_=0)), 0) for c in conditions]


@dataclass(frozen=True, slots=True)
class BoostCounts:
    boosted: int = 0
    viewed: int = 0
    hired: int = 0
    connects_spent: int = 0


def freelancer_proposals(
    session: Session, user_id: int, at: datetime
) -> tuple[FunnelCounts, BoostCounts]:
    """In one query over the freelancer's recent proposals: the funnel of those sent in
    (at − 90 days, at], and the boosts placed in those 90 days — how many, how many of those
    proposals were viewed and hired, and the Connects spent on them (settled at a view)."""
    p = Proposal
    since = at - timedelta(days=FUNNEL_DAYS)
    sent = and_(p.submitted_at > since, p.submitted_at <= at)
    boosted = and_(p.boost_connects > 0, p.boost_placed_at > since, p.boost_placed_at <= at)
    row = session.execute(
        select(
            *_stage_sums(at, sent),
            func.coalesce(func.sum(case((boosted, 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(boosted, p.viewed_at <= at), 1), else_=0)), 0),
            func.coalesce(func.sum(case((and_(boosted, p.hired_at <= at), 1), else_=0)), 0),
            func.coalesce(
                func.sum(
                    case((and_(boosted, p.boost_state == "spent"), p.boost_connects), else_=0)
                ),
                0,
            ),
        ).where(
            p.freelancer_id == user_id,
            or_(sent, and_(p.boost_placed_at > since, p.boost_placed_at <= at)),
        )
    ).one()
    values = [int(v or 0) for v in row]
    return FunnelCounts(*values[:4]), BoostCounts(*values[4:])


def freelancer_funnel(session: Session, user_id: int, at: datetime) -> FunnelCounts:
    """The freelancer's proposals sent in (at − 90 days, at] and the stages they reached."""
    return freelancer_proposals(session, user_id, at)[0]


def main_category(session: Session, user_id: int, at: datetime) -> str | None:
    """The category of most of the freelancer's proposals sent in the last 365 days (ties: the
    first by slug); without proposals, the category holding most of the profile's skills."""
    row = session.execute(
        select(Job.category, func.count(Proposal.id).label("n"))
        .join(Job, Job.id == Proposal.job_id)
        .where(
            Proposal.freelancer_id == user_id,
            Proposal.submitted_at > at - timedelta(days=MAIN_CATEGORY_DAYS),
            Proposal.submitted_at <= at,
        )
        .group_by(Job.category)
        .order_by(func.count(Proposal.id).desc(), Job.category)
        .limit(1)
    ).first()
    if row is not None:
        return str(row[0])
    counts: dict[str, int] = {}
    for skill in session.scalars(select(ProfileSkill.skill).where(ProfileSkill.user_id == user_id)):
        category = catalog.SKILL_CATEGORY.get(skill)
        if category:
            counts[category] = counts.get(category, 0) + 1
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _peer_counts(session: Session, instant: datetime) -> dict[str, tuple[int, FunnelCounts]]:
    since = instant - timedelta(days=FUNNEL_DAYS)
    hired = (
        select(Contract.freelancer_id.label("freelancer_id"), Job.category.label("category"))
        .join(Job, Job.id == Contract.job_id)
        .where(Contract.started_at > since, Contract.started_at <= instant)
        .distinct()
        .subquery()
    )
    peers = {
        str(category): int(n)
        for category, n in session.execute(
            select(hired.c.category, func.count()).group_by(hired.c.category)
        )
    }
    rows = session.execute(
        select(Job.category, *_stage_sums(instant))
        .join(Job, Job.id == Proposal.job_id)
        .join(
            hired,
            and_(hired.c.freelancer_id == Proposal.freelancer_id, hired.c.category == Job.category),
        )
        .where(Proposal.submitted_at > since, Proposal.submitted_at <= instant)
        .group_by(Job.category)
    ).all()
    funnels = {str(r[0]): FunnelCounts(*(int(v or 0) for v in r[1:])) for r in rows}
    return {c: (n, funnels.get(c, FunnelCounts())) for c, n in peers.items()}


def compute_peer_funnels(session: Session, instant: datetime) -> list[PeerFunnel]:
    """Store the peer funnel of every category at an evaluation instant (one row each, zeros
    included); idempotent — a re-run replaces the instant's rows. Called by the evaluation
    at each instant, and lazily by My Stats when the latest instant has none yet. Two
    grouped queries over contracts and proposals; does not commit."""
    counts = _peer_counts(session, instant)
    session.execute(delete(PeerFunnel).where(PeerFunnel.instant == instant))
    now = utcnow()
    rows = [
        _peer_row(category, instant, counts, computed_at=now)
        for category in sorted(set(catalog.CATEGORIES) | set(counts))
    ]
    session.add_all(rows)
    session.flush()
    return rows


def peer_funnel(session: Session, category: str, instant: datetime) -> PeerFunnel | None:
    """The stored peer funnel of ``category`` at ``instant``, computed and stored first when the
    instant has none (in a savepoint: if a concurrent request stored it first, or the database
    refuses the write, the figures are computed without being kept)."""
    found = _stored_peer_funnel(session, category, instant)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            rows = compute_peer_funnels(session, instant)
    except (IntegrityError, DBAPIError):
        found = _stored_peer_funnel(session, category, instant)
        if found is not None:
            return found
        return _peer_row(category, instant, _peer_counts(session, instant))
    return next((r for r in rows if r.category == category), None)


def _stored_peer_funnel(session: Session, category: str, instant: datetime) -> PeerFunnel | None:
    return session.scalar(
        select(PeerFunnel).where(PeerFunnel.category == category, PeerFunnel.instant == instant)
    )


def _peer_row(
    category: str,
    instant: datetime,
    counts: dict[str, tuple[int, FunnelCounts]],
    computed_at: datetime | None = None,
) -> PeerFunnel:
    """The category's peer funnel row from ``_peer_counts`` (zeros when it has no peers)."""
    peers, funnel = counts.get(category, (0, FunnelCounts()))
    row = PeerFunnel(
        category=category,
        instant=instant,
        peers=peers,
        sent=funnel.sent,
        viewed=funnel.viewed,
        interviewed=funnel.interviewed,
        hired=funnel.hired,
    )
    if computed_at is not None:
        row.computed_at = computed_at
    return row
