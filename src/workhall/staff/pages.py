"""Staff console pages: home, accounts (search, detail, holds, suspension), audit log and
marketplace health. Who sees what is ``staff.access.AREAS``; every route checks it on the
server. Forms that fail re-render with the message and status 400; nothing is stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from workhall.accounts.models import STATUSES, User
from workhall.core.clock import ensure_utc
from workhall.core.errors import Forbidden, NotFound, Problem, Unprocessable
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, PageUser, SettingsDep
from workhall.staff import access, console, health, queries, standing

router = APIRouter()

MAX_ID = 2**62
TEXT_FIELD_MAX = 5_000  # the form layer's bound; the service enforces the real limits
PageNo = Annotated[int, Query(ge=1, le=queries.MAX_PAGE)]


def _id(value: int, missing: str = "There is no such account.") -> int:
    if not 1 <= value <= MAX_ID:
        raise NotFound(missing)
    return value


@router.get("/staff")
def home(request: Request, user: PageUser, db: DbDep) -> Response:
    if not access.is_console_user(user):
        raise Forbidden("The staff console is for staff accounts.")
    return render(request, "staff/home.html", {"cards": console.cards(db, user)})


# --- accounts -----------------------------------------------------------------------------------


@router.get("/staff/users")
def users(
    request: Request,
    user: PageUser,
    db: DbDep,
    q: Annotated[str, Query(max_length=queries.QUERY_MAX)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    page: PageNo = 1,
) -> Response:
    access.require(user, "accounts")
    context: dict[str, object] = {"q": q, "status": status, "statuses": STATUSES}
    try:
        context["result"] = queries.search_users(db, q, status, page)
    except Unprocessable as exc:
        return render(request, "staff/users.html", {**context, "error": exc.detail}, 400)
    return render(request, "staff/users.html", context)


def _user_context(db: Session, actor: User, user_id: int) -> dict[str, object]:
    target = db.get(User, _id(user_id))
    if target is None:
        raise NotFound("There is no such account.")
    holds = standing.holds_of(db, target.id)
    changes = standing.status_changes_of(db, target.id)
    events = queries.events_about_user(db, target.id)
    ids: set[int | None] = {h.placed_by_id for h in holds} | {h.lifted_by_id for h in holds}
    ids |= {c.actor_id for c in changes} | {e.actor_id for e in events}
    open_ids = {h.id for h in standing.open_holds(db, target.id)}
    return {
        "target": target,
        "holds": holds,
        "open_hold_ids": open_ids,
        "changes": changes,
        "events": events,
        "handles": queries.handles(db, ids),
        "can_act": access.can(actor, "standing")
        and target.id != actor.id
        and (not target.is_staff or actor.has_staff_role("admin")),
        "can_audit": access.can(actor, "audit"),
        "reason_min": standing.REASON_MIN,
        "reason_max": standing.REASON_MAX,
        "hold_max_days": standing.HOLD_MAX_DAYS,
        "holdable": target.status in standing.HOLDABLE,
    }


@router.get("/staff/users/{user_id}")
def user_detail(user_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    access.require(user, "accounts")
    return render(request, "staff/user.html", _user_context(db, user, user_id))


def _failed(
    request: Request, db: Session, actor: User, user_id: int, exc: Problem, form: str, **keep: str
) -> Response:
    if isinstance(exc, (NotFound, Forbidden)):
        raise exc
    db.rollback()
    context = {**_user_context(db, actor, user_id), "error": exc.detail, "form": form, **keep}
    return render(request, "staff/user.html", context, status_code=400)


def _parse_end(text: str) -> datetime | None:
    """The form's ``datetime-local`` value, read as UTC."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise Unprocessable(
            "Enter the end as a date and time, like 2026-12-31T18:00 (UTC).", field="ends_at"
        ) from None
    return ensure_utc(value)


@router.post("/staff/users/{user_id}/holds", dependencies=[Csrf])
def place_hold(
    user_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
    ends_at: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    access.require(user, "standing")
    uid = _id(user_id)
    try:
        hold = standing.place_hold(db, settings, user, uid, reason, _parse_end(ends_at))
    except Problem as exc:
        return _failed(request, db, user, uid, exc, "hold", reason=reason, ends_at=ends_at)
    until = f" until {hold.ends_at:%b %d, %Y %H:%M} UTC" if hold.ends_at else ""
    return redirect(f"/staff/users/{uid}", request, f"Hold placed{until}. The user was told why.")


@router.post("/staff/users/{user_id}/holds/{hold_id}/lift", dependencies=[Csrf])
def lift_hold(
    user_id: int,
    hold_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    access.require(user, "standing")
    uid = _id(user_id)
    hid = _id(hold_id, "There is no such hold on this account.")
    held = next((h for h in standing.holds_of(db, uid) if h.id == hid), None)
    if held is None:
        raise NotFound("There is no such hold on this account.")
    try:
        standing.lift_hold(db, settings, user, hid, reason)
    except Problem as exc:
        return _failed(request, db, user, uid, exc, f"lift-{hid}", lift_reason=reason)
    return redirect(f"/staff/users/{uid}", request, "Hold lifted. The user was told why.")


@router.post("/staff/users/{user_id}/suspend", dependencies=[Csrf])
def suspend(
    user_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    access.require(user, "standing")
    uid = _id(user_id)
    try:
        standing.suspend(db, settings, user, uid, reason)
    except Problem as exc:
        return _failed(request, db, user, uid, exc, "suspend", suspend_reason=reason)
    return redirect(
        f"/staff/users/{uid}", request, "Account suspended; its sessions were signed out."
    )


@router.post("/staff/users/{user_id}/reinstate", dependencies=[Csrf])
def reinstate(
    user_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=TEXT_FIELD_MAX)] = "",
) -> Response:
    access.require(user, "standing")
    uid = _id(user_id)
    try:
        target = standing.reinstate(db, settings, user, uid, reason)
    except Problem as exc:
        return _failed(request, db, user, uid, exc, "reinstate", reinstate_reason=reason)
    return redirect(
        f"/staff/users/{uid}",
        request,
        f"Account reinstated: now {target.status.replace('_', ' ')}.",
    )


# --- audit log ----------------------------------------------------------------------------------


@router.get("/staff/audit")
def audit(
    request: Request,
    user: PageUser,
    db: DbDep,
    actor: Annotated[str, Query(max_length=100)] = "",
    action: Annotated[str, Query(max_length=100)] = "",
    subject_type: Annotated[str, Query(max_length=100)] = "",
    subject_id: Annotated[str, Query(max_length=100)] = "",
    date_from: Annotated[str, Query(max_length=30)] = "",
    date_to: Annotated[str, Query(max_length=30)] = "",
    page: PageNo = 1,
) -> Response:
    access.require(user, "audit")
    form = {
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "date_from": date_from,
        "date_to": date_to,
    }
    try:
        f = queries.audit_filter(**form)
        result = queries.audit_events(db, f, page)
    except Unprocessable as exc:
        return render(request, "staff/audit.html", {"form": form, "error": exc.detail}, 400)
    ids: set[int | None] = {e.actor_id for e in result.rows}
    context = {
        "form": form,
        "result": result,
        "handles": queries.handles(db, ids),
        "query": urlencode({k: v for k, v in form.items() if v}),
    }
    return render(request, "staff/audit.html", context)


# --- marketplace health -------------------------------------------------------------------------


@router.get("/staff/health")
def health_page(request: Request, user: PageUser, db: DbDep) -> Response:
    access.require(user, "health")
    report = health.health_report(db)
    return render(
        request,
        "staff/health.html",
        {"r": report, "data": report.as_json(), "jss_buckets": health.JSS_BUCKETS},
    )


@router.get("/staff/health.json")
def health_json(user: PageUser, db: DbDep) -> Response:
    access.require(user, "health")
    return JSONResponse(health.health_report(db).as_json())
