"""Workshop pages (reputation.md §2.5 "Workshops"): the list and a workshop's page for Top Rated
freelancers and staff (register, cancel, "registered" or "waiting #n", the online link for
attendees), and ``/staff/workshops`` where support staff create events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.community import access, workshops
from workhall.community.models import (
    CAPACITY_MAX,
    CAPACITY_MIN,
    DURATION_MAX,
    DURATION_MIN,
    LINK_MAX,
    TITLE_MAX,
    WORKSHOP_DESCRIPTION_MAX,
    Workshop,
)
from workhall.community.page_helpers import locked_page, parse_utc
from workhall.core.clock import utcnow
from workhall.core.errors import Problem, Unprocessable
from workhall.core.templating import form_action, redirect, render
from workhall.core.web import Csrf, DbDep, OptionalPageUser, PageUser, SettingsDep, path_id

router = APIRouter()

FORM_MAX = 20_000


def _cards(db: Session, user: User, rows: list[Workshop]) -> list[dict[str, object]]:
    numbers = workshops.counts(db, [w.id for w in rows])
    return [
        {
            "w": w,
            "registered": numbers[w.id][0],
            "waiting": numbers[w.id][1],
            "seat": workshops.seat_of(db, user, w.id),
            "ends_at": workshops.ends_at(w),
        }
        for w in rows
    ]


@router.get("/workshops")
def workshop_list(request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    if user is None or not access.is_member(db, user):
        return locked_page(request, "workshops")
    context = {
        "upcoming": _cards(db, user, workshops.upcoming(db)),
        "past": _cards(db, user, workshops.past(db)),
        "is_editor": access.is_editor(user),
    }
    return render(request, "community/workshops.html", context)


@router.get("/workshops/{workshop_id}")
def workshop_page(
    workshop_id: int, request: Request, user: OptionalPageUser, db: DbDep
) -> Response:
    if user is None or not access.is_member(db, user):
        return locked_page(request, "workshops")
    w = workshops.get(db, path_id(workshop_id, workshops.MISSING))
    editor = access.is_editor(user)
    people: dict[int, User] = {}
    attendees = workshops.attendees(db, w.id) if editor else []
    line = workshops.waiting_line(db, w.id) if editor else []
    for r in attendees + line:
        found = db.get(User, r.user_id)
        if found is not None:
            people[found.id] = found
    registered, waiting = workshops.counts(db, [w.id])[w.id]
    context = {
        "w": w,
        "ends_at": workshops.ends_at(w),
        "registered": registered,
        "waiting": waiting,
        "seat": workshops.seat_of(db, user, w.id),
        "show_link": workshops.can_see_link(db, user, w.id),
        "can_register": user.is_freelancer and w.starts_at > utcnow(),
        "is_editor": editor,
        "attendees": attendees,
        "line": line,
        "people": people,
    }
    return render(request, "community/workshop.html", context)


@router.post("/workshops/{workshop_id}/register", dependencies=[Csrf])
def register(workshop_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    if not access.is_member(db, user) or user.is_staff:
        return locked_page(request, "workshops")
    wid = path_id(workshop_id, workshops.MISSING)

    def done(seat: workshops.Seat) -> str:
        if seat.status == "registered":
            return "You are registered. The online link is on this page."
        return f"The workshop is full: you are #{seat.position} on the waiting list."

    return form_action(
        request, db, f"/workshops/{wid}", lambda: workshops.register(db, user, wid), done
    )


@router.post("/workshops/{workshop_id}/cancel", dependencies=[Csrf])
def cancel(
    workshop_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    wid = path_id(workshop_id, workshops.MISSING)
    return form_action(
        request,
        db,
        f"/workshops/{wid}",
        lambda: workshops.cancel(db, user, wid, base_url=settings.base_url),
        "Your place is cancelled.",
    )


# --- staff -----------------------------------------------------------------------------------


def _staff_context(db: Session, user: User) -> dict[str, object]:
    rows = workshops.upcoming(db) + workshops.past(db)
    return {
        "cards": _cards(db, user, rows),
        "form": {"duration": "60", "capacity": "30"},
        "limits": {
            "title": TITLE_MAX,
            "description": WORKSHOP_DESCRIPTION_MAX,
            "link": LINK_MAX,
            "capacity": (CAPACITY_MIN, CAPACITY_MAX),
            "duration": (DURATION_MIN, DURATION_MAX),
        },
    }


@router.get("/staff/workshops")
def staff_workshops(request: Request, user: PageUser, db: DbDep) -> Response:
    access.require_editor(user)
    return render(request, "community/staff_workshops.html", _staff_context(db, user))


def _int(value: str, label: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise Unprocessable(f"Enter the {label} as a whole number.") from None


@router.post("/staff/workshops", dependencies=[Csrf])
def create_workshop(
    request: Request,
    user: PageUser,
    db: DbDep,
    title: Annotated[str, Form(max_length=FORM_MAX)] = "",
    description: Annotated[str, Form(max_length=FORM_MAX)] = "",
    starts_at: Annotated[str, Form(max_length=40)] = "",
    duration: Annotated[str, Form(max_length=10)] = "",
    capacity: Annotated[str, Form(max_length=10)] = "",
    online_link: Annotated[str, Form(max_length=FORM_MAX)] = "",
) -> Response:
    access.require_editor(user)
    form = {
        "title": title,
        "description": description,
        "starts_at": starts_at,
        "duration": duration,
        "capacity": capacity,
        "online_link": online_link,
    }
    try:
        start = parse_utc(starts_at)
        if start is None:
            raise Unprocessable("Enter the start date and time (UTC).")
        draft = workshops.WorkshopDraft(
            title=title,
            description=description,
            starts_at=start,
            duration_minutes=_int(duration, "duration"),
            capacity=_int(capacity, "capacity"),
            online_link=online_link,
        )
        w = workshops.create_workshop(db, user, draft)
    except Problem as exc:
        db.rollback()
        context = {**_staff_context(db, user), "error": exc.detail, "form": form}
        return render(request, "community/staff_workshops.html", context, status_code=400)
    return redirect(f"/workshops/{w.id}", request, "Workshop created.")
