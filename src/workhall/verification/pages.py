"""Phone verification pages: /settings/phone, the support release page, the development SMS log."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import phonenumbers
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from workhall.accounts.models import User
from workhall.accounts.pages import safe_next
from workhall.catalog import COUNTRIES
from workhall.core.clock import utcnow
from workhall.core.errors import NotFound, Problem, Unprocessable
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, OptionalPageUser, PageUser, SettingsDep
from workhall.verification import rules, service
from workhall.verification.deps import SmsGatewayDep
from workhall.verification.models import SmsMessage
from workhall.verification.rules import MAX_PHONE_INPUT_LENGTH

router = APIRouter()

DEV_SMS_SHOWN = 50


def _countries() -> list[tuple[str, str]]:
    """(code, "Name (+dial)") sorted by name, for the country picker."""
    rows = []
    for code, name in COUNTRIES.items():
        dial = phonenumbers.country_code_for_region(code)
        rows.append((code, f"{name} (+{dial})" if dial else name))
    return sorted(rows, key=lambda r: r[1])


def _next_or_none(next_url: str | None) -> str | None:
    return safe_next(next_url) if next_url else None


def _phone_url(next_url: str | None, **extra: str) -> str:
    params = {**extra, **({"next": next_url} if next_url else {})}
    return "/settings/phone" + (f"?{urlencode(params)}" if params else "")


def _render_phone(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: User,
    *,
    next_url: str | None,
    change: bool = False,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    state = service.phone_state(db, settings, user)
    now = utcnow()
    limits = service.limits_from(settings)
    show_code_form = state.pending_phone is not None and not change
    context: dict[str, Any] = {
        "state": state,
        "show_code_form": show_code_form,
        "show_number_form": change or (state.verified_phone is None and not show_code_form),
        "countries": _countries(),
        "form": form or {"country": user.country, "phone": ""},
        "next_url": next_url,
        "error": error,
        "display_phone": rules.display_phone,
        "resend_seconds": state.send_block.retry_after(now) if state.send_block else 0,
        "send_block_message": (
            service.block_message(state.send_block, now, limits) if state.send_block else None
        ),
        "check_block_message": (
            service.block_message(state.check_block, now, limits) if state.check_block else None
        ),
        "change_url": _phone_url(next_url, change="1"),
        "cancel_url": _phone_url(next_url),
        "max_phone_length": MAX_PHONE_INPUT_LENGTH,
        "code_digits": rules.CODE_DIGITS,
        "active": "phone",  # the settings navigation's current entry
    }
    return render(request, "verification/phone.html", context, status_code=status_code)


def _page_status(exc: Problem) -> int:
    # Form errors answer 400 (architecture.md); limits, conflicts and gateway failures keep theirs.
    return 400 if exc.status == 422 else exc.status


@router.get("/settings/phone")
def phone_page(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    next: str | None = None,
    change: bool = False,
) -> Response:
    return _render_phone(request, db, settings, user, next_url=_next_or_none(next), change=change)


@router.post("/settings/phone/send", dependencies=[Csrf])
def send_code(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    gateway: SmsGatewayDep,
    phone: Annotated[str, Form(max_length=MAX_PHONE_INPUT_LENGTH)] = "",
    country: Annotated[str, Form(max_length=2)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    next_url = _next_or_none(next)
    country = country.upper()
    region = country if country in COUNTRIES else user.country
    try:
        sent = service.send_code(db, settings, user, phone, gateway=gateway, region=region)
    except Problem as exc:
        db.rollback()
        return _render_phone(
            request,
            db,
            settings,
            user,
            next_url=next_url,
            change=True,
            error=exc.detail,
            form={"phone": phone, "country": region},
            status_code=_page_status(exc),
        )
    return redirect(
        _phone_url(next_url),
        request,
        f"We sent a {rules.CODE_DIGITS}-digit code to {rules.display_phone(sent.phone)}.",
    )


@router.post("/settings/phone/verify", dependencies=[Csrf])
def verify_code(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=20)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    next_url = _next_or_none(next)
    try:
        verified = service.verify_code(db, settings, user, code.replace(" ", ""))
    except Unprocessable as exc:
        db.commit()  # the wrong attempt must count (trust.md §2.1)
        return _render_phone(
            request, db, settings, user, next_url=next_url, error=exc.detail, status_code=400
        )
    except Problem as exc:
        db.rollback()
        return _render_phone(
            request,
            db,
            settings,
            user,
            next_url=next_url,
            error=exc.detail,
            status_code=_page_status(exc),
        )
    shown = rules.display_phone(verified.phone_e164 or "")
    return redirect(
        next_url or "/settings/phone", request, f"Your phone number {shown} is verified."
    )


# --- support: release a number (trust.md §2.1) --------------------------------------------


def _render_release(
    request: Request,
    *,
    holders: list[User] | None = None,
    phone: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "verification/staff_phone_release.html",
        {
            "holders": holders,
            "phone": phone,
            "error": error,
            "releasable": service.RELEASABLE_STATUSES,
            "display_phone": rules.display_phone,
            "reason_min": service.RELEASE_REASON_MIN,
            "reason_max": service.RELEASE_REASON_MAX,
        },
        status_code=status_code,
    )


@router.get("/staff/phone-release")
def release_page(request: Request, user: PageUser) -> Response:
    service.require_support(user)
    return _render_release(request)


@router.post("/staff/phone-release/lookup", dependencies=[Csrf])
def release_lookup(
    request: Request,
    user: PageUser,
    db: DbDep,
    phone: Annotated[str, Form(max_length=MAX_PHONE_INPUT_LENGTH)] = "",
) -> Response:
    # A POST so the number never lands in URLs and access logs.
    service.require_support(user)
    try:
        e164 = service.normalize_for_lookup(phone)
        holders = service.number_holders(db, user, e164)
    except Problem as exc:
        return _render_release(
            request, phone=phone, error=exc.detail, status_code=_page_status(exc)
        )
    return _render_release(request, holders=holders, phone=e164)


@router.post("/staff/phone-release", dependencies=[Csrf])
def release(
    request: Request,
    user: PageUser,
    db: DbDep,
    phone: Annotated[str, Form(max_length=MAX_PHONE_INPUT_LENGTH)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    service.require_support(user)
    try:
        released = service.release_number(db, user, phone, reason)
    except Problem as exc:
        db.rollback()
        return _render_release(
            request, phone=phone, error=exc.detail, status_code=_page_status(exc)
        )
    handles = ", ".join(f"@{h.handle}" for h in released)
    return redirect(
        "/staff/phone-release",
        request,
        f"Released {rules.display_phone(service.normalize_for_lookup(phone))} from {handles}.",
    )


# --- development: read the codes the log backend "sent" ------------------------------------


@router.get("/dev/sms")
def dev_sms(request: Request, db: DbDep, settings: SettingsDep, user: OptionalPageUser) -> Response:
    if settings.environment != "development":
        raise NotFound("Page not found.")
    messages = list(
        db.scalars(select(SmsMessage).order_by(SmsMessage.id.desc()).limit(DEV_SMS_SHOWN))
    )
    return render(
        request,
        "verification/dev_sms.html",
        {
            "sms_messages": messages,
            "backend": settings.sms_backend,
            "shown": DEV_SMS_SHOWN,
        },
    )
