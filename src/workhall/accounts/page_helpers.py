"""Small helpers shared by the account pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from workhall.accounts import service
from workhall.accounts.models import User
from workhall.core.errors import Forbidden, PaymentDeclined, Problem, TooManyRequests
from workhall.core.settings import Settings
from workhall.core.web import SESSION_COOKIE, client_ip


def start_session(
    request: Request, response: Response, db: Session, settings: Settings, user: User
) -> None:
    """A new session id at every sign-in, in an HttpOnly, SameSite=Lax cookie (trust.md §3)."""
    token, _ = service.create_web_session(
        db, settings, user, client_ip(request), request.headers.get("user-agent", "")
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_max_age_days * 86400,
    )


def form_status(exc: Problem) -> int:
    """The status of a page re-rendered with a form error: 400, or 402 / 429 when they apply."""
    if isinstance(exc, (TooManyRequests, PaymentDeclined)):
        return exc.status
    return 400


def current_session_id(request: Request) -> int | None:
    ws = getattr(request.state, "web_session", None)
    return ws.id if ws is not None else None


def dev_mail_hint(settings: Settings) -> str:
    """In development the outbox is readable at /dev/mail, so links can be clicked locally."""
    if settings.environment == "development":
        return " (Running locally? Read it in the development mailbox at /dev/mail.)"
    return ""


def transaction_gate(
    settings: Settings, user: User, action: str, back: str
) -> dict[str, str] | None:
    """Why ``user`` may not ``action`` yet (post a job, send proposals), with the link that fixes
    it and brings them back to ``back``; None when nothing stands in the way (marketplace.md §1,
    trust.md §2.1). Pages show it before the user fills a form in vain."""
    try:
        service.require_can_transact(settings, user, action)
    except Forbidden as exc:
        reason = str(exc.extra.get("reason", ""))
        links = {
            "email_unverified": ("/settings/account", "Confirm your email"),
            "phone_unverified": (f"/settings/phone?next={quote(back)}", "Verify your phone"),
        }
        if user.status in ("on_hold", "restricted"):  # the standing page says why and what next
            links[reason] = ("/account/standing", "See your account standing")
        href, label = links.get(reason, ("", ""))
        return {"message": exc.detail, "href": href, "label": label}
    return None
