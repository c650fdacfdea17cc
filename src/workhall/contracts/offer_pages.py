"""Offer pages: the offer form (from a proposal, an invitation or to a freelancer), the offers
lists and an offer's page with Accept / Decline / Withdraw (marketplace.md §5, quality.md §3).
Included by ``workhall.contracts.pages``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.accounts.page_helpers import transaction_gate
from workhall.contracts import offers, queries, rules
from workhall.contracts.models import DESCRIPTION_MAX, REASON_MAX, TITLE_MAX
from workhall.core.errors import Forbidden, NotFound, Problem, Unprocessable
from workhall.core.money import parse_dollars
from workhall.core.settings import Settings
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, PageClient, PageFreelancer, PageUser, SettingsDep
from workhall.jobs.models import Job
from workhall.proposals.models import Invitation
from workhall.proposals.queries import proposal_for
from workhall.proposals.service import find_freelancer

router = APIRouter()

MAX_ID = 9_223_372_036_854_775_807
FIELD_MAX = 20_000  # form text is read generously and checked by the service


def page_id(value: int) -> int:
    """Path ids beyond what the databases store are simply not found."""
    if not 1 <= value <= MAX_ID:
        raise NotFound("Not found.")
    return value


def _opt_id(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise NotFound("Not found.")
    return page_id(int(text))


# --- the offer form -----------------------------------------------------------------------------


@dataclass
class Source:
    """Who the offer goes to and where it comes from, as the form carries it."""

    freelancer: User
    job: Job | None
    proposal_id: int | None = None
    invitation_id: int | None = None
    bid_cents: int | None = None

    def service_args(self) -> dict[str, int | None]:
        """The one source ``offers.send_offer`` takes."""
        if self.proposal_id is not None:
            return {"proposal_id": self.proposal_id}
        if self.invitation_id is not None:
            return {"invitation_id": self.invitation_id}
        return {"freelancer": self.freelancer.id, "job_id": self.job.id if self.job else None}


def _source(
    db: Session, client: User, proposal: str, invitation: str, freelancer: str, job: str
) -> Source:
    proposal_id, invitation_id = _opt_id(proposal), _opt_id(invitation)
    if proposal_id is not None:
        p, p_job = proposal_for(db, client, proposal_id)
        if p_job.client_id != client.id:
            raise Forbidden("Only the client of this job can make an offer from it.")
        fl = db.get(User, p.freelancer_id)
        assert fl is not None
        return Source(fl, p_job, proposal_id=p.id, bid_cents=p.bid_cents)
    if invitation_id is not None:
        inv = db.get(Invitation, invitation_id)
        if inv is None or inv.client_id != client.id:
            raise NotFound("There is no such invitation.")
        fl = db.get(User, inv.freelancer_id)
        assert fl is not None
        return Source(fl, db.get(Job, inv.job_id), invitation_id=inv.id)
    if not freelancer.strip():
        raise NotFound("Choose a freelancer to make an offer to.")
    fl = find_freelancer(db, freelancer.strip()[:40])
    if fl is None:
        raise NotFound("There is no freelancer with this handle.")
    job_row = None
    job_id = _opt_id(job)
    if job_id is not None:
        job_row = db.get(Job, job_id)
        if job_row is None or job_row.client_id != client.id:
            raise NotFound("There is no such job among yours.")
    return Source(fl, job_row)


def _blank_form(source: Source) -> dict[str, object]:
    hourly = source.job is not None and source.job.budget_type == "hourly"
    amount = ""
    if source.bid_cents and not hourly:
        amount = f"{source.bid_cents / 100:.2f}"
    elif source.job is not None and source.job.budget_cents and not hourly:
        amount = f"{source.job.budget_cents / 100:.2f}"
    rate = f"{source.bid_cents / 100:.2f}" if source.bid_cents and hourly else ""
    return {
        "title": source.job.title if source.job else "",
        "description": "",
        "kind": "hourly" if hourly else "fixed",
        "rate": rate,
        "weekly_limit": "40" if hourly else "",
        "keep_hiring": bool(source.job and source.job.keep_hiring),
        "milestones": [{"title": "Milestone 1", "amount": amount, "due": ""}],
    }


def _form_page(
    request: Request,
    settings: Settings,
    user: User,
    source: Source,
    form: dict[str, object],
    error: str | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "contracts/offer_form.html",
        {
            "source": source,
            "form": form,
            "error": error,
            "title_max": TITLE_MAX,
            "description_max": DESCRIPTION_MAX,
            "gate": transaction_gate(settings, user, "make offers", str(request.url.path)),
        },
        status_code=status,
    )


@router.get("/offers/new")
def offer_form(
    request: Request,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    proposal: Annotated[str, Query(max_length=20)] = "",
    invitation: Annotated[str, Query(max_length=20)] = "",
    freelancer: Annotated[str, Query(max_length=40)] = "",
    job: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    source = _source(db, user, proposal, invitation, freelancer, job)
    return _form_page(request, settings, user, source, _blank_form(source))


def _parse_milestones(
    titles: list[str], amounts: list[str], dues: list[str]
) -> list[rules.MilestoneTerms]:
    """The typed milestone rows as terms; rows left wholly blank are skipped."""
    terms: list[rules.MilestoneTerms] = []
    count = max(len(titles), len(amounts), len(dues))
    for i in range(min(count, 100)):
        title = titles[i] if i < len(titles) else ""
        amount = amounts[i] if i < len(amounts) else ""
        due = dues[i] if i < len(dues) else ""
        if not (title.strip() or amount.strip() or due.strip()):
            continue  # an empty row added by the script and left blank
        n = len(terms) + 1
        try:
            cents = parse_dollars(amount)
        except ValueError:
            raise Unprocessable(
                f"Enter milestone {n}'s amount in dollars, like 250 or 42.50."
            ) from None
        try:
            due_date = date.fromisoformat(due.strip()) if due.strip() else None
        except ValueError:
            raise Unprocessable(f"Milestone {n}'s due date is not a date.") from None
        terms.append(rules.MilestoneTerms(title, cents, due_date))
    return terms


@router.post("/offers/new", dependencies=[Csrf])
def send_offer(
    request: Request,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    proposal: Annotated[str, Form(max_length=20)] = "",
    invitation: Annotated[str, Form(max_length=20)] = "",
    freelancer: Annotated[str, Form(max_length=40)] = "",
    job: Annotated[str, Form(max_length=20)] = "",
    title: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    description: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    kind: Annotated[str, Form(max_length=10)] = "fixed",
    rate: Annotated[str, Form(max_length=30)] = "",
    weekly_limit: Annotated[str, Form(max_length=10)] = "",
    keep_hiring: Annotated[str, Form(max_length=5)] = "",
    milestone_title: Annotated[list[str] | None, Form()] = None,
    milestone_amount: Annotated[list[str] | None, Form()] = None,
    milestone_due: Annotated[list[str] | None, Form()] = None,
) -> Response:
    source = _source(db, user, proposal, invitation, freelancer, job)
    form: dict[str, object] = {
        "title": title,
        "description": description,
        "kind": kind,
        "rate": rate,
        "weekly_limit": weekly_limit,
        "keep_hiring": bool(keep_hiring),
        "milestones": [],
    }
    titles = [t[:FIELD_MAX] for t in (milestone_title or [])][:100]
    amounts = [a[:30] for a in (milestone_amount or [])][:100]
    dues = [d[:20] for d in (milestone_due or [])][:100]
    form["milestones"] = [
        {"title": t, "amount": a, "due": d} for t, a, d in zip(titles, amounts, dues, strict=False)
    ] or [{"title": "", "amount": "", "due": ""}]
    try:
        # An hourly offer ignores the milestone rows (visible when the script is off).
        terms = _parse_milestones(titles, amounts, dues) if kind == "fixed" else []
        draft = offers.OfferDraft(
            title=title,
            description=description,
            kind=kind,
            milestones=tuple(terms),
            hourly_rate_cents=_rate(rate) if kind == "hourly" else None,
            weekly_limit_hours=_hours(weekly_limit) if kind == "hourly" else None,
            keep_hiring=bool(keep_hiring) if source.job is not None else None,
        )
        offer = offers.send_offer(
            db,
            settings,
            user,
            draft,
            **source.service_args(),
        )
    except Problem as exc:
        db.rollback()
        return _form_page(request, settings, user, source, form, exc.detail, 400)
    return redirect(f"/offers/{offer.id}", request, f"Offer sent to {source.freelancer.name}.")


def _rate(text: str) -> int:
    try:
        return parse_dollars(text)
    except ValueError:
        raise Unprocessable("Enter the hourly rate in dollars, like 45 or 37.50.") from None


def _hours(text: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 4:
        raise Unprocessable("The weekly limit is a whole number of hours.")
    return int(text.strip())


# --- lists and one offer ----------------------------------------------------------------------


@router.get("/offers")
def offers_list(
    request: Request,
    user: PageUser,
    db: DbDep,
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    if user.is_staff:
        raise Forbidden("Offers belong to clients and freelancers.")
    chosen = (
        status if status in ("pending", "accepted", "declined", "withdrawn", "expired") else None
    )
    rows = queries.my_offers(db, user, status=chosen)
    return render(request, "contracts/offers.html", {"rows": rows, "status": chosen or ""})


@router.get("/offers/{offer_id}")
def offer_page(offer_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    view = queries.offer_for(db, user, page_id(offer_id))
    return render(request, "contracts/offer.html", {"v": view, "reason_max": REASON_MAX})


@router.post("/offers/{offer_id}/accept", dependencies=[Csrf])
def accept(
    offer_id: int, request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep
) -> Response:
    try:
        contract = offers.accept_offer(db, settings, user, page_id(offer_id))
    except Problem as exc:
        db.rollback()
        return redirect(f"/offers/{offer_id}", request, exc.detail, "error")
    return redirect(
        f"/contracts/{contract.id}", request, "Offer accepted — your contract has started."
    )


@router.post("/offers/{offer_id}/decline", dependencies=[Csrf])
def decline(
    offer_id: int,
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    try:
        offers.decline_offer(db, settings, user, page_id(offer_id), reason)
    except Problem as exc:
        db.rollback()
        return redirect(f"/offers/{offer_id}", request, exc.detail, "error")
    return redirect(f"/offers/{offer_id}", request, "Offer declined.")


@router.post("/offers/{offer_id}/withdraw", dependencies=[Csrf])
def withdraw(
    offer_id: int, request: Request, user: PageClient, db: DbDep, settings: SettingsDep
) -> Response:
    try:
        offers.withdraw_offer(db, settings, user, page_id(offer_id))
    except Problem as exc:
        db.rollback()
        return redirect(f"/offers/{offer_id}", request, exc.detail, "error")
    return redirect(f"/offers/{offer_id}", request, "Offer withdrawn.")
