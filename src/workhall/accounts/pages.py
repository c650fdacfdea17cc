"""Sign-up, sign-in (with the staff second factor), sign-out, email confirmation and password
reset pages (marketplace.md §1, trust.md §3). Settings and profile pages live beside this module
and are included in its router."""

from __future__ import annotations

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from workhall.accounts import (
    account_pages,
    devmail_pages,
    profile_pages,
    second_factor,
    service,
    settings_pages,
)
from workhall.accounts.models import PendingLogin, User
from workhall.accounts.page_helpers import dev_mail_hint, start_session
from workhall.accounts.rules import safe_redirect_target
from workhall.catalog import COUNTRIES
from workhall.core.errors import Problem
from workhall.core.templating import redirect, render
from workhall.core.web import SESSION_COOKIE, Csrf, DbDep, OptionalPageUser, SettingsDep, client_ip

router = APIRouter()
for _module in (settings_pages, account_pages, profile_pages, devmail_pages):
    router.include_router(_module.router)

Token = Annotated[str, Query(max_length=100)]


def safe_next(url: str | None) -> str:
    """Only same-site relative paths; anything else goes home (no open redirect)."""
    return safe_redirect_target(url)


@router.get("/signup")
def signup_form(request: Request, user: OptionalPageUser, role: str = "freelancer") -> Response:
    if user:
        return redirect("/")
    return render(
        request,
        "accounts/signup.html",
        {
            "form": {"role": role if role in ("freelancer", "client") else "freelancer"},
            "countries": COUNTRIES,
        },
    )


@router.post("/signup", dependencies=[Csrf])
def signup(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    country: Annotated[str, Form(max_length=2)] = "",
    role: Annotated[str, Form(max_length=20)] = "freelancer",
) -> Response:
    from workhall.accounts.rules import text_problem

    form = {"email": email, "name": name, "country": country, "role": role}
    error = None
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        error = f"Email: {exc}"
    if not error and not name.strip():
        error = "Enter your name."
    if not error:
        error = text_problem(name, label="Your name", max_length=100)
    if not error and country.upper() not in COUNTRIES:
        error = "Choose your country."
    if not error and role not in ("freelancer", "client"):
        error = "Choose whether you want to work or to hire."
    if not error:
        try:
            user = service.sign_up(
                db, settings, email=email, password=password, name=name, country=country, role=role
            )
        except Problem as exc:
            error = exc.detail
    if error:
        db.rollback()
        return render(
            request,
            "accounts/signup.html",
            {"form": form, "error": error, "countries": COUNTRIES},
            status_code=400,
        )
    nxt = "/settings/profile" if user.is_freelancer else "/jobs/new"
    response = redirect(
        nxt,
        request,
        f"Welcome to Workhall, {user.name}! "
        "We sent you a link to confirm your email." + dev_mail_hint(settings),
    )
    start_session(request, response, db, settings, user)
    return response


@router.get("/login")
def login_form(request: Request, user: OptionalPageUser, next: str = "/") -> Response:
    if user:
        return redirect(safe_next(next))
    return render(request, "accounts/login.html", {"next": safe_next(next), "form": {}})


@router.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    try:
        user = service.authenticate(db, settings, email, password, client_ip(request))
    except Problem as exc:
        db.commit()  # the failed attempt counts for throttling
        return render(
            request,
            "accounts/login.html",
            {
                "error": exc.detail,
                "next": safe_next(next),
                "form": {"email": email},
                "locked": bool(exc.extra.get("locked")),
            },
            status_code=exc.status,
        )
    if second_factor.needs_second_factor(user):
        # spec: trust.md §3 — staff log in with a second factor: no session until the code.
        token = second_factor.start_pending_login(
            db,
            settings,
            user,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
            next_url=safe_next(next),
        )
        response = redirect("/login/second-factor")
        response.set_cookie(
            second_factor.PENDING_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
            max_age=settings.second_factor_ttl_seconds,
            path="/login",
        )
        return response
    response = redirect(safe_next(next))
    start_session(request, response, db, settings, user)
    return response


def _pending(request: Request, db: DbDep, settings: SettingsDep) -> PendingLogin | None:
    token = request.cookies.get(second_factor.PENDING_COOKIE, "")
    if not token or len(token) > 100:
        return None
    return second_factor.resolve_pending_login(db, settings, token)


def _second_factor_page(
    request: Request,
    db: DbDep,
    pending: PendingLogin,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    user = db.get(User, pending.user_id)
    assert user is not None
    enrolling = not second_factor.is_enrolled(user)
    return render(
        request,
        "accounts/second_factor.html",
        {
            "enrolling": enrolling,
            "secret": user.totp_secret if enrolling else None,
            "otpauth_uri": second_factor.provisioning_uri(user) if enrolling else None,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/login/second-factor")
def second_factor_form(request: Request, db: DbDep, settings: SettingsDep) -> Response:
    pending = _pending(request, db, settings)
    if pending is None:
        return redirect("/login", request, "Sign in with your email and password first.", "warning")
    return _second_factor_page(request, db, pending)


@router.post("/login/second-factor", dependencies=[Csrf])
def second_factor_submit(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    pending = _pending(request, db, settings)
    if pending is None:
        response = redirect("/login", request, "Your sign-in expired. Sign in again.", "warning")
        response.delete_cookie(second_factor.PENDING_COOKIE, path="/login")
        return response
    try:
        user = second_factor.complete_pending_login(db, settings, pending, code)
    except Problem as exc:
        db.commit()  # wrong codes count for throttling
        if exc.extra.get("restart"):
            response = redirect("/login", request, exc.detail, "error")
            response.delete_cookie(second_factor.PENDING_COOKIE, path="/login")
            return response
        return _second_factor_page(request, db, pending, exc.detail, exc.status)
    target = safe_next(pending.next_url)
    if target == "/" and user.is_staff:
        target = "/staff"  # staff without a destination start from their console
    response = redirect(target)
    response.delete_cookie(second_factor.PENDING_COOKIE, path="/login")
    start_session(request, response, db, settings, user)
    return response


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, db: DbDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.revoke_web_session(db, token)
    response = redirect("/", request, "You are signed out.")
    response.delete_cookie(SESSION_COOKIE)
    return response


# --- email confirmation and password reset (marketplace.md §1) -------------------------------


@router.get("/verify-email")
def verify_email_form(
    request: Request, db: DbDep, user: OptionalPageUser, token: Token = ""
) -> Response:
    """A button, not an instant change: mail scanners that open links must not use them up."""
    usable = service.link_token_usable(db, token, "verify_email")
    return render(
        request,
        "accounts/verify_email.html",
        {"token": token, "usable": usable},
        status_code=200 if usable else 400,
    )


@router.post("/verify-email", dependencies=[Csrf])
def verify_email(
    request: Request,
    db: DbDep,
    user: OptionalPageUser,
    token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        service.verify_email(db, token)
    except Problem as exc:
        db.rollback()
        return render(
            request,
            "accounts/verify_email.html",
            {"token": token, "usable": False, "error": exc.detail},
            status_code=400,
        )
    return redirect(
        "/settings/account" if user else "/login",
        request,
        "Thank you — your email address is confirmed.",
    )


@router.get("/forgot-password")
def forgot_password_form(request: Request, user: OptionalPageUser) -> Response:
    return render(request, "accounts/forgot_password.html", {"sent": False, "form": {}})


@router.post("/forgot-password", dependencies=[Csrf])
def forgot_password(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: OptionalPageUser,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    if not email.strip():
        return render(
            request,
            "accounts/forgot_password.html",
            {"sent": False, "form": {}, "error": "Enter your email address."},
            status_code=400,
        )
    # The same answer whether or not the address has an account (no account discovery).
    service.send_password_reset_link(db, settings, email)
    return render(
        request,
        "accounts/forgot_password.html",
        {"sent": True, "form": {"email": email}, "hint": dev_mail_hint(settings)},
    )


@router.get("/reset-password")
def reset_password_form(
    request: Request, db: DbDep, user: OptionalPageUser, token: Token = ""
) -> Response:
    usable = service.link_token_usable(db, token, "reset_password")
    return render(
        request,
        "accounts/reset_password.html",
        {"token": token, "usable": usable},
        status_code=200 if usable else 400,
    )


@router.post("/reset-password", dependencies=[Csrf])
def reset_password(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    password_again: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    error = None
    if password != password_again:
        error = "The two passwords are not the same."
    else:
        try:
            service.reset_password(db, settings, token, password)
        except Problem as exc:
            error = exc.detail
    if error:
        db.rollback()
        usable = service.link_token_usable(db, token, "reset_password")
        return render(
            request,
            "accounts/reset_password.html",
            {"token": token, "usable": usable, "error": error},
            status_code=400,
        )
    # Every session was revoked by the reset: this browser signs in again too.
    response = redirect("/login", request, "Your password is changed. Sign in with it now.")
    response.delete_cookie(SESSION_COOKIE)
    return response
