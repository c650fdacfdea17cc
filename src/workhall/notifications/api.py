"""Notification API (marketplace.md §8): my notifications, newest first; marking them read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from workhall.core.errors import Unprocessable
from workhall.core.web import ApiUser, DbDep, SettingsDep
from workhall.notifications import service
from workhall.notifications.models import Notification
from workhall.notifications.schemas import (
    MarkReadIn,
    MarkReadOut,
    NotificationListOut,
    NotificationOut,
)

router = APIRouter(tags=["notifications"])

PROBLEMS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not signed in (problem document)"},
    422: {"description": "Invalid input (problem document)"},
}


def notification_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.id,
        kind=n.kind,
        text=n.text,
        link=service.safe_link(n.link),
        created_at=n.created_at,
        read=n.read_at is not None,
        read_at=n.read_at,
    )


@router.get("/notifications", response_model=NotificationListOut, responses=PROBLEMS)
def list_notifications(
    user: ApiUser,
    db: DbDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    unread: Annotated[bool, Query(description="only unread ones")] = False,
) -> NotificationListOut:
    found = service.notifications_page(
        db, user.id, page, settings.notifications_page_size, unread_only=unread
    )
    return NotificationListOut(
        items=[notification_out(n) for n in found.items],
        total=found.total,
        unread=found.unread,
        page=found.page,
        pages=found.pages,
    )


@router.post("/notifications/read", response_model=MarkReadOut, responses=PROBLEMS)
def mark_read(body: MarkReadIn, user: ApiUser, db: DbDep) -> MarkReadOut:
    """Mark the listed notifications read, or all of them with ``{"all": true}``. Ids of other
    users' notifications are ignored; repeating the call changes nothing."""
    if body.all == bool(body.ids):
        raise Unprocessable('Send either "ids" or "all": true.')
    updated = service.mark_read(db, user.id, None if body.all else body.ids)
    return MarkReadOut(updated=updated, unread=service.unread_count(db, user.id))
