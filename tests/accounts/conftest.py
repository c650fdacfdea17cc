"""Helpers for the account tests: CSRF tokens, outbox links, images."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.notifications.models import OutboxEmail

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROBLEM = "application/problem+json"


def form_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def anonymous_csrf(client) -> str:  # type: ignore[no-untyped-def]
    """What a signed-out browser posts: the login page sets ``wh_csrf`` and renders the token."""
    return form_csrf(client.get("/login").text)


def last_link(db: Session, to: str, path: str) -> str:
    """The token of the newest ``path?token=`` link emailed to ``to``."""
    bodies = db.scalars(
        select(OutboxEmail.body).where(OutboxEmail.to_address == to).order_by(OutboxEmail.id.desc())
    ).all()
    for body in bodies:
        match = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_-]+)", body)
        if match:
            return match.group(1)
    raise AssertionError(f"no {path} link emailed to {to}")


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (640, 480), **save: object) -> bytes:
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, (200, 60, 30, 255) if mode == "RGBA" else (200, 60, 30)).save(
        out, format=fmt, **save
    )
    return out.getvalue()


def headers_for(db: Session, settings, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """API headers for ``user``, with the test's work so far committed (a savepoint), so a
    request that fails and rolls back keeps the fixtures."""
    from tests.factories import api_headers

    headers = api_headers(db, settings, user)
    db.commit()
    return headers
