"""Sign-up, sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from workhall.accounts import service
from workhall.catalog import COUNTRIES
from workhall.core.errors import Problem
from workhall.core.templating import redirect, render
from workhall.core.web import SESSION_COOKIE, Csrf, DbDep, OptionalPageUser, SettingsDep, client_ip

router = APIRouter()


def safe_next(url: str | None) -> str:
    """Only same-site relative paths; anything else goes home (no open redirect)."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url[:500]
    return "/"


def _start_session(request: Request, response: Response, db: DbDep, settings: SettingsDep,
                   user: service.User) -> None:
    token, _ = service.create_web_session(db, settings, user, client_ip(request),
                                          request.headers.get("user-agent", ""))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.cookie_secure,
                        max_age=settings.session_max_age_days * 86400)


@router.get("/signup")
def signup_form(request: Request, user: OptionalPageUser, role: str = "freelancer") -> Response:
    if user:
        return redirect("/")
    return render(request, "accounts/signup.html",
                  {"form": {"role": role if role in ("freelancer", "client") else "freelancer"},
                   "countries": COUNTRIES})


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
    form = {"email": email, "name": name, "country": country, "role": role}
    error = None
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        error = f"Email: {exc}"
    if not error and not name.strip():
        error = "Enter your name."
    if not error and country.upper() not in COUNTRIES:
        error = "Choose your country."
    if not error and role not in ("freelancer", "client"):
        error = "Choose whether you want to work or to hire."
    if not error:
        try:
            user = service.sign_up(db, settings, email=email, password=password, name=name,
                                   country=country, role=role)
        except Problem as exc:
            error = exc.detail
    if error:
        db.rollback()
        return render(request, "accounts/signup.html",
                      {"form": form, "error": error, "countries": COUNTRIES}, status_code=400)
    nxt = "/settings/profile" if user.is_freelancer else "/jobs/new"
    response = redirect(nxt, request, f"Welcome to Workhall, {user.name}! "
                        "We sent you a link to confirm your email.")
    _start_session(request, response, db, settings, user)
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
        return render(request, "accounts/login.html",
                      {"error": exc.detail, "next": safe_next(next), "form": {"email": email}},
                      status_code=exc.status)
    response = redirect(safe_next(next))
    _start_session(request, response, db, settings, user)
    return response


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, db: DbDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.revoke_web_session(db, token)
    response = redirect("/", request, "You are signed out.")
    response.delete_cookie(SESSION_COOKIE)
    return response
