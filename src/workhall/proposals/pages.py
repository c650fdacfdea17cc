"""Proposal pages: the proposal form, My proposals, a proposal's page, the client's ranked list
with the invite form, and the freelancer's invitations (quality.md §3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from workhall.accounts.models import User
from workhall.accounts.page_helpers import transaction_gate
from workhall.core.errors import Problem, Unprocessable
from workhall.core.money import parse_dollars
from workhall.core.templating import form_action, redirect, render
from workhall.core.web import (
    Csrf,
    DbDep,
    PageClient,
    PageFreelancer,
    PageUser,
    SettingsDep,
    path_id,
    writes_on_get,
)
from workhall.jobs import rules as job_rules
from workhall.proposals import queries, rules, service
from workhall.reputation.queries import standing
from workhall.talent.queries import top_rated_suggestions

router = APIRouter()

# Form fields are read generously and checked by the service, so a too-long letter re-renders
# the form with a message instead of an error page.
LETTER_FIELD_MAX = 20_000


# --- the proposal form ------------------------------------------------------------------------


def _apply_page(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: User,
    job_id: int,
    form: dict[str, str],
    error: str | None = None,
    status: int = 200,
    payment_required: bool = False,
) -> Response:
    ctx = queries.apply_context(db, settings, user, job_id)
    return render(
        request,
        "proposals/apply.html",
        {
            "ctx": ctx,
            "job": ctx.job,
            "form": form,
            "error": error,
            "payment_required": payment_required,
            "durations": job_rules.DURATIONS,
            "cover_max": settings.cover_letter_max_length,
            "slots": settings.boost_slots,
            "full": ctx.job.proposal_count >= settings.job_max_proposals,
            "gate": transaction_gate(settings, user, "send proposals", f"/jobs/{job_id}/apply"),
        },
        status_code=status,
    )


@router.get("/jobs/{job_id}/apply")
def apply_form(
    job_id: int, request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep
) -> Response:
    ctx = queries.apply_context(db, settings, user, path_id(job_id))
    if ctx.existing_proposal_id is not None:
        return redirect(
            f"/proposals/{ctx.existing_proposal_id}",
            request,
            "You already sent a proposal to this job.",
            "info",
        )
    return _apply_page(
        request, db, settings, user, job_id, {"bid": "", "cover_letter": "", "boost": ""}
    )


@router.post("/jobs/{job_id}/apply", dependencies=[Csrf])
def apply(
    job_id: int,
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    cover_letter: Annotated[str, Form(max_length=LETTER_FIELD_MAX)] = "",
    bid: Annotated[str, Form(max_length=30)] = "",
    boost: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = {"bid": bid, "cover_letter": cover_letter, "boost": boost}
    path_id(job_id)
    try:
        try:
            bid_cents = parse_dollars(bid)
        except ValueError:
            raise Unprocessable("Enter your bid in dollars, like 250 or 42.50.") from None
        boost_text = boost.strip()
        if boost_text and not boost_text.isdigit():
            raise Unprocessable("The boost is a whole number of Connects.")
        boost_connects = int(boost_text) if boost_text else 0
        done = service.submit_proposal(
            db, settings, user, job_id, cover_letter, bid_cents, boost_connects
        )
    except Problem as exc:
        db.rollback()
        return _apply_page(
            request,
            db,
            settings,
            user,
            job_id,
            form,
            exc.detail,
            status=400,
            payment_required=exc.status == 402,
        )
    spent = done.connects_spent
    return redirect(
        f"/proposals/{done.proposal.id}",
        request,
        f"Proposal sent ({spent} Connects). You have {done.balance} left.",
    )


# --- the freelancer's proposals -----------------------------------------------------------------


@router.get("/proposals")
def my_proposals(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    tab: Annotated[str, Query(max_length=20)] = "active",
) -> Response:
    if tab not in queries.FREELANCER_TABS:
        tab = "active"
    rows = queries.freelancer_proposals(db, settings, user, tab=tab)
    return render(
        request,
        "proposals/mine.html",
        {
            "rows": rows,
            "tab": tab,
            "counts": queries.tab_counts(db, user),
            "minimums": {
                r.proposal.id: service.minimum_boost(db, settings, r.job.id, r.proposal.id)
                for r in rows
                if r.auction_open and r.proposal.status == "submitted"
            },
        },
    )


@router.get("/proposals/{proposal_id}")
@writes_on_get
def proposal_page(
    proposal_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    proposal, job = queries.proposal_for(db, user, path_id(proposal_id))
    is_client = user.id == job.client_id
    if is_client:
        proposal = service.view_proposal(db, user, proposal.id, settings)
    freelancer = db.get(User, proposal.freelancer_id)
    assert freelancer is not None
    profile_skills = (
        freelancer.freelancer_profile.skill_slugs if freelancer.freelancer_profile else []
    )
    minimum = (
        service.minimum_boost(db, settings, job.id, proposal.id)
        if not is_client and service.is_auction_open(settings, job)
        else None
    )
    return render(
        request,
        "proposals/detail.html",
        {
            "p": proposal,
            "job": job,
            "freelancer": freelancer,
            "is_client": is_client,
            "match": rules.match_percent(job.skill_slugs, profile_skills),
            "standing": standing(db, freelancer.id),
            "holds_slot": queries.holds_slot(db, settings, proposal),
            "auction_open": service.is_auction_open(settings, job),
            "minimum": minimum,
        },
    )


def _back(request: Request, fallback: str) -> str:
    """Return to the page the form was on (same site only)."""
    ref = request.headers.get("referer", "")
    base = str(request.base_url)
    if ref.startswith(base):
        path = "/" + ref[len(base) :].lstrip("/")
        if not path.startswith("//"):
            return path[:500]
    return fallback


@router.post("/proposals/{proposal_id}/withdraw", dependencies=[Csrf])
def withdraw(
    proposal_id: int, request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep
) -> Response:
    back = _back(request, f"/proposals/{proposal_id}")
    return form_action(
        request,
        db,
        back,
        lambda: service.withdraw_proposal(db, settings, user, path_id(proposal_id)),
        "Proposal withdrawn. Any held boost is back in your balance.",
    )


@router.post("/proposals/{proposal_id}/boost", dependencies=[Csrf])
def boost(
    proposal_id: int,
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    connects: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    back = _back(request, f"/proposals/{proposal_id}")
    try:
        if not connects.strip().isdigit():
            raise Unprocessable("The boost is a whole number of Connects.")
        service.place_boost(db, settings, user, path_id(proposal_id), int(connects.strip()))
    except Problem as exc:
        db.rollback()
        return redirect(back, request, exc.detail, "error")
    return redirect(back, request, f"Your boost of {int(connects)} Connects holds a slot.")


# --- the client's side ------------------------------------------------------------------------


@router.post("/proposals/{proposal_id}/shortlist", dependencies=[Csrf])
def shortlist(
    proposal_id: int, request: Request, user: PageClient, db: DbDep, settings: SettingsDep
) -> Response:
    back = _back(request, f"/proposals/{proposal_id}")
    return form_action(
        request,
        db,
        back,
        lambda: service.shortlist(db, user, path_id(proposal_id), settings),
        "Added to your shortlist.",
    )


@router.post("/proposals/{proposal_id}/decline", dependencies=[Csrf])
def decline(
    proposal_id: int, request: Request, user: PageClient, db: DbDep, settings: SettingsDep
) -> Response:
    back = _back(request, f"/proposals/{proposal_id}")
    return form_action(
        request,
        db,
        back,
        lambda: service.decline(db, settings, user, path_id(proposal_id)),
        "Proposal declined.",
    )


def _client_page(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: User,
    job_id: int,
    tab: str,
    q: str,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    if tab not in queries.CLIENT_TABS:
        tab = "all"
    listing = queries.client_proposals(db, settings, user, job_id, tab)
    invited = queries.job_invitations(db, user, job_id)
    invited_ids = {inv.freelancer_id for inv, _ in invited}
    proposed_ids = {row.freelancer.id for row in listing.rows}
    found = queries.search_freelancers(db, q) if q else []
    return render(
        request,
        "proposals/client_list.html",
        {
            "job": listing.job,
            "rows": listing.rows,
            "counts": listing.counts,
            "tab": tab,
            "invited": invited,
            "invited_ids": invited_ids,
            "proposed_ids": proposed_ids,
            "q": q,
            "found": found,
            "suggestions": (
                top_rated_suggestions(db, listing.job, settings.top_rated_invitation_suggestions)
                if listing.job.top_rated_invitations
                else []
            ),
            "form": form or {},
            "error": error,
        },
        status_code=status,
    )


@router.get("/client/jobs/{job_id}/proposals")
def client_list(
    job_id: int,
    request: Request,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    tab: Annotated[str, Query(max_length=20)] = "all",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    return _client_page(request, db, settings, user, path_id(job_id), tab, q.strip())


@router.post("/client/jobs/{job_id}/invitations", dependencies=[Csrf])
def invite(
    job_id: int,
    request: Request,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    freelancer: Annotated[str, Form(max_length=40)] = "",
    message: Annotated[str, Form(max_length=4000)] = "",
    q: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        if not freelancer.strip():
            raise Unprocessable("Choose a freelancer to invite.")
        inv = service.invite_freelancer(
            db, settings, user, path_id(job_id), freelancer.strip(), message
        )
    except Problem as exc:
        db.rollback()
        return _client_page(
            request,
            db,
            settings,
            user,
            job_id,
            "all",
            q.strip(),
            {"freelancer": freelancer, "message": message},
            exc.detail,
            400,
        )
    invitee = db.get(User, inv.freelancer_id)
    name = invitee.name if invitee else "The freelancer"
    return redirect(
        f"/client/jobs/{job_id}/proposals",
        request,
        f"{name} is invited; their proposal will cost them no Connects.",
    )


# --- the freelancer's invitations ---------------------------------------------------------------


@router.get("/invitations")
def invitations(request: Request, user: PageFreelancer, db: DbDep) -> Response:
    rows = queries.freelancer_invitations(db, user)
    return render(request, "proposals/invitations.html", {"rows": rows})


@router.post("/invitations/{invitation_id}/decline", dependencies=[Csrf])
def decline_invitation(
    invitation_id: int, request: Request, user: PageFreelancer, db: DbDep
) -> Response:
    return form_action(
        request,
        db,
        "/invitations",
        lambda: service.respond_to_invitation(db, user, path_id(invitation_id)),
        "Invitation declined.",
    )
