"""Account API: sign-up, sign-in and the current account (interfaces.md §1)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from workhall.accounts import profile_api, second_factor, service
from workhall.accounts.models import User
from workhall.accounts.rules import text_problem
from workhall.accounts.schemas import AccountOut, LoginIn, MeOut, SignUpIn, TokenOut
from workhall.core.errors import Forbidden, Problem, Unauthorized, Unprocessable
from workhall.core.web import ApiUser, DbDep, SettingsDep, client_ip

router = APIRouter(tags=["accounts"])
router.include_router(profile_api.router)

PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: {"description": "Invalid input (problem document)"}
}


@router.post(
    "/accounts",
    status_code=201,
    response_model=AccountOut,
    responses={409: {"description": "Email taken"}, **PROBLEMS},
)
def create_account(body: SignUpIn, db: DbDep, settings: SettingsDep) -> AccountOut:
    if not body.country_known():
        raise Unprocessable(f"Unknown country code {body.country!r}.", field="country")
    problem = text_problem(body.name, label="The name", max_length=100)
    if problem:
        raise Unprocessable(problem, field="name")
    user = service.sign_up(
        db,
        settings,
        email=str(body.email),
        password=body.password,
        name=body.name,
        country=body.country,
        role=body.role,
    )
    return AccountOut(
        id=user.id, handle=user.handle, email=user.email, name=user.name, role=user.role
    )


@router.post(
    "/sessions",
    status_code=201,
    response_model=TokenOut,
    responses={
        401: {"description": "Wrong credentials"},
        429: {"description": "Throttled"},
        **PROBLEMS,
    },
)
def create_session(body: LoginIn, request: Request, db: DbDep, settings: SettingsDep) -> TokenOut:
    try:
        user = service.authenticate(db, settings, body.email, body.password, client_ip(request))
        if second_factor.needs_second_factor(user):
            _check_staff_code(db, settings, user, body.totp_code)
    except Problem:
        db.commit()  # keep the failed attempt: throttling counts it
        raise
    return TokenOut(token=service.create_api_token(db, settings, user))


def _check_staff_code(db: DbDep, settings: SettingsDep, user: User, code: str | None) -> None:
    """spec: trust.md §3 — staff log in with a second factor, on the API too."""
    if not second_factor.is_enrolled(user):
        raise Forbidden(
            "Staff accounts set up their authenticator app by signing in on the website first."
        )
    if not code:
        raise Unauthorized(
            "Staff accounts also send totp_code, the 6-digit code of their authenticator app.",
            second_factor_required=True,
        )
    second_factor.check_code(db, settings, user, code)


@router.delete("/sessions/current", status_code=204)
def revoke_current_token(request: Request, user: ApiUser, db: DbDep) -> Response:
    """Revoke the bearer token this request was made with."""
    service.revoke_api_token(db, request.headers["authorization"].split(" ", 1)[1].strip())
    return Response(status_code=204)


def me_out(db: DbDep, user: User) -> MeOut:
    out = MeOut(
        id=user.id,
        handle=user.handle,
        email=user.email,
        name=user.name,
        role=user.role,
        country=user.country,
        status=user.status,
        created_at=user.created_at.isoformat(),
        email_verified=user.email_verified,
        phone_verified=user.phone_verified,
        identity_verified=user.identity_verified_at is not None,
    )
    if user.is_freelancer:
        from workhall.connects.service import connects_balance

        out.connects_balance = connects_balance(db, user.id)
        out.profile_completeness = service.freelancer_completeness(user)
    if user.is_client and user.client_profile is not None:
        out.company_name = user.client_profile.company_name
    return out


@router.get(
    "/me",
    response_model=MeOut,
    response_model_exclude_none=True,
    responses={401: {"description": "Not signed in"}},
)
def get_me(user: ApiUser, db: DbDep) -> MeOut:
    return me_out(db, user)
