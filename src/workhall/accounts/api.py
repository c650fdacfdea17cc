"""Account API: sign-up, sign-in and the current account (interfaces.md §1)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from workhall.accounts import service
from workhall.accounts.models import User
from workhall.accounts.schemas import AccountOut, LoginIn, MeOut, SignUpIn, TokenOut
from workhall.core.errors import Problem, Unprocessable
from workhall.core.web import ApiUser, DbDep, SettingsDep, client_ip

router = APIRouter(tags=["accounts"])

PROBLEMS = {422: {"description": "Invalid input (problem document)"}}


@router.post("/accounts", status_code=201, response_model=AccountOut,
             responses={409: {"description": "Email taken"}, **PROBLEMS})
def create_account(body: SignUpIn, db: DbDep, settings: SettingsDep) -> AccountOut:
    if not body.country_known():
        raise Unprocessable(f"Unknown country code {body.country!r}.", field="country")
    user = service.sign_up(db, settings, email=str(body.email), password=body.password,
                           name=body.name, country=body.country, role=body.role)
    return AccountOut(id=user.id, handle=user.handle, email=user.email, name=user.name,
                      role=user.role)


@router.post("/sessions", status_code=201, response_model=TokenOut,
             responses={401: {"description": "Wrong credentials"},
                        429: {"description": "Throttled"}, **PROBLEMS})
def create_session(body: LoginIn, request: Request, db: DbDep, settings: SettingsDep) -> TokenOut:
    try:
        user = service.authenticate(db, settings, body.email, body.password, client_ip(request))
    except Problem:
        db.commit()  # keep the failed attempt: throttling counts it
        raise
    return TokenOut(token=service.create_api_token(db, settings, user))


@router.delete("/sessions/current", status_code=204)
def revoke_current_token(request: Request, user: ApiUser, db: DbDep) -> Response:
    """Revoke the bearer token this request was made with."""
    service.revoke_api_token(db, request.headers["authorization"].split(" ", 1)[1].strip())
    return Response(status_code=204)


def me_out(db: DbDep, user: User) -> MeOut:
    out = MeOut(
        id=user.id, handle=user.handle, email=user.email, name=user.name, role=user.role,
        country=user.country, status=user.status, created_at=user.created_at.isoformat(),
        email_verified=user.email_verified, phone_verified=user.phone_verified,
        identity_verified=user.identity_verified_at is not None,
    )
    if user.is_freelancer:
        from workhall.connects.service import connects_balance

        out.connects_balance = connects_balance(db, user.id)
        out.profile_completeness = service.freelancer_completeness(user)
    if user.is_client and user.client_profile is not None:
        out.company_name = user.client_profile.company_name
    return out


@router.get("/me", response_model=MeOut, response_model_exclude_none=True,
            responses={401: {"description": "Not signed in"}})
def get_me(user: ApiUser, db: DbDep) -> MeOut:
    return me_out(db, user)
