"""Conduct pages (trust.md §1.3): the trust & safety queue and case page, and every user's
account standing page (status, holds and — for a client — its own conduct case, with the
acknowledge button and the appeal form).

Staff pages are for trust & safety (admin passes too); support and everyone else get 403.
Forms that the service refuses go back with the problem's detail; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.conduct import queries, rules, service
from workhall.conduct.models import CASE_STATES, MESSAGE_MAX, NOTE_MAX, ConductCase
from workhall.core.clock import utcnow
from workhall.core.errors import NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.core.templating import form_action, render
from workhall.core.web import Csrf, DbDep, PageUser, SettingsDep

router = APIRouter()

TEXT_FIELD_MAX = 20_000  # the form layer's bound; the service enforces the real limits
MAX_ID = 9_223_372_036_854_775_807
STATE_BADGES = {
    "open": "text-bg-warning",
    "contacted": "text-bg-info",
    "monitoring": "text-bg-primary",
    "resolved": "text-bg-success",
    "restricted": "text-bg-danger",
    "appealed": "text-bg-warning",
    "reinstated": "text-bg-success",
    "banned": "text-bg-dark",
}
EVENT_LABELS = {
    "opened": "Flagged by the evaluation",
    "contacted": "Trust & safety wrote to the client",
    "monitoring": "Monitoring started",
    "extended": "Monitoring extended",
    "resolved": "Resolved",
    "restricted": "Restricted",
    "appealed": "The client appealed",
    "reinstated": "Reinstated",
    "banned": "Banned",
}
# The client reads their own case: "you", not "the client".
CLIENT_EVENT_LABELS = {
    **EVENT_LABELS,
    "contacted": "Trust & safety wrote to you",
    "appealed": "You appealed",
}


def _common() -> dict[str, object]:
    return {
        "state_labels": rules.STATE_LABELS,
        "state_badges": STATE_BADGES,
        "event_labels": EVENT_LABELS,
    }


# --- trust & safety ------------------------------------------------------------------------------


@router.get("/staff/conduct")
def staff_queue(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    status: Annotated[str, Query(max_length=20)] = "",
    overdue: Annotated[bool, Query()] = False,
    signal: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    service.require_agent(user)
    if status and status not in CASE_STATES:
        raise Unprocessable("Choose a case state from the list.")
    if signal and signal not in queries.SIGNAL_FILTERS:
        raise Unprocessable("Choose a signal from the list.")
    rows = queries.staff_queue(
        db,
        settings,
        user,
        utcnow(),
        state=status or None,
        only_overdue=overdue,
        signal=signal or None,
    )
    context = {
        **_common(),
        "rows": rows,
        "f": {"status": status, "overdue": overdue, "signal": signal},
        "states": CASE_STATES,
        "signals": queries.SIGNAL_FILTERS,
        "overdue_days": settings.conduct_overdue_days,
    }
    return render(request, "conduct/staff_queue.html", context)


def _case(db: Session, case_id: int) -> ConductCase:
    case = queries.get_case(db, case_id) if 1 <= case_id <= MAX_ID else None
    if case is None:
        raise NotFound("No such conduct case.")
    return case


@router.get("/staff/conduct/{case_id}")
def staff_case(
    case_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    service.require_agent(user)
    case = _case(db, case_id)
    client = db.get(User, case.client_id)
    events = queries.events_of(db, case.id, client_view=False)
    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = {u.id: u.name for u in (db.get(User, i) for i in actor_ids) if u}
    context = {
        **_common(),
        "c": case,
        "client": client,
        "events": events,
        "actors": actors,
        "reports": queries.reports_on(db, case.client_id),
        "considered": queries.contracts_considered(db, settings, case),
        "overdue": queries.overdue(case, utcnow(), settings),
        "message_max": MESSAGE_MAX,
        "note_max": NOTE_MAX,
        "appeal_closes": rules.appeal_closes(case.restricted_at, settings.conduct_appeal_days)
        if case.restricted_at
        else None,
        "th": rules.Thresholds.of(settings),
    }
    return render(request, "conduct/staff_case.html", context)


@router.post("/staff/conduct/{case_id}/contact", dependencies=[Csrf])
def contact(
    case_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    message: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    service.require_agent(user)
    cid = _case(db, case_id).id
    return form_action(
        request,
        db,
        f"/staff/conduct/{cid}",
        lambda: service.contact(db, settings, user, cid, message),
        "Message sent to the client in the app and by email.",
    )


@router.post("/staff/conduct/{case_id}/decide", dependencies=[Csrf])
def decide(
    case_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    decision: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    service.require_agent(user)
    cid = _case(db, case_id).id
    return form_action(
        request,
        db,
        f"/staff/conduct/{cid}",
        lambda: service.decide_appeal(db, settings, user, cid, decision, note),
        lambda c: f"Appeal decided: {rules.STATE_LABELS[c.status].lower()}.",
    )


# --- the user's account standing -----------------------------------------------------------------


def _standing(db: Session, settings: Settings, user: User) -> dict[str, object]:
    case = service.client_case(db, user) if user.is_client else None
    now = utcnow()
    context: dict[str, object] = {
        **_common(),
        "event_labels": CLIENT_EVENT_LABELS,
        "holds": queries.holds_of(db, user),
        "case": case,
        "events": queries.events_of(db, case.id, client_view=True) if case else [],
        "message_max": MESSAGE_MAX,
        "appeal_days": settings.conduct_appeal_days,
        "auto_days": settings.conduct_auto_monitoring_days,
    }
    if case is not None:
        context["appeal_closes"] = (
            rules.appeal_closes(case.restricted_at, settings.conduct_appeal_days)
            if case.restricted_at
            else None
        )
        context["can_appeal"] = (
            rules.appeal_problem(
                case.status, case.restricted_at, case.appealed_at, now, settings.conduct_appeal_days
            )
            is None
        )
    return context


@router.get("/account/standing")
def standing(request: Request, user: PageUser, db: DbDep, settings: SettingsDep) -> Response:
    return render(request, "conduct/standing.html", _standing(db, settings, user))


@router.post("/account/standing/acknowledge", dependencies=[Csrf])
def acknowledge(request: Request, user: PageUser, db: DbDep, settings: SettingsDep) -> Response:
    return form_action(
        request,
        db,
        "/account/standing",
        lambda: service.acknowledge(db, settings, user),
        "Thank you. Monitoring of your new contracts has started.",
    )


@router.post("/account/standing/appeal", dependencies=[Csrf])
def appeal(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    text: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    return form_action(
        request,
        db,
        "/account/standing",
        lambda: service.appeal(db, settings, user, text),
        "Appeal sent. A trust & safety agent will decide and tell you.",
    )
