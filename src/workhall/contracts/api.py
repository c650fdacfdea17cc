"""Offer and contract API (marketplace.md §5). Money-moving POSTs (fund, approve, escrow
refund) accept ``Idempotency-Key`` (§6.4). Only the two parties see an offer or a contract;
``trust_safety`` and ``admin`` staff may read them; anyone else gets 404."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts import offers, queries, returns, rules, service
from workhall.contracts.models import Contract, EscrowReturn, Milestone
from workhall.contracts.schemas import (
    MAX_ID,
    ChangesIn,
    ContractListOut,
    ContractOut,
    ContractSummaryOut,
    DeclineIn,
    EndIn,
    EscrowOut,
    EscrowReturnIn,
    EscrowReturnOut,
    MilestoneIn,
    MilestoneOut,
    OfferIn,
    OfferListOut,
    OfferMilestoneOut,
    OfferOut,
    Party,
    SubmitIn,
)
from workhall.core.errors import documented_problems
from workhall.core.idempotency import idempotency_key, run_idempotent
from workhall.core.settings import Settings
from workhall.core.web import ApiClient, ApiFreelancer, ApiUser, DbDep, SettingsDep

router = APIRouter(tags=["contracts"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]


_problems = documented_problems(
    {
        402: "Payment declined",
        403: "Not allowed (wrong party, account, no saved card)",
    }
)


def _party(user: User) -> Party:
    return Party(id=user.id, handle=user.handle, name=user.name)


def offer_out(view: queries.OfferView) -> OfferOut:
    o = view.offer
    return OfferOut(
        id=o.id,
        status=view.status,  # type: ignore[arg-type]
        client=_party(view.client),
        freelancer=_party(view.freelancer),
        job_id=o.job_id,
        proposal_id=o.proposal_id,
        invitation_id=o.invitation_id,
        title=o.title,
        description=o.description,
        kind=o.kind,  # type: ignore[arg-type]
        milestones=[
            OfferMilestoneOut(
                position=m.position, title=m.title, amount_cents=m.amount_cents, due_date=m.due_date
            )
            for m in view.milestones
        ],
        total_cents=view.total_cents if o.kind == "fixed" else None,
        hourly_rate_cents=o.hourly_rate_cents,
        weekly_limit_hours=o.weekly_limit_hours,
        keep_hiring=o.keep_hiring,
        created_at=o.created_at,
        expires_at=o.expires_at,
        accepted_at=o.accepted_at,
        declined_at=o.declined_at,
        withdrawn_at=o.withdrawn_at,
        expired_at=o.expired_at,
        decline_reason=o.decline_reason,
        contract_id=o.contract_id,
    )


def milestone_out(settings: Settings, m: Milestone) -> MilestoneOut:
    due = (
        rules.auto_approve_at(m.submitted_at, settings.auto_approve_days)
        if m.status == "submitted" and m.submitted_at and m.escrow_return_id is None
        else None
    )
    return MilestoneOut(
        id=m.id,
        contract_id=m.contract_id,
        position=m.position,
        title=m.title,
        amount_cents=m.amount_cents,
        due_date=m.due_date,
        status=m.status,  # type: ignore[arg-type]
        created_at=m.created_at,
        funded_at=m.funded_at,
        submitted_at=m.submitted_at,
        changes_requested_at=m.changes_requested_at,
        approved_at=m.approved_at,
        refunded_at=m.refunded_at,
        cancelled_at=m.cancelled_at,
        auto_approved=m.auto_approved,
        auto_approve_at=due,
        submission_count=m.submission_count,
        changes_requested_count=m.changes_requested_count,
        submission_message=m.submission_message,
        submission_link=m.submission_link,
        changes_message=m.changes_message,
        escrow_return_id=m.escrow_return_id,
    )


def escrow_return_out(r: EscrowReturn) -> EscrowReturnOut:
    return EscrowReturnOut(
        id=r.id,
        contract_id=r.contract_id,
        status=r.status,  # type: ignore[arg-type]
        amount_cents=r.amount_cents,
        refunded_cents=r.refunded_cents,
        message=r.message,
        requested_at=r.requested_at,
        respond_by=r.respond_by,
        resolved_at=r.resolved_at,
    )


def _summary_fields(c: Contract, client: User, freelancer: User) -> dict[str, Any]:
    return {
        "id": c.id,
        "kind": c.kind,
        "title": c.title,
        "status": c.status,
        "client": _party(client),
        "freelancer": _party(freelancer),
        "job_id": c.job_id,
        "started_at": c.started_at,
        "ended_at": c.ended_at,
    }


def contract_out(db: Session, settings: Settings, user: User, contract_id: int) -> ContractOut:
    view = queries.contract_view(db, settings, user, contract_id)
    c = view.contract
    e = view.escrow
    return ContractOut(
        **_summary_fields(c, view.client, view.freelancer),
        proposal_id=c.proposal_id,
        offer_id=c.offer_id,
        description=c.description,
        hourly_rate_cents=c.hourly_rate_cents,
        weekly_limit_hours=c.weekly_limit_hours,
        ended_by_id=c.ended_by_id,
        end_reason=c.end_reason,
        milestones=[milestone_out(settings, r.milestone) for r in view.milestones],
        escrow=EscrowOut(
            funded_cents=e.funded_cents,
            in_escrow_cents=e.in_escrow_cents,
            released_cents=e.released_cents,
            refunded_cents=e.refunded_cents,
        ),
        escrow_return=escrow_return_out(view.escrow_return) if view.escrow_return else None,
    )


# --- offers -----------------------------------------------------------------------------------


@router.post(
    "/offers",
    status_code=201,
    response_model=OfferOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def send_offer(body: OfferIn, user: ApiUser, db: DbDep, settings: SettingsDep) -> OfferOut:
    """Send an offer from a proposal (``proposal_id``), an invitation (``invitation_id``) or
    directly to a freelancer (``freelancer`` handle or id, optional ``job_id``): fixed price
    with 1–20 milestones (each ≥ $5) or hourly with a rate and a weekly limit. Pending offers
    expire after 14 days. Making an offer from a proposal counts as viewing it."""
    draft = offers.OfferDraft(
        title=body.title,
        description=body.description,
        kind=body.kind,
        milestones=tuple(
            rules.MilestoneTerms(m.title, m.amount_cents, m.due_date) for m in body.milestones
        ),
        hourly_rate_cents=body.hourly_rate_cents,
        weekly_limit_hours=body.weekly_limit_hours,
        keep_hiring=body.keep_hiring,
    )
    offer = offers.send_offer(
        db,
        settings,
        user,
        draft,
        proposal_id=body.proposal_id,
        invitation_id=body.invitation_id,
        freelancer=body.freelancer,
        job_id=body.job_id,
    )
    return offer_out(queries.offer_for(db, user, offer.id))


@router.get("/offers/{offer_id}", response_model=OfferOut, responses=_problems(401, 404))
def get_offer(offer_id: Id, user: ApiUser, db: DbDep) -> OfferOut:
    return offer_out(queries.offer_for(db, user, offer_id))


@router.get("/me/offers", response_model=OfferListOut, responses=_problems(401, 422))
def my_offers(
    user: ApiUser,
    db: DbDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    box: Annotated[str | None, Query(max_length=20)] = None,
) -> OfferListOut:
    """A freelancer's received offers (``box=received``, the default for freelancers) or a
    client's sent offers (``box=sent``)."""
    return OfferListOut(
        items=[offer_out(v) for v in queries.my_offers(db, user, box=box, status=status)]
    )


@router.post(
    "/offers/{offer_id}/accept",
    status_code=201,
    response_model=ContractOut,
    responses=_problems(401, 403, 404, 409),
)
def accept_offer(
    offer_id: Id, user: ApiFreelancer, db: DbDep, settings: SettingsDep
) -> ContractOut:
    """The freelancer accepts: the contract starts, the proposal becomes ``hired`` and the job
    records the hire (``filled`` unless the offer keeps it open)."""
    contract = offers.accept_offer(db, settings, user, offer_id)
    return contract_out(db, settings, user, contract.id)


@router.post(
    "/offers/{offer_id}/decline",
    response_model=OfferOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def decline_offer(
    offer_id: Id,
    user: ApiFreelancer,
    db: DbDep,
    settings: SettingsDep,
    body: DeclineIn | None = None,
) -> OfferOut:
    offers.decline_offer(db, settings, user, offer_id, body.reason if body else "")
    return offer_out(queries.offer_for(db, user, offer_id))


@router.post(
    "/offers/{offer_id}/withdraw", response_model=OfferOut, responses=_problems(401, 403, 404, 409)
)
def withdraw_offer(offer_id: Id, user: ApiClient, db: DbDep, settings: SettingsDep) -> OfferOut:
    offers.withdraw_offer(db, settings, user, offer_id)
    return offer_out(queries.offer_for(db, user, offer_id))


# --- contracts --------------------------------------------------------------------------------


@router.get("/contracts", response_model=ContractListOut, responses=_problems(401, 422))
def my_contracts(
    user: ApiUser, db: DbDep, status: Annotated[str, Query(max_length=20)] = "active"
) -> ContractListOut:
    """The signed-in user's contracts (``status`` active or ended), newest first."""
    rows = queries.my_contracts(db, user, status)
    return ContractListOut(
        items=[
            ContractSummaryOut(**_summary_fields(r.contract, r.client, r.freelancer)) for r in rows
        ]
    )


@router.get("/contracts/{contract_id}", response_model=ContractOut, responses=_problems(401, 404))
def get_contract(contract_id: Id, user: ApiUser, db: DbDep, settings: SettingsDep) -> ContractOut:
    return contract_out(db, settings, user, contract_id)


@router.post(
    "/contracts/{contract_id}/milestones",
    status_code=201,
    response_model=MilestoneOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def add_milestone(
    contract_id: Id, body: MilestoneIn, user: ApiClient, db: DbDep, settings: SettingsDep
) -> MilestoneOut:
    """The client adds an (unfunded) milestone to an active fixed-price contract."""
    m = service.add_milestone(
        db, settings, user, contract_id, body.title, body.amount_cents, body.due_date
    )
    return milestone_out(settings, m)


def _provider_key(request: Request, scope: str) -> str | None:
    """The payments service remembers a funding by key; scope the client's key by the
    milestone so one key can never fund two milestones."""
    key = idempotency_key(request)
    if key is None:
        return None
    return f"{scope}:{hashlib.sha256(key.encode()).hexdigest()[:48]}"


@router.post(
    "/milestones/{milestone_id}/fund",
    response_model=MilestoneOut,
    responses=_problems(401, 402, 403, 404, 409),
)
def fund(
    milestone_id: Id, request: Request, user: ApiClient, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    """Fund a pending milestone: the saved card is charged the amount + the 3% client fee and
    the amount is held in escrow. Accepts ``Idempotency-Key``."""

    def action() -> tuple[int, Any]:
        m = service.fund_milestone(
            db,
            settings,
            user,
            milestone_id,
            idempotency_key=_provider_key(request, f"milestone:{milestone_id}"),
        )
        return 200, milestone_out(settings, m).model_dump(mode="json")

    return run_idempotent(db, request, user.id, {"milestone": milestone_id}, action)


@router.post(
    "/milestones/{milestone_id}/submit",
    response_model=MilestoneOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def submit(
    milestone_id: Id, body: SubmitIn, user: ApiFreelancer, db: DbDep, settings: SettingsDep
) -> MilestoneOut:
    """The freelancer submits (or resubmits) work on a funded milestone."""
    m = service.submit_work(db, settings, user, milestone_id, body.message, body.link)
    return milestone_out(settings, m)


@router.post(
    "/milestones/{milestone_id}/approve",
    response_model=MilestoneOut,
    responses=_problems(401, 403, 404, 409),
)
def approve(
    milestone_id: Id, request: Request, user: ApiClient, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    """Approve a milestone holding escrow: it is released to the freelancer (the service fee
    applies; pending for 5 days). Accepts ``Idempotency-Key``."""

    def action() -> tuple[int, Any]:
        m = service.approve_milestone(db, settings, user, milestone_id)
        return 200, milestone_out(settings, m).model_dump(mode="json")

    return run_idempotent(db, request, user.id, {"milestone": milestone_id}, action)


@router.post(
    "/milestones/{milestone_id}/request-changes",
    response_model=MilestoneOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def request_changes(
    milestone_id: Id, body: ChangesIn, user: ApiClient, db: DbDep, settings: SettingsDep
) -> MilestoneOut:
    m = service.request_changes(db, settings, user, milestone_id, body.message)
    return milestone_out(settings, m)


@router.post(
    "/contracts/{contract_id}/end",
    response_model=ContractOut,
    responses=_problems(401, 404, 409, 422),
)
def end(
    contract_id: Id, user: ApiUser, db: DbDep, settings: SettingsDep, body: EndIn | None = None
) -> ContractOut:
    """Either party ends an active contract. Unfunded milestones are cancelled; escrow left
    stays until the client approves it or asks for it back."""
    service.end_contract(db, settings, user, contract_id, body.reason if body else "")
    return contract_out(db, settings, user, contract_id)


@router.post(
    "/contracts/{contract_id}/escrow-return",
    status_code=201,
    response_model=EscrowReturnOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def ask_escrow_back(
    contract_id: Id,
    user: ApiClient,
    db: DbDep,
    settings: SettingsDep,
    body: EscrowReturnIn | None = None,
) -> EscrowReturnOut:
    """The client of an ended contract asks for the escrow left: the freelancer refunds it or
    disputes within 7 days; with no answer it returns to the client."""
    r = returns.request_escrow_return(db, settings, user, contract_id, body.message if body else "")
    return escrow_return_out(r)


@router.post(
    "/escrow-returns/{request_id}/refund",
    response_model=EscrowReturnOut,
    responses=_problems(401, 403, 404, 409),
)
def refund(
    request_id: Id, request: Request, user: ApiFreelancer, db: DbDep, settings: SettingsDep
) -> JSONResponse:
    """The freelancer agrees to return the escrow to the client. Accepts ``Idempotency-Key``."""

    def action() -> tuple[int, Any]:
        r = returns.refund_escrow_return(db, settings, user, request_id)
        return 200, escrow_return_out(r).model_dump(mode="json")

    return run_idempotent(db, request, user.id, {"escrow_return": request_id}, action)
