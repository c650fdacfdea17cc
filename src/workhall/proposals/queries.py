"""Reads for the proposal pages and API: the client's ranked list, the freelancer's proposals
and invitations, the boost board. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workhall.accounts.models import FreelancerProfile, ProfileSkill, User
from workhall.catalog import slugify
from workhall.connects.rules import boost_slot_holders
from workhall.connects.service import connects_balance
from workhall.core.errors import Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.jobs.models import Job
from workhall.proposals import rules
from workhall.proposals.models import Invitation, Proposal
from workhall.proposals.service import LIVE_STATUSES, is_auction_open, live_bids
from workhall.reputation.queries import Standing, standings
from workhall.talent.ranking import badge_rank

# The freelancer's tabs (My proposals) and the client's tabs (the job's proposal list).
FREELANCER_TABS: dict[str, tuple[str, ...]] = {
    "active": rules.ACTIVE_LADDER,
    "hired": ("hired",),
    "archived": ("declined", "withdrawn", "archived"),
}
CLIENT_TABS = ("all", "shortlisted", "declined")


@dataclass
class ClientRow:
    proposal: Proposal
    freelancer: User
    match: int
    boosted: bool
    rank: int
    standing: Standing | None = None


@dataclass
class ClientList:
    job: Job
    rows: list[ClientRow]
    counts: dict[str, int] = field(default_factory=dict)


def _client_job(session: Session, client: User, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("There is no such job.")
    if job.client_id != client.id:
        raise Forbidden("Only the client of this job sees its proposals.")
    return job


def _in_tab(proposal: Proposal, tab: str) -> bool:
    if tab == "declined":
        return proposal.status == "declined"
    if tab == "shortlisted":
        return proposal.shortlisted_at is not None and proposal.status != "declined"
    return proposal.status != "declined"


def client_proposals(
    session: Session, settings: Settings, client: User, job_id: int, tab: str = "all"
) -> ClientList:
    """The job's proposals ranked for its client (marketplace.md §3): boosted slot holders
    first, then by match. Withdrawn proposals are not shown. Loading this list is not a view."""
    if tab not in CLIENT_TABS:
        raise Unprocessable(f"tab is one of {', '.join(CLIENT_TABS)}.", field="tab")
    job = _client_job(session, client, job_id)
    proposals = list(
        session.scalars(
            select(Proposal).where(Proposal.job_id == job.id, Proposal.status != "withdrawn")
        )
    )
    users = (
        {
            u.id: u
            for u in session.scalars(
                select(User).where(User.id.in_({p.freelancer_id for p in proposals}))
            )
        }
        if proposals
        else {}
    )
    job_skills = job.skill_slugs
    marks = standings(session, users)  # stored JSS and badges (reputation.md §1.7, §2.5)
    facts = []
    matches: dict[int, int] = {}
    for p in proposals:
        user = users[p.freelancer_id]
        profile_skills = user.freelancer_profile.skill_slugs if user.freelancer_profile else []
        matches[p.id] = rules.match_percent(job_skills, profile_skills)
        facts.append(
            rules.RankFacts(
                proposal_id=p.id,
                submitted_at=p.submitted_at,
                match=matches[p.id],
                boost_connects=p.boost_connects,
                boost_placed_at=p.boost_placed_at,
                boost_live=p.boost_state in ("held", "spent") and p.status in LIVE_STATUSES,
                identity_verified=user.identity_verified_at is not None,
                phone_verified=user.phone_verified_at is not None,
                jss=marks[user.id].jss,
                badge_rank=badge_rank(marks[user.id].level, marks[user.id].rising_talent_badge),
            )
        )
    ranked = rules.rank_proposals(facts, settings.boost_slots)
    by_id = {p.id: p for p in proposals}
    rows = [
        ClientRow(
            by_id[pid],
            users[by_id[pid].freelancer_id],
            matches[pid],
            slot,
            n,
            marks[by_id[pid].freelancer_id],
        )
        for n, (pid, slot) in enumerate(ranked, start=1)
    ]
    counts = {t: sum(_in_tab(p, t) for p in proposals) for t in CLIENT_TABS}
    return ClientList(job, [r for r in rows if _in_tab(r.proposal, tab)], counts)


def holds_slot(session: Session, settings: Settings, proposal: Proposal) -> bool:
    if proposal.boost_state not in ("held", "spent") or proposal.status not in LIVE_STATUSES:
        return False
    bids = [b for b, _ in live_bids(session, proposal.job_id)]
    return proposal.id in boost_slot_holders(bids, settings.boost_slots)


@dataclass
class FreelancerRow:
    proposal: Proposal
    job: Job
    auction_open: bool


def freelancer_proposals(
    session: Session,
    settings: Settings,
    freelancer: User,
    tab: str | None = None,
    status: str | None = None,
) -> list[FreelancerRow]:
    """The freelancer's own proposals, newest first, by tab or by exact status."""
    query = (
        select(Proposal, Job)
        .join(Job, Job.id == Proposal.job_id)
        .where(Proposal.freelancer_id == freelancer.id)
    )
    if tab is not None:
        if tab not in FREELANCER_TABS:
            raise Unprocessable(f"tab is one of {', '.join(FREELANCER_TABS)}.", field="tab")
        query = query.where(Proposal.status.in_(FREELANCER_TABS[tab]))
    if status is not None:
        if status not in rules.STATUSES:
            raise Unprocessable(f"status is one of {', '.join(rules.STATUSES)}.", field="status")
        query = query.where(Proposal.status == status)
    rows = session.execute(query.order_by(Proposal.submitted_at.desc(), Proposal.id.desc()))
    return [FreelancerRow(p, j, is_auction_open(settings, j)) for p, j in rows]


def tab_counts(session: Session, freelancer: User) -> dict[str, int]:
    statuses = list(
        session.scalars(select(Proposal.status).where(Proposal.freelancer_id == freelancer.id))
    )
    return {tab: sum(s in group for s in statuses) for tab, group in FREELANCER_TABS.items()}


def proposal_for(session: Session, user: User, proposal_id: int) -> tuple[Proposal, Job]:
    """A proposal its freelancer or its job's client may read; 403 for anyone else."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound("There is no such proposal.")
    job = session.get(Job, proposal.job_id)
    assert job is not None
    if user.id not in (proposal.freelancer_id, job.client_id):
        raise Forbidden("This proposal is not yours.")
    return proposal, job


@dataclass
class InvitationRow:
    invitation: Invitation
    job: Job
    client: User
    proposal_id: int | None


def freelancer_invitations(
    session: Session, freelancer: User, status: str | None = None
) -> list[InvitationRow]:
    if status is not None and status not in rules.INVITATION_STATUSES:
        raise Unprocessable(
            f"status is one of {', '.join(rules.INVITATION_STATUSES)}.", field="status"
        )
    query = (
        select(Invitation, Job, User)
        .join(Job, Job.id == Invitation.job_id)
        .join(User, User.id == Invitation.client_id)
        .where(Invitation.freelancer_id == freelancer.id)
    )
    if status is not None:
        query = query.where(Invitation.status == status)
    rows = list(session.execute(query.order_by(Invitation.created_at.desc(), Invitation.id.desc())))
    proposals = (
        dict(
            session.execute(
                select(Proposal.job_id, Proposal.id).where(
                    Proposal.freelancer_id == freelancer.id,
                    Proposal.job_id.in_([inv.job_id for inv, _, _ in rows]),
                )
            )
            .tuples()
            .all()
        )
        if rows
        else {}
    )
    return [InvitationRow(inv, job, client, proposals.get(inv.job_id)) for inv, job, client in rows]


def job_invitations(session: Session, client: User, job_id: int) -> list[tuple[Invitation, User]]:
    job = _client_job(session, client, job_id)
    return [
        (inv, user)
        for inv, user in session.execute(
            select(Invitation, User)
            .join(User, User.id == Invitation.freelancer_id)
            .where(Invitation.job_id == job.id)
            .order_by(Invitation.created_at.desc())
        ).tuples()
    ]


@dataclass
class ApplyContext:
    job: Job
    client: User
    price: int
    invitation: Invitation | None
    balance: int
    auction_open: bool
    slot_bids: list[int]
    minimum_boost: int
    existing_proposal_id: int | None
    match: int


def apply_context(
    session: Session, settings: Settings, freelancer: User, job_id: int
) -> ApplyContext:
    """What the proposal form shows: the price (0 for an invitation), the balance, the boost
    board ("to enter the top 4 you need N Connects")."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("There is no such job.")
    client = session.get(User, job.client_id)
    assert client is not None
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.job_id == job.id, Invitation.freelancer_id == freelancer.id
        )
    )
    # Hidden jobs stay hidden (marketplace.md §2): removed ones, invite-only ones uninvited.
    if job.status == "removed" or (job.visibility == "invite_only" and invitation is None):
        raise NotFound("There is no such job.")
    pending = invitation if invitation is not None and invitation.status == "pending" else None
    bids = [b for b, _ in live_bids(session, job.id)]
    holders = boost_slot_holders(bids, settings.boost_slots)
    slot_bids = sorted((b.connects for b in bids if b.proposal_id in holders), reverse=True)
    existing = session.scalar(
        select(Proposal.id).where(
            Proposal.job_id == job.id, Proposal.freelancer_id == freelancer.id
        )
    )
    profile_skills = (
        freelancer.freelancer_profile.skill_slugs if freelancer.freelancer_profile else []
    )
    return ApplyContext(
        job=job,
        client=client,
        price=rules.proposal_price(job.connects_cost, pending is not None),
        invitation=invitation,
        balance=connects_balance(session, freelancer.id),
        auction_open=is_auction_open(settings, job),
        slot_bids=slot_bids,
        minimum_boost=rules.minimum_to_enter(bids, settings.boost_slots, settings.boost_min_bid),
        existing_proposal_id=existing,
        match=rules.match_percent(job.skill_slugs, profile_skills),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_freelancers(session: Session, text: str, limit: int = 20) -> list[User]:
    """Active freelancers whose name, handle, title or skills contain ``text`` (invite form)."""
    text = text.strip()[:100]
    if not text:
        return []
    like = f"%{_escape_like(text.lower())}%"
    slug = slugify(text)
    skill_ids = select(ProfileSkill.user_id).where(
        ProfileSkill.skill.like(f"%{_escape_like(slug)}%", escape="\\")
    )
    query = (
        select(User)
        .outerjoin(FreelancerProfile, FreelancerProfile.user_id == User.id)
        .where(
            User.role == "freelancer",
            User.status == "active",
            or_(
                func.lower(User.name).like(like, escape="\\"),
                func.lower(User.handle).like(like, escape="\\"),
                func.lower(FreelancerProfile.title).like(like, escape="\\"),
                *([User.id.in_(skill_ids)] if slug else []),
            ),
        )
        .order_by(User.name, User.id)
        .limit(limit)
    )
    return list(session.scalars(query))
