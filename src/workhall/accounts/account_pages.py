"""Account & security: email confirmation, password, browser sessions, API tokens, the staff
second factor and closing the account (marketplace.md §1, trust.md §3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from workhall.accounts import second_factor, service
from workhall.accounts.models import User
from workhall.accounts.page_helpers import current_session_id, dev_mail_hint, form_status
from workhall.accounts.rules import describe_user_agent
from workhall.core.errors import Problem
from workhall.core.templating import redirect, render
from workhall.core.web import SESSION_COOKIE, Csrf, DbDep, PageUser, SettingsDep, client_ip

router = APIRouter()
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _account_page(
    request: Request,
    db: DbDep,
    user: User,
    *,
    errors: dict[str, str] | None = None,
    new_token: str | None = None,
    status_code: int = 200,
) -> Response:
    current = current_session_id(request)
    sessions = [
        {"row": ws, "device": describe_user_agent(ws.user_agent), "current": ws.id == current}
        for ws in service.active_web_sessions(db, user)
    ]
    return render(
        request,
        "accounts/settings_account.html",
        {
            "sessions": sessions,
            "tokens": service.active_api_tokens(db, user),
            "errors": errors or {},
            "new_token": new_token,
            "totp_enrolled": second_factor.is_enrolled(user),
            "active": "account",
        },
        status_code=status_code,
    )


@router.get("/settings/account")
def account_settings(request: Request, user: PageUser, db: DbDep) -> Response:
    return _account_page(request, db, user)


@router.post("/settings/account/verification", dependencies=[Csrf])
def resend_verification(
    request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    try:
        service.resend_email_verification(db, settings, user)
    except Problem as exc:
        db.rollback()
        return _account_page(
            request, db, user, errors={"email": exc.detail}, status_code=form_status(exc)
        )
    return redirect(
        "/settings/account",
        request,
        f"We sent a new confirmation link to {user.email}." + dev_mail_hint(settings),
    )


@router.post("/settings/account/password", dependencies=[Csrf])
def change_password(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    new_password_again: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    if new_password != new_password_again:
        return _account_page(
            request,
            db,
            user,
            errors={"password": "The two new passwords are not the same."},
            status_code=400,
        )
    try:
        service.change_password(
            db,
            settings,
            user,
            current_password=current_password,
            new_password=new_password,
            ip=client_ip(request),
            keep_session_id=current_session_id(request),
        )
    except Problem as exc:
        db.commit()  # a wrong current password counts like a failed sign-in
        return _account_page(
            request, db, user, errors={"password": exc.detail}, status_code=form_status(exc)
        )
    return redirect(
        "/settings/account",
        request,
        "Your password is changed. Your other sessions and API tokens are signed out.",
    )


@router.post("/settings/account/sessions/revoke-others", dependencies=[Csrf])
def revoke_other_sessions(request: Request, user: PageUser, db: DbDep) -> Response:
    count = service.revoke_other_sessions(db, user, keep_session_id=current_session_id(request))
    return redirect(
        "/settings/account#sessions",
        request,
        f"Signed out {count} other session{'s' if count != 1 else ''}.",
    )


@router.post("/settings/account/sessions/{session_id}/revoke", dependencies=[Csrf])
def revoke_session(request: Request, session_id: Id, user: PageUser, db: DbDep) -> Response:
    service.revoke_web_session_by_id(db, user, session_id)
    if session_id == current_session_id(request):
        response = redirect("/login", request, "You are signed out.")
        response.delete_cookie(SESSION_COOKIE)
        return response
    return redirect("/settings/account#sessions", request, "That session is signed out.")


@router.post("/settings/account/tokens", dependencies=[Csrf])
def create_token(request: Request, user: PageUser, db: DbDep, settings: SettingsDep) -> Response:
    # Shown once, on this page: never put in a redirect or a flash cookie.
    token = service.create_api_token(db, settings, user)
    return _account_page(request, db, user, new_token=token)


@router.post("/settings/account/tokens/{token_id}/revoke", dependencies=[Csrf])
def revoke_token(request: Request, token_id: Id, user: PageUser, db: DbDep) -> Response:
    service.revoke_api_token_by_id(db, user, token_id)
    return redirect("/settings/account#tokens", request, "The API token is revoked.")


@router.post("/settings/account/close", dependencies=[Csrf])
def close_account(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    password: Annotated[str, Form(max_length=1024)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if confirm != "yes":
        return _account_page(
            request,
            db,
            user,
            errors={"close": "Tick the box to confirm that you want to close your account."},
            status_code=400,
        )
    try:
        service.close_account(db, settings, user, password=password, ip=client_ip(request))
    except Problem as exc:
        db.commit()  # a wrong password counts like a failed sign-in
        return _account_page(
            request, db, user, errors={"close": exc.detail}, status_code=form_status(exc)
        )
    response = redirect("/", request, "Your account is closed and your personal data erased.")
    response.delete_cookie(SESSION_COOKIE)
    return response
