"""Notification pages (marketplace.md §8): the list, newest first with the unread highlighted,
marking one or all read, opening one, and the nav's unread count."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from workhall.core.errors import NotFound
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, OptionalPageUser, PageUser, SettingsDep
from workhall.notifications import service
from workhall.notifications.models import Notification
from workhall.notifications.schemas import MAX_ID

router = APIRouter()

KIND_ICONS = {
    "new_message": "chat-dots",
    "feedback_left": "star",
    "feedback_invited": "star",
    "feedback_revealed": "star-fill",
    "proposal": "send",
    "proposal_declined": "x-circle",
    "invitation": "envelope-open",
    "contract_ended": "flag",
    "conduct_case": "clipboard-check",
}


@router.get("/notifications")
def notifications(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    found = service.notifications_page(db, user.id, page, settings.notifications_page_size)
    return render(
        request,
        "notifications/index.html",
        {
            "found": found,
            "icons": KIND_ICONS,
            "links": {n.id: service.safe_link(n.link) for n in found.items},
        },
    )


@router.get("/notifications/unread-badge")
def unread_badge(request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    """The nav's unread count, loaded by htmx; empty once signed out (never a login page)."""
    count = service.unread_count(db, user.id) if user else 0
    return render(
        request, "messages/_badge.html", {"count": count, "label": "unread notifications"}
    )


def _own(db: DbDep, user_id: int, notification_id: int) -> Notification:
    found = db.get(Notification, notification_id) if 1 <= notification_id <= MAX_ID else None
    if found is None or found.user_id != user_id:
        raise NotFound("There is no such notification.")
    return found


@router.post("/notifications/{notification_id}/open", dependencies=[Csrf])
def open_notification(
    notification_id: int, request: Request, user: PageUser, db: DbDep
) -> Response:
    """Read it and go where it points (only paths on this site are followed)."""
    found = _own(db, user.id, notification_id)
    service.mark_read(db, user.id, [found.id])
    return redirect(service.safe_link(found.link) or "/notifications")


@router.post("/notifications/{notification_id}/read", dependencies=[Csrf])
def read_one(notification_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    found = _own(db, user.id, notification_id)
    service.mark_read(db, user.id, [found.id])
    return redirect("/notifications", request, "Marked as read.")


@router.post("/notifications/read-all", dependencies=[Csrf])
def read_all(request: Request, user: PageUser, db: DbDep) -> Response:
    count = service.mark_read(db, user.id, None)
    message = f"{count} notification{'s' if count != 1 else ''} marked as read."
    return redirect("/notifications", request, message if count else "Nothing was unread.")
