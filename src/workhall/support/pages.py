"""Support pages (reputation.md §2.5 "Premium support"): the user's tickets and new-ticket form
(``/support``), a ticket's thread (``/support/{id}``), and the agents' queue and ticket page
(``/staff/support``). Forms that fail go back with the message; nothing is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.clock import utcnow
from workhall.core.errors import Forbidden, Problem
from workhall.core.templating import form_action, redirect, render
from workhall.core.web import Csrf, DbDep, PageUser, SettingsDep, path_id
from workhall.reputation.queries import standing
from workhall.support import rules, service
from workhall.support.models import BODY_MAX, CATEGORIES, STATUSES, SUBJECT_MAX, SupportTicket

router = APIRouter()

FORM_MAX = 20_000  # the form layer's bound; the service enforces the real limits
CATEGORY_LABELS = {
    "account": "Account",
    "payments": "Payments",
    "contracts": "Contracts",
    "verification": "Verification",
    "other": "Something else",
}


def _customer(user: User) -> User:
    if user.is_staff:
        raise Forbidden("Staff answer tickets from the support queue at /staff/support.")
    return user


def _agent(user: User) -> User:
    if not service.is_agent(user):
        raise Forbidden("The support queue is for support staff.")
    return user


def _common(settings: SettingsDep) -> dict[str, object]:
    return {
        "category_labels": CATEGORY_LABELS,
        "priority_hours": settings.support_priority_response_hours,
        "standard_hours": settings.support_standard_response_hours,
        "body_max": BODY_MAX,
        "subject_max": SUBJECT_MAX,
        "is_overdue": rules.is_overdue,
    }


def _index_context(db: Session, settings: SettingsDep, user: User) -> dict[str, object]:
    top_rated = user.is_freelancer and standing(db, user.id).top_rated
    return {
        **_common(settings),
        "tickets": service.my_tickets(db, user),
        "top_rated": top_rated,
        "categories": CATEGORIES,
        "form": {},
    }


@router.get("/support")
def support_home(request: Request, user: PageUser, db: DbDep, settings: SettingsDep) -> Response:
    return render(request, "support/index.html", _index_context(db, settings, _customer(user)))


@router.post("/support", dependencies=[Csrf])
def new_ticket(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    subject: Annotated[str, Form(max_length=FORM_MAX)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    body: Annotated[str, Form(max_length=FORM_MAX)] = "",
) -> Response:
    _customer(user)
    try:
        ticket = service.open_ticket(db, settings, user, subject, category, body)
    except Problem as exc:
        if isinstance(exc, Forbidden):
            raise
        db.rollback()
        context = _index_context(db, settings, user)
        form = {"subject": subject, "category": category, "body": body}
        return render(
            request,
            "support/index.html",
            {**context, "error": exc.detail, "form": form},
            status_code=400,
        )
    hours = rules.response_hours(
        ticket.priority,
        settings.support_priority_response_hours,
        settings.support_standard_response_hours,
    )
    return redirect(
        f"/support/{ticket.id}",
        request,
        f"Ticket sent. Our team aims to answer within {hours} hours.",
    )


def _ticket_context(db: Session, settings: SettingsDep, ticket: SupportTicket) -> dict[str, object]:
    owner = db.get(User, ticket.user_id)
    names = {ticket.user_id: owner.name if owner else "User"}
    return {
        **_common(settings),
        "t": ticket,
        "owner": owner,
        "names": names,
        "thread_messages": service.messages_of(db, ticket.id),
        "assignee": db.get(User, ticket.assigned_to_id) if ticket.assigned_to_id else None,
    }


@router.get("/support/{ticket_id}")
def ticket_page(
    ticket_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    ticket = service.ticket_for(db, user, path_id(ticket_id, service.MISSING))
    if ticket.user_id != user.id:  # an agent: the staff view has the tools
        return redirect(f"/staff/support/{ticket.id}")
    return render(request, "support/ticket.html", _ticket_context(db, settings, ticket))


@router.post("/support/{ticket_id}/messages", dependencies=[Csrf])
def reply(
    ticket_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    body: Annotated[str, Form(max_length=FORM_MAX)] = "",
) -> Response:
    tid = path_id(ticket_id, service.MISSING)
    ticket = service.ticket_for(db, user, tid)
    back = f"/support/{tid}" if ticket.user_id == user.id else f"/staff/support/{tid}"
    return form_action(
        request,
        db,
        back,
        lambda: service.post_reply(db, settings, user, tid, body),
        "Reply sent.",
    )


@router.post("/support/{ticket_id}/close", dependencies=[Csrf])
def close(ticket_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    tid = path_id(ticket_id, service.MISSING)
    ticket = service.ticket_for(db, user, tid)
    back = f"/support/{tid}" if ticket.user_id == user.id else f"/staff/support/{tid}"
    return form_action(
        request,
        db,
        back,
        lambda: service.close_ticket(db, user, tid),
        "Ticket closed. Reply any time to reopen it.",
    )


# --- support agents -----------------------------------------------------------------------------


@router.get("/staff/support")
def staff_queue(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    status: Annotated[str, Query(max_length=20)] = "open",
    mine: Annotated[bool, Query()] = False,
) -> Response:
    _agent(user)
    if status not in STATUSES:
        status = "open"
    rows = service.staff_queue(db, user, status=status, mine=mine)
    owners = {u.id: u for u in (db.get(User, t.user_id) for t in rows) if u is not None}
    context = {
        **_common(settings),
        "rows": rows,
        "owners": owners,
        "status": status,
        "mine": mine,
        "statuses": STATUSES,
        "now": utcnow(),
    }
    return render(request, "support/staff_queue.html", context)


@router.get("/staff/support/{ticket_id}")
def staff_ticket(
    ticket_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    ticket = service.ticket_for(db, _agent(user), path_id(ticket_id, service.MISSING))
    return render(request, "support/staff_ticket.html", _ticket_context(db, settings, ticket))


@router.post("/staff/support/{ticket_id}/assign", dependencies=[Csrf])
def assign(ticket_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    tid = path_id(ticket_id, service.MISSING)
    _agent(user)
    return form_action(
        request,
        db,
        f"/staff/support/{tid}",
        lambda: service.assign_to_self(db, user, tid),
        "Assigned to you.",
    )
