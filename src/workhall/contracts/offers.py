"""Offer writes (marketplace.md §5): send, accept (which creates the contract), decline,
withdraw, expire.

Each function runs in the caller's unit of work and never commits. Lock order: the offer row,
then (on acceptance) the job row and the proposal row through the jobs and proposals services.
Nothing locks a job and then an offer, so the order never crosses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.accounts.service import require_can_transact
from workhall.audit.service import record
from workhall.contracts import rules
from workhall.contracts.models import Contract, ContractEvent, Milestone, Offer, OfferMilestone
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.jobs.models import Job
from workhall.jobs.service import record_hire
from workhall.notifications.service import notify
from workhall.proposals.models import Invitation, Proposal
from workhall.proposals.service import (
    clean_text,
    find_freelancer,
    linked,
    mark_hired,
    view_proposal,
)


@dataclass(frozen=True)
class OfferDraft:
    """What the client typed; checked by ``rules.offer_problems``."""

    title: str
    description: str = ""
    kind: str = "fixed"
    milestones: Sequence[rules.MilestoneTerms] = field(default_factory=tuple)
    hourly_rate_cents: int | None = None
    weekly_limit_hours: int | None = None
    keep_hiring: bool | None = None  # None: the job's own "keep hiring" setting decides


def term_limits(settings: Settings) -> rules.TermLimits:
    return rules.TermLimits(
        milestones_max=settings.offer_max_milestones,
        milestone_min_cents=settings.milestone_min_cents,
        milestone_max_cents=settings.milestone_max_cents,
        rate_min_cents=settings.offer_hourly_rate_min_cents,
        rate_max_cents=settings.offer_hourly_rate_max_cents,
        weekly_min_hours=settings.offer_weekly_limit_min_hours,
        weekly_max_hours=settings.offer_weekly_limit_max_hours,
    )


def check_terms(settings: Settings, draft: OfferDraft) -> rules.OfferTerms:
    """Clean the typed text and check the terms; 422 naming the first field at fault."""
    milestones = tuple(
        rules.MilestoneTerms(clean_text(m.title, "milestones"), m.amount_cents, m.due_date)
        for m in draft.milestones
    )
    terms = rules.OfferTerms(
        title=clean_text(draft.title, "title"),
        description=clean_text(draft.description, "description"),
        kind=draft.kind,
        milestones=milestones,
        hourly_rate_cents=draft.hourly_rate_cents,
        weekly_limit_hours=draft.weekly_limit_hours,
    )
    problems = rules.offer_problems(terms, term_limits(settings), utcnow().date())
    if problems:
        fld, message = problems[0]
        raise Unprocessable(
            message, field=fld, errors=[{"field": f, "message": m} for f, m in problems]
        )
    return terms


def _lock_offer(session: Session, offer_id: int) -> Offer:
    return lock_row(session, Offer, offer_id, "There is no such offer.")


def _party_offer(session: Session, user: User, offer_id: int, role: str) -> Offer:
    """The offer locked, for its ``role`` party: 404 for strangers, 403 for the other party."""
    found = session.get(Offer, offer_id)
    if found is None or user.id not in (found.client_id, found.freelancer_id):
        raise NotFound("There is no such offer.")
    if (role == "client" and user.id != found.client_id) or (
        role == "freelancer" and user.id != found.freelancer_id
    ):
        raise Forbidden(f"Only the {role} of this offer can do this.")
    return _lock_offer(session, offer_id)


def _move(offer: Offer, action: str, actor: str) -> None:
    now = utcnow()
    if rules.offer_expired(offer.status, offer.expires_at, now) and action != "expire":
        raise Conflict("This offer has expired.", status_now="expired")
    try:
        offer.status = rules.offer_move(offer.status, action, actor)
    except rules.IllegalMove as exc:
        raise Conflict(f"{str(exc).capitalize()}.", status_now=offer.status) from exc
    setattr(offer, f"{offer.status}_at", now)


# --- sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    freelancer: User
    job: Job | None
    proposal: Proposal | None
    invitation_id: int | None


def _proposal_on(session: Session, job_id: int, freelancer_id: int) -> Proposal | None:
    return session.scalar(
        select(Proposal).where(Proposal.job_id == job_id, Proposal.freelancer_id == freelancer_id)
    )


def _own_job(session: Session, client: User, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("There is no such job.", field="job_id")
    if job.client_id != client.id:
        raise Forbidden("You can only make offers for your own jobs.", field="job_id")
    return job


def _target(
    session: Session,
    settings: Settings,
    client: User,
    *,
    proposal_id: int | None,
    invitation_id: int | None,
    freelancer: str | int | None,
    job_id: int | None,
) -> _Target:
    sources = sum(x is not None for x in (proposal_id, invitation_id, freelancer))
    if sources != 1:
        raise Unprocessable(
            "Make an offer from one proposal, one invitation, or to one freelancer.",
            field="freelancer",
        )
    proposal: Proposal | None = None
    if proposal_id is not None:
        # spec: marketplace.md §3 — making an offer from a proposal counts as a view.
        proposal = view_proposal(session, client, proposal_id, settings)
        job = session.get(Job, proposal.job_id)
        user = session.get(User, proposal.freelancer_id)
        assert job is not None and user is not None
        return _Target(user, job, proposal, proposal.invitation_id)
    if invitation_id is not None:
        inv = session.get(Invitation, invitation_id)
        if inv is None or inv.client_id != client.id:
            raise NotFound("There is no such invitation.", field="invitation_id")
        job = session.get(Job, inv.job_id)
        user = session.get(User, inv.freelancer_id)
        assert job is not None and user is not None
        found = _proposal_on(session, job.id, user.id)
        if found is not None:
            proposal = view_proposal(session, client, found.id, settings)
        return _Target(user, job, proposal, inv.id)
    assert freelancer is not None
    user = find_freelancer(session, freelancer)
    if user is None:
        raise NotFound("There is no freelancer with this handle.", field="freelancer")
    job = _own_job(session, client, job_id) if job_id is not None else None
    if job is not None:
        found = _proposal_on(session, job.id, user.id)
        if found is not None:
            proposal = view_proposal(session, client, found.id, settings)
    return _Target(user, job, proposal, None)


def send_offer(
    session: Session,
    settings: Settings,
    client: User,
    draft: OfferDraft,
    *,
    proposal_id: int | None = None,
    invitation_id: int | None = None,
    freelancer: str | int | None = None,
    job_id: int | None = None,
) -> Offer:
    """Send an offer (marketplace.md §5) from a proposal, from an invitation, or directly to a
    freelancer (handle or id) for one of the client's jobs or without a job.

    The client needs an active account with a confirmed email and a verified phone; linked
    accounts cannot hire each other (§1). Raises 403 (role, account, linked, not the client's
    job), 404 (proposal, invitation, job or freelancer), 409 (job closed, proposal no longer
    active, freelancer unavailable, a pending offer for the same job), 422 (terms). Opening a
    proposal this way locks its job and proposal rows (a view, §3); nothing else is locked.
    """
    if not client.is_client:
        raise Forbidden("Only clients can make offers.")
    require_can_transact(settings, client, "make offers")
    terms = check_terms(settings, draft)
    target = _target(
        session,
        settings,
        client,
        proposal_id=proposal_id,
        invitation_id=invitation_id,
        freelancer=freelancer,
        job_id=job_id,
    )
    fl, job, proposal = target.freelancer, target.job, target.proposal
    if linked(client, fl):
        raise Forbidden("You cannot hire your own or a linked account.")
    if fl.status != "active":
        raise Conflict("This freelancer cannot be hired right now.")
    if job is not None and job.status != "open":
        raise Conflict(f"This job is {job.status}; it cannot hire.", job_status=job.status)
    if proposal is not None and not proposal.is_active:
        raise Conflict(
            f"This proposal is {proposal.status}; make the offer without it.",
            status_now=proposal.status,
        )
    now = utcnow()
    if job is not None:
        pending = session.scalar(
            select(Offer.id).where(
                Offer.job_id == job.id,
                Offer.freelancer_id == fl.id,
                Offer.status == "pending",
                Offer.expires_at > now,
            )
        )
        if pending is not None:
            raise Conflict(
                "You already have a pending offer to this freelancer for this job.",
                offer_id=pending,
            )
    offer = Offer(
        client_id=client.id,
        freelancer_id=fl.id,
        job_id=job.id if job else None,
        proposal_id=proposal.id if proposal else None,
        invitation_id=target.invitation_id,
        title=terms.title,
        description=terms.description,
        kind=terms.kind,
        hourly_rate_cents=terms.hourly_rate_cents,
        weekly_limit_hours=terms.weekly_limit_hours,
        keep_hiring=draft.keep_hiring if job is not None else None,
        status="pending",
        created_at=now,
        expires_at=rules.offer_expires_at(now, settings.offer_expiry_days),
    )
    session.add(offer)
    session.flush()
    for position, m in enumerate(terms.milestones, start=1):
        session.add(
            OfferMilestone(
                offer_id=offer.id,
                position=position,
                title=m.title,
                amount_cents=m.amount_cents,
                due_date=m.due_date,
            )
        )
    session.flush()
    record(session, "offer.sent", "offer", offer.id, actor_id=client.id, freelancer_id=fl.id)
    notify(
        session,
        fl,
        "offer",
        f"{client.name} sent you an offer: “{terms.title}”",
        f"/offers/{offer.id}",
    )
    return offer


# --- the freelancer's answer --------------------------------------------------------------------


def offer_milestones(session: Session, offer_id: int) -> list[OfferMilestone]:
    return list(
        session.scalars(
            select(OfferMilestone)
            .where(OfferMilestone.offer_id == offer_id)
            .order_by(OfferMilestone.position)
        )
    )


def accept_offer(session: Session, settings: Settings, freelancer: User, offer_id: int) -> Contract:
    """Accept a pending offer: the contract starts with the offer's terms and milestones, the
    proposal becomes ``hired`` and the job records the hire (``filled`` unless the offer keeps
    it open), in that order (marketplace.md §5, §3, §2).

    Locks the offer row, then the job row and the proposal row. Raises 403 (not the offer's
    freelancer, account, linked), 404, 409 (not pending, expired, job closed, proposal no
    longer active).
    """
    require_can_transact(settings, freelancer, "accept offers")
    offer = _party_offer(session, freelancer, offer_id, "freelancer")
    _move(offer, "accept", "freelancer")
    client = session.get(User, offer.client_id)
    assert client is not None
    if client.status in ("suspended", "closed"):
        raise Conflict("This client's account cannot hire right now.")
    if linked(client, freelancer):
        raise Forbidden("You cannot work for your own or a linked account.")
    if offer.job_id is not None:
        job = session.get(Job, offer.job_id)
        assert job is not None
        if job.status != "open":
            raise Conflict(
                f"The job of this offer is {job.status}; the client can send a new offer.",
                job_status=job.status,
            )
    if offer.proposal_id is not None:
        proposal = session.get(Proposal, offer.proposal_id)
        assert proposal is not None
        mark_hired(session, proposal, settings)
    if offer.job_id is not None:
        # spec: marketplace.md §2 — the offer says whether the job stays open after this hire.
        record_hire(session, settings, offer.job_id, keep_hiring=offer.keep_hiring)
    now = offer.accepted_at or utcnow()
    contract = Contract(
        client_id=offer.client_id,
        freelancer_id=offer.freelancer_id,
        job_id=offer.job_id,
        proposal_id=offer.proposal_id,
        offer_id=offer.id,
        kind=offer.kind,
        title=offer.title,
        description=offer.description,
        hourly_rate_cents=offer.hourly_rate_cents,
        weekly_limit_hours=offer.weekly_limit_hours,
        status="active",
        started_at=now,
    )
    session.add(contract)
    session.flush()
    for m in offer_milestones(session, offer.id):
        session.add(
            Milestone(
                contract_id=contract.id,
                position=m.position,
                title=m.title,
                amount_cents=m.amount_cents,
                due_date=m.due_date,
                status="pending",
                created_at=now,
            )
        )
    offer.contract_id = contract.id
    session.add(
        ContractEvent(
            contract_id=contract.id, at=now, actor_id=freelancer.id, kind="contract_started"
        )
    )
    session.flush()
    record(session, "offer.accepted", "offer", offer.id, actor_id=freelancer.id)
    notify(
        session,
        client,
        "offer_accepted",
        f"{freelancer.name} accepted your offer “{offer.title}”. The contract has started.",
        f"/contracts/{contract.id}",
    )
    return contract


def decline_offer(
    session: Session, settings: Settings, freelancer: User, offer_id: int, reason: str = ""
) -> Offer:
    """Decline a pending offer, with an optional reason (≤ 1,000 characters) shown to the
    client. Locks the offer row."""
    text = clean_text(reason, "reason")
    if len(text) > 1000:
        raise Unprocessable("The reason is at most 1,000 characters.", field="reason")
    offer = _party_offer(session, freelancer, offer_id, "freelancer")
    _move(offer, "decline", "freelancer")
    offer.decline_reason = text
    client = session.get(User, offer.client_id)
    assert client is not None
    notify(
        session,
        client,
        "offer_declined",
        f"{freelancer.name} declined your offer “{offer.title}”.",
        f"/offers/{offer.id}",
    )
    return offer


def withdraw_offer(session: Session, settings: Settings, client: User, offer_id: int) -> Offer:
    """The client takes back a pending offer. Locks the offer row."""
    offer = _party_offer(session, client, offer_id, "client")
    _move(offer, "withdraw", "client")
    freelancer = session.get(User, offer.freelancer_id)
    assert freelancer is not None
    notify(
        session,
        freelancer,
        "offer_withdrawn",
        f"{client.name} withdrew the offer “{offer.title}”.",
        f"/offers/{offer.id}",
        email=False,
    )
    return offer


def expire_offers(session: Session, settings: Settings, limit: int | None = None) -> int:
    """Mark pending offers ``expired`` from ``expires_at`` on (docs/contracts.md: 14 days).

    Each offer is claimed by a conditional UPDATE, so two workers expire it once. Returns how
    many expired."""
    now = utcnow()
    ids = session.scalars(
        select(Offer.id)
        .where(Offer.status == "pending", Offer.expires_at <= now)
        .order_by(Offer.expires_at, Offer.id)
        .limit(limit or settings.contracts_task_batch_size)
    ).all()
    done = 0
    for offer_id in ids:
        claimed = session.execute(
            update(Offer)
            .where(Offer.id == offer_id, Offer.status == "pending")
            .values(status="expired", expired_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        done += 1
        offer = session.get(Offer, offer_id)
        client = session.get(User, offer.client_id) if offer else None
        if offer is not None and client is not None:
            session.refresh(offer)
            notify(
                session,
                client,
                "offer_expired",
                f"Your offer “{offer.title}” expired without an answer.",
                f"/offers/{offer.id}",
                email=False,
            )
    return done
