"""The development mailbox: the newest outbox emails, so a person running Workhall locally can
click their confirmation and reset links. Exists only when ``environment`` is development."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from workhall.core.errors import NotFound
from workhall.core.templating import render
from workhall.core.web import DbDep, OptionalPageUser, SettingsDep
from workhall.notifications.models import OutboxEmail

router = APIRouter()

LINK = re.compile(r"https?://[^\s<>\"']+")
NEWEST = 50


def split_links(text: str) -> list[tuple[str, bool]]:
    """The body as (text, is_link) pieces; the template escapes each and links the URLs."""
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in LINK.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((match.group(0), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


@router.get("/dev/mail")
def dev_mailbox(
    request: Request, db: DbDep, settings: SettingsDep, user: OptionalPageUser
) -> Response:
    if settings.environment != "development":
        raise NotFound("Not found")
    emails = db.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(NEWEST)).all()
    return render(
        request,
        "accounts/dev_mail.html",
        {
            "emails": [{"row": e, "pieces": split_links(e.body)} for e in emails],
        },
    )
