"""Reads for freelancer search and Top Rated suggestions (reputation.md §2.5). Nothing writes.

Candidates are found in SQL (active freelancers matching the text, skill and country), then
ranked in Python by ``talent.ranking`` with each one's stored standing, so the badge boost is
the same pure rule everywhere it applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workhall.accounts.models import FreelancerProfile, ProfileSkill, User
from workhall.catalog import SKILL_CATEGORY, slugify
from workhall.jobs.models import Job
from workhall.proposals.models import Invitation, Proposal
from workhall.reputation.queries import Standing, standings
from workhall.talent import ranking

PAGE_SIZE = 20
CANDIDATE_LIMIT = 1000  # rank at most this many text matches


@dataclass(frozen=True, slots=True)
class TalentRow:
    user: User
    standing: Standing
    relevance: int
    boost: int


@dataclass(frozen=True, slots=True)
class TalentPage:
    rows: list[TalentRow]
    total: int
    page: int
    pages: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _terms(text: str) -> list[str]:
    return [w for w in text.lower().split() if w][:8]


def _facts(user: User, standing: Standing, relevance: int) -> ranking.TalentFacts:
    return ranking.TalentFacts(
        user_id=user.id,
        relevance=relevance,
        level=standing.level,
        rising_talent=standing.rising_talent_badge,
        jss=standing.jss,
        identity_verified=user.identity_verified_at is not None,
    )


def search_talent(
    session: Session,
    text: str = "",
    *,
    skill: str = "",
    country: str = "",
    top_rated_only: bool = False,
    page: int = 1,
) -> TalentPage:
    """Active freelancers for a client's search, ranked by relevance plus the badge boost."""
    terms = _terms(text.strip()[:100])
    query = (
        select(User)
        .join(FreelancerProfile, FreelancerProfile.user_id == User.id)
        .where(User.role == "freelancer", User.status == "active")
    )
    for term in terms:
        like = f"%{_escape_like(term)}%"
        skill_ids = select(ProfileSkill.user_id).where(
            ProfileSkill.skill.like(f"%{_escape_like(slugify(term) or term)}%", escape="\\")
        )
        query = query.where(
            or_(
                func.lower(User.name).like(like, escape="\\"),
                func.lower(FreelancerProfile.title).like(like, escape="\\"),
                func.lower(FreelancerProfile.overview).like(like, escape="\\"),
                User.id.in_(skill_ids),
            )
        )
    if skill:
        query = query.where(
            User.id.in_(select(ProfileSkill.user_id).where(ProfileSkill.skill == skill))
        )
    if country:
        query = query.where(User.country == country)
    users = list(session.scalars(query.order_by(User.id).limit(CANDIDATE_LIMIT)))
    marks = standings(session, [u.id for u in users])
    facts = []
    for user in users:
        profile = user.freelancer_profile
        relevance = ranking.text_relevance(
            terms,
            name=user.name,
            title=profile.title if profile else "",
            overview=profile.overview if profile else "",
            skills=[s.replace("-", " ") for s in (profile.skill_slugs if profile else [])],
        )
        if top_rated_only and not marks[user.id].top_rated:
            continue
        facts.append(_facts(user, marks[user.id], relevance))
    ranked = ranking.rank_talent(facts)
    by_id = {u.id: u for u in users}
    total = len(ranked)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    window = ranked[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = [
        TalentRow(by_id[f.user_id], marks[f.user_id], f.relevance, ranking.boost(f)) for f in window
    ]
    return TalentPage(rows, total, page, pages)


@dataclass(frozen=True, slots=True)
class Suggestion:
    user: User
    standing: Standing
    match: int


def top_rated_suggestions(session: Session, job: Job, limit: int = 10) -> list[Suggestion]:
    """The best-matching Top Rated freelancers for a job marked "Top Rated invitations"
    (reputation.md §2.5): active Top Rated (or Plus) freelancers sharing at least one of the
    job's skills — or, failing that, working in the job's category — who were not invited yet
    and have not proposed; by skill match, then level, then JSS."""
    job_skills = job.skill_slugs
    related = [s for s, cat in SKILL_CATEGORY.items() if cat == job.category]
    invited = select(Invitation.freelancer_id).where(Invitation.job_id == job.id)
    proposed = select(Proposal.freelancer_id).where(Proposal.job_id == job.id)
    skill_users = select(ProfileSkill.user_id).where(
        ProfileSkill.skill.in_(job_skills + related or ["-"])
    )
    users = list(
        session.scalars(
            select(User)
            .where(
                User.role == "freelancer",
                User.status == "active",
                User.id.in_(skill_users),
                User.id.not_in(invited),
                User.id.not_in(proposed),
            )
            .order_by(User.id)
            .limit(CANDIDATE_LIMIT)
        )
    )
    marks = standings(session, [u.id for u in users])
    found = []
    for user in users:
        if not marks[user.id].top_rated:
            continue
        skills = user.freelancer_profile.skill_slugs if user.freelancer_profile else []
        found.append(Suggestion(user, marks[user.id], ranking.skill_match(job_skills, skills)))
    found.sort(
        key=lambda s: (
            -s.match,
            -ranking.BADGE_BOOST[s.standing.level],
            -(s.standing.jss or 0),
            s.user.id,
        )
    )
    return found[:limit]
