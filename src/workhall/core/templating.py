"""Jinja2 rendering for pages, with the current user, CSRF token and flash messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from workhall import catalog
from workhall.core.clock import utcnow
from workhall.core.errors import Problem
from workhall.core.money import format_cents

T = TypeVar("T")
PACKAGE_DIR = Path(__file__).resolve().parent.parent
FLASH_COOKIE = "wh_flash"


def _template_dirs() -> list[str]:
    dirs = [str(PACKAGE_DIR / "templates")]
    dirs += sorted(str(p) for p in PACKAGE_DIR.glob("*/templates") if p.is_dir())
    return dirs


def _timeago(value: datetime | None) -> str:
    if value is None:
        return ""
    seconds = int((utcnow() - value).total_seconds())
    if seconds < 0:
        return "in the future"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def _date(value: datetime | None, fmt: str = "%b %d, %Y") -> str:
    return value.strftime(fmt) if value else ""


env = Environment(
    loader=FileSystemLoader(_template_dirs()),
    autoescape=select_autoescape(["html", "xml"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["money"] = format_cents
env.filters["timeago"] = _timeago
env.filters["date"] = _date
env.filters["skill_name"] = catalog.skill_name
env.globals["catalog"] = catalog


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.secret_key, salt="flash")


def flash(response: Response, request: Request, message: str, kind: str = "success") -> None:
    """Show ``message`` on the next page this browser renders."""
    response.set_cookie(
        FLASH_COOKIE,
        _serializer(request).dumps([kind, message]),
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.cookie_secure,
        max_age=120,
    )


def redirect(
    url: str, request: Request | None = None, message: str | None = None, kind: str = "success"
) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if message and request is not None:
        flash(response, request, message, kind)
    return response


def form_action(
    request: Request,
    db: Session,
    back: str,
    action: Callable[[], T],
    done: str | Callable[[T], str],
) -> RedirectResponse:
    """Run a page form's write and go back to ``back`` with ``done`` as the message — or, when
    the service refuses with a problem, roll the unit of work back (nothing stored) and go back
    with the problem's detail as the error."""
    try:
        result = action()
    except Problem as exc:
        db.rollback()
        return redirect(back, request, exc.detail, "error")
    return redirect(back, request, done if isinstance(done, str) else done(result))


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    from workhall.core.web import csrf_token_for

    messages: list[tuple[str, str]] = []
    raw = request.cookies.get(FLASH_COOKIE)
    if raw:
        try:
            kind, text = _serializer(request).loads(raw)
            messages.append((kind, text))
        except (BadSignature, ValueError):
            pass
    ctx = {
        "request": request,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token_for(request),
        "messages": messages,
        "settings": request.app.state.settings,
        "now": utcnow(),
    }
    ctx.update(context or {})
    html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    if raw:
        response.delete_cookie(FLASH_COOKIE)
    return response
