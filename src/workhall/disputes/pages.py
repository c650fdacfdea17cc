"""Dispute pages (marketplace.md §5): the freelancer's "Open a dispute" page, the dispute's page
for both parties (timeline, the client's answer form with its due time, messages), and the
trust & safety queue and decision form.

Other pages link here: ``/disputes/new?milestone=ID`` (a milestone sent back for changes a
second time), ``/disputes/new?escrow_return=ID`` (the client asked the escrow back) and
``/disputes/new?invoice=ID`` (the client disputed an hourly invoice). Forms that fail
re-render with the message and status 400; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts.models import Contract
from workhall.core.clock import utcnow
from workhall.core.errors import Forbidden, NotFound, Problem, Unprocessable
from workhall.core.money import format_cents, parse_dollars
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, PageFreelancer, PageUser, SettingsDep
from workhall.disputes import rules, service
from workhall.disputes.models import ANSWER_MAX, MESSAGE_MAX, NOTES_MAX, REASON_MAX, Dispute
from workhall.disputes.schemas import MAX_ID
from workhall.disputes.service import Subject

router = APIRouter()

TEXT_FIELD_MAX = 20_000  # the form layer's bound; the service enforces the real limits
OUTCOME_LABELS = {
    "freelancer_won": "Freelancer won",
    "client_won": "Client won",
    "split": "Split",
}


def _id(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_ID:
        raise NotFound("Not found.")
    return value


def _view(db: Session, user: User, dispute: Dispute) -> dict[str, object]:
    contract = db.get(Contract, dispute.contract_id)
    names = {
        u.id: u.name
        for u in (db.get(User, dispute.client_id), db.get(User, dispute.freelancer_id))
        if u is not None
    }
    now = utcnow()
    return {
        "d": dispute,
        "contract": contract,
        "names": names,
        "dispute_messages": service.messages_of(db, dispute.id),
        "is_client": user.id == dispute.client_id,
        "is_agent": service.is_agent(user),
        "can_answer": user.id == dispute.client_id
        and rules.can_answer(dispute.status, dispute.answer_due, now) is None,
        "outcome_labels": OUTCOME_LABELS,
        "message_max": MESSAGE_MAX,
        "answer_max": ANSWER_MAX,
        "notes_max": NOTES_MAX,
    }


# --- the freelancer opens a dispute -------------------------------------------------------------


def _subject(milestone: int | None, escrow_return: int | None, invoice: int | None) -> Subject:
    return Subject(_id(milestone), _id(escrow_return), _id(invoice))


def _new_context(
    db: Session, settings: SettingsDep, user: User, subject: Subject
) -> dict[str, object]:
    return {
        "p": service.preview(db, settings, user, subject),
        "subject": subject,
        "reason_max": REASON_MAX,
        "answer_days": settings.dispute_answer_days,
    }


@router.get("/disputes/new")
def new_dispute(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    milestone: Annotated[int | None, Query()] = None,
    escrow_return: Annotated[int | None, Query()] = None,
    invoice: Annotated[int | None, Query()] = None,
) -> Response:
    subject = _subject(milestone, escrow_return, invoice)
    return render(request, "disputes/new.html", _new_context(db, settings, user, subject))


@router.post("/disputes/new", dependencies=[Csrf])
def file_dispute(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    milestone: Annotated[int | None, Form()] = None,
    escrow_return: Annotated[int | None, Form()] = None,
    invoice: Annotated[int | None, Form()] = None,
    reason: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    subject = _subject(milestone, escrow_return, invoice)
    try:
        d = service.file_dispute(db, settings, user, subject, reason)
    except Problem as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise
        db.rollback()
        context = _new_context(db, settings, user, subject)
        return render(
            request,
            "disputes/new.html",
            {**context, "error": exc.detail, "reason": reason},
            status_code=400,
        )
    return redirect(
        f"/disputes/{d.id}",
        request,
        f"Dispute opened. The client has {settings.dispute_answer_days} days to answer.",
    )


# --- the dispute's page ---------------------------------------------------------------------------


@router.get("/disputes/{dispute_id}")
def dispute_page(dispute_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    d = service.dispute_for(db, user, _id(dispute_id) or 0)
    return render(request, "disputes/detail.html", _view(db, user, d))


def _form_failed(
    request: Request, db: Session, user: User, dispute_id: int, exc: Problem, **keep: str
) -> Response:
    db.rollback()
    d = service.dispute_for(db, user, dispute_id)
    context = {**_view(db, user, d), "error": exc.detail, **keep}
    return render(request, "disputes/detail.html", context, status_code=400)


@router.post("/disputes/{dispute_id}/answer", dependencies=[Csrf])
def answer(
    dispute_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    answer: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    did = _id(dispute_id) or 0
    try:
        service.answer_dispute(db, settings, user, did, answer)
    except Problem as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise
        return _form_failed(request, db, user, did, exc, answer=answer)
    return redirect(
        f"/disputes/{did}", request, "Answer sent. A trust & safety agent decides next."
    )


@router.post("/disputes/{dispute_id}/messages", dependencies=[Csrf])
def message(
    dispute_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    body: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    did = _id(dispute_id) or 0
    try:
        service.post_message(db, settings, user, did, body)
    except Problem as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise
        return _form_failed(request, db, user, did, exc, body=body)
    back = f"/staff/disputes/{did}" if service.is_agent(user) else f"/disputes/{did}"
    return redirect(back, request, "Message sent.")


# --- trust & safety -------------------------------------------------------------------------------


def _agent(user: User) -> User:
    if not service.is_agent(user):
        raise Forbidden("Disputes are mediated by trust & safety staff.")
    return user


@router.get("/staff/disputes")
def staff_queue(request: Request, user: PageUser, db: DbDep, settings: SettingsDep) -> Response:
    rows = service.staff_queue(db, _agent(user), settings.disputes_page_size)
    contracts = {c.id: c for c in (db.get(Contract, d.contract_id) for d in rows) if c}
    return render(request, "disputes/staff_queue.html", {"rows": rows, "contracts": contracts})


@router.get("/staff/disputes/{dispute_id}")
def staff_dispute(dispute_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    d = service.dispute_for(db, _agent(user), _id(dispute_id) or 0)
    context = {**_view(db, user, d), "at_stake_now": service.escrow_at_stake(db, d)}
    return render(request, "disputes/staff_detail.html", context)


def _cents(text: str, field: str) -> int | None:
    if not text.strip():
        return None
    try:
        return parse_dollars(text)
    except ValueError:
        raise Unprocessable(f"Enter the {field} in dollars, like 250 or 42.50.") from None


@router.post("/staff/disputes/{dispute_id}/decide", dependencies=[Csrf])
def decide(
    dispute_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    outcome: Annotated[str, Form(max_length=20)] = "",
    freelancer_amount: Annotated[str, Form(max_length=30)] = "",
    client_amount: Annotated[str, Form(max_length=30)] = "",
    notes: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    did = _id(dispute_id) or 0
    _agent(user)
    try:
        d = service.decide_dispute(
            db,
            settings,
            user,
            did,
            outcome=outcome,
            freelancer_cents=_cents(freelancer_amount, "freelancer's share"),
            client_cents=_cents(client_amount, "client's share"),
            notes=notes,
        )
    except Problem as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise
        db.rollback()
        found = service.dispute_for(db, user, did)
        context = {
            **_view(db, user, found),
            "at_stake_now": service.escrow_at_stake(db, found),
            "error": exc.detail,
            "form": {
                "outcome": outcome,
                "freelancer_amount": freelancer_amount,
                "client_amount": client_amount,
                "notes": notes,
            },
        }
        return render(request, "disputes/staff_detail.html", context, status_code=400)
    return redirect(
        f"/staff/disputes/{did}",
        request,
        f"Decided: {OUTCOME_LABELS[d.outcome or '']} — {format_cents(d.freelancer_cents or 0)} "
        f"to the freelancer, {format_cents(d.client_cents or 0)} to the client.",
    )
