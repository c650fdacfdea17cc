"""Proposal, boost and invitation API (interfaces.md §1, marketplace.md §3–§4)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.errors import documented_problems
from workhall.core.idempotency import run_idempotent
from workhall.core.settings import Settings
from workhall.core.web import ApiFreelancer, ApiUser, DbDep, SettingsDep, writes_on_get
from workhall.jobs.models import Job
from workhall.proposals import queries, service
from workhall.proposals.models import Invitation, Proposal
from workhall.proposals.schemas import (
    MAX_ID,
    BoostIn,
    BoostOut,
    ClientListOut,
    ClientProposalOut,
    FreelancerSummary,
    InvitationIn,
    InvitationListOut,
    InvitationOut,
    ProposalIn,
    ProposalListOut,
    ProposalOut,
    SubmittedOut,
    Timestamps,
)

router = APIRouter(tags=["proposals"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]


_problems = documented_problems(
    {
        402: "Not enough Connects (with price and balance)",
    }
)


def _timestamps(p: Proposal) -> Timestamps:
    return Timestamps(
        submitted_at=p.submitted_at,
        viewed_at=p.viewed_at,
        shortlisted_at=p.shortlisted_at,
        interviewing_at=p.interviewing_at,
        hired_at=p.hired_at,
        declined_at=p.declined_at,
        withdrawn_at=p.withdrawn_at,
        archived_at=p.archived_at,
    )


def proposal_out(db: Session, settings: Settings, p: Proposal, job: Job) -> ProposalOut:
    return ProposalOut(
        id=p.id,
        job_id=p.job_id,
        job_title=job.title,
        status=p.status,
        cover_letter=p.cover_letter,
        bid_cents=p.bid_cents,
        connects_price=p.connects_price,
        price_refunded=p.price_refunded_at is not None,
        invitation_id=p.invitation_id,
        boost=BoostOut(
            connects=p.boost_connects,
            state=p.boost_state,  # type: ignore[arg-type]
            placed_at=p.boost_placed_at,
            holds_slot=queries.holds_slot(db, settings, p),
        ),
        auction_open=service.is_auction_open(settings, job),
        timestamps=_timestamps(p),
    )


def _summary(user: User) -> FreelancerSummary:
    profile = user.freelancer_profile
    return FreelancerSummary(
        id=user.id,
        handle=user.handle,
        name=user.name,
        title=profile.title if profile else "",
        hourly_rate_cents=profile.hourly_rate_cents if profile else None,
        country=user.country,
        identity_verified=user.identity_verified_at is not None,
        phone_verified=user.phone_verified_at is not None,
        skills=profile.skill_slugs if profile else [],
    )


def client_out(p: Proposal, user: User, match: int, boosted: bool) -> ClientProposalOut:
    return ClientProposalOut(
        id=p.id,
        job_id=p.job_id,
        status=p.status,
        cover_letter=p.cover_letter,
        bid_cents=p.bid_cents,
        boosted=boosted,
        match_percent=match,
        answers_invitation=p.invitation_id is not None,
        freelancer=_summary(user),
        timestamps=_timestamps(p),
    )


def _client_view(db: Session, settings: Settings, p: Proposal, job: Job) -> ClientProposalOut:
    user = db.get(User, p.freelancer_id)
    assert user is not None
    profile_skills = user.freelancer_profile.skill_slugs if user.freelancer_profile else []
    return client_out(
        p,
        user,
        service.rules.match_percent(job.skill_slugs, profile_skills),
        queries.holds_slot(db, settings, p),
    )


# --- proposals --------------------------------------------------------------------------------


@router.post(
    "/jobs/{job_id}/proposals",
    status_code=201,
    response_model=SubmittedOut,
    responses=_problems(401, 402, 403, 404, 409, 422),
)
def submit(
    job_id: Id, body: ProposalIn, request: Request, user: ApiUser, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    """Send a proposal: spends the job's Connects price (0 when answering an invitation) and
    holds the optional boost, in one transaction. Accepts ``Idempotency-Key``. A closed or full
    job is a 409."""

    def action() -> tuple[int, Any]:
        done = service.submit_proposal(
            db, settings, user, job_id, body.cover_letter, body.bid_cents, body.boost_connects
        )
        job = db.get(Job, job_id)
        assert job is not None
        out = proposal_out(db, settings, done.proposal, job)
        return 201, SubmittedOut(
            **out.model_dump(), connects_spent=done.connects_spent, balance=done.balance
        ).model_dump(mode="json")

    return run_idempotent(db, request, user.id, body.model_dump(), action)


@router.get(
    "/jobs/{job_id}/proposals",
    response_model=ClientListOut,
    responses=_problems(401, 403, 404, 422),
)
def list_for_client(
    job_id: Id,
    user: ApiUser,
    db: DbDep,
    settings: SettingsDep,
    tab: Annotated[str, Query(max_length=20)] = "all",
) -> ClientListOut:
    """The job's proposals for its client only, ranked (marketplace.md §3): boosted slot
    holders first, then by match. Listing is not a view."""
    found = queries.client_proposals(db, settings, user, job_id, tab)
    return ClientListOut(
        job_id=found.job.id,
        tab=tab,
        counts=found.counts,
        items=[client_out(r.proposal, r.freelancer, r.match, r.boosted) for r in found.rows],
    )


@router.get("/me/proposals", response_model=ProposalListOut, responses=_problems(401, 403, 422))
def my_proposals(
    user: ApiFreelancer,
    db: DbDep,
    settings: SettingsDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    tab: Annotated[str | None, Query(max_length=20)] = None,
) -> ProposalListOut:
    rows = queries.freelancer_proposals(db, settings, user, tab=tab, status=status)
    return ProposalListOut(items=[proposal_out(db, settings, r.proposal, r.job) for r in rows])


@router.get(
    "/proposals/{proposal_id}",
    response_model=ProposalOut | ClientProposalOut,
    responses=_problems(401, 403, 404),
)
@writes_on_get
def get_proposal(
    proposal_id: Id, user: ApiUser, db: DbDep, settings: SettingsDep
) -> ProposalOut | ClientProposalOut:
    """Its freelancer sees it whole; the job's client sees it without the boost amount, and
    the client's first read marks it viewed (marketplace.md §3)."""
    proposal, job = queries.proposal_for(db, user, proposal_id)
    if user.id == proposal.freelancer_id:
        return proposal_out(db, settings, proposal, job)
    proposal = service.view_proposal(db, user, proposal_id, settings)
    return _client_view(db, settings, proposal, job)


@router.post(
    "/proposals/{proposal_id}/withdraw",
    response_model=ProposalOut,
    responses=_problems(401, 403, 404, 409),
)
def withdraw(proposal_id: Id, user: ApiUser, db: DbDep, settings: SettingsDep) -> ProposalOut:
    """Withdraw (owner only). The price stays spent (§4.4); a held boost comes back (§4.5)."""
    proposal = service.withdraw_proposal(db, settings, user, proposal_id)
    job = db.get(Job, proposal.job_id)
    assert job is not None
    return proposal_out(db, settings, proposal, job)


@router.post(
    "/proposals/{proposal_id}/boost",
    response_model=ProposalOut,
    responses=_problems(401, 402, 403, 404, 409, 422),
)
def boost(
    proposal_id: Id,
    body: BoostIn,
    request: Request,
    user: ApiUser,
    db: DbDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Bid (or raise the bid) for a boosted slot while the auction is open (§4.5). A bid that
    would not reach the top slots is refused with 409 and the ``minimum``. Accepts
    ``Idempotency-Key``."""

    def action() -> tuple[int, Any]:
        service.place_boost(db, settings, user, proposal_id, body.connects)
        proposal, job = queries.proposal_for(db, user, proposal_id)
        return 200, proposal_out(db, settings, proposal, job).model_dump(mode="json")

    return run_idempotent(db, request, user.id, body.model_dump(), action)


@router.post(
    "/proposals/{proposal_id}/shortlist",
    response_model=ClientProposalOut,
    responses=_problems(401, 403, 404, 409),
)
def shortlist(
    proposal_id: Id, user: ApiUser, db: DbDep, settings: SettingsDep
) -> ClientProposalOut:
    proposal = service.shortlist(db, user, proposal_id, settings)
    job = db.get(Job, proposal.job_id)
    assert job is not None
    return _client_view(db, settings, proposal, job)


@router.post(
    "/proposals/{proposal_id}/decline",
    response_model=ClientProposalOut,
    responses=_problems(401, 403, 404, 409),
)
def decline(proposal_id: Id, user: ApiUser, db: DbDep, settings: SettingsDep) -> ClientProposalOut:
    proposal = service.decline(db, settings, user, proposal_id)
    job = db.get(Job, proposal.job_id)
    assert job is not None
    return _client_view(db, settings, proposal, job)


# --- invitations ------------------------------------------------------------------------------


def invitation_out(inv: Invitation, job: Job, proposal_id: int | None = None) -> InvitationOut:
    return InvitationOut(
        id=inv.id,
        job_id=inv.job_id,
        job_title=job.title,
        client_id=inv.client_id,
        freelancer_id=inv.freelancer_id,
        message=inv.message,
        status=inv.status,
        created_at=inv.created_at,
        responded_at=inv.responded_at,
        proposal_id=proposal_id,
    )


@router.post(
    "/jobs/{job_id}/invitations",
    status_code=201,
    response_model=InvitationOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def invite(
    job_id: Id, body: InvitationIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> InvitationOut:
    """Invite a freelancer (by handle or id) to the client's open job; their proposal will
    cost no Connects (§3)."""
    inv = service.invite_freelancer(db, settings, user, job_id, body.freelancer, body.message)
    job = db.get(Job, job_id)
    assert job is not None
    return invitation_out(inv, job)


@router.get("/me/invitations", response_model=InvitationListOut, responses=_problems(401, 403, 422))
def my_invitations(
    user: ApiFreelancer,
    db: DbDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> InvitationListOut:
    rows = queries.freelancer_invitations(db, user, status)
    return InvitationListOut(
        items=[invitation_out(r.invitation, r.job, r.proposal_id) for r in rows]
    )


@router.post(
    "/invitations/{invitation_id}/decline",
    response_model=InvitationOut,
    responses=_problems(401, 403, 404, 409),
)
def decline_invitation(invitation_id: Id, user: ApiUser, db: DbDep) -> InvitationOut:
    inv = service.respond_to_invitation(db, user, invitation_id)
    job = db.get(Job, inv.job_id)
    assert job is not None
    return invitation_out(inv, job)
