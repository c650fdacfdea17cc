"""Phone verification API (trust.md §2.1): send a code, check it, read the state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from workhall.core.errors import Unprocessable
from workhall.core.web import ApiUser, DbDep, SettingsDep
from workhall.verification import service
from workhall.verification.deps import SmsGatewayDep
from workhall.verification.schemas import (
    CodeIn,
    CodeSentOut,
    PendingCodeOut,
    PhoneIn,
    PhoneStatusOut,
    PhoneVerifiedOut,
)

router = APIRouter(tags=["verification"])

_401: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in (problem document)"}}


@router.get("/me/phone", response_model=PhoneStatusOut, responses=_401)
def get_phone(user: ApiUser, db: DbDep, settings: SettingsDep) -> PhoneStatusOut:
    """The verified number, the code waiting to be entered, attempts left, when to resend."""
    state = service.phone_state(db, settings, user)
    pending = None
    if state.pending_phone and state.pending_expires_at:
        pending = PendingCodeOut(
            phone=state.pending_phone,
            expires_at=state.pending_expires_at,
            expired=state.pending_expired,
        )
    return PhoneStatusOut(
        phone=state.verified_phone,
        verified_at=state.verified_at,
        pending=pending,
        attempts_left=state.attempts_left,
        resend_after=state.send_block.until if state.send_block else None,
    )


@router.post(
    "/me/phone",
    status_code=202,
    response_model=CodeSentOut,
    responses={
        **_401,
        409: {"description": "Number already verified (here or on another account)"},
        422: {"description": "Invalid or non-mobile number"},
        429: {"description": "A sending limit; see Retry-After"},
        503: {"description": "The SMS gateway failed; nothing was counted"},
    },
)
def send_phone_code(
    body: PhoneIn, user: ApiUser, db: DbDep, settings: SettingsDep, gateway: SmsGatewayDep
) -> CodeSentOut:
    """Send a 6-digit code by SMS. 202: the code is on its way."""
    sent = service.send_code(db, settings, user, body.phone, gateway=gateway)
    return CodeSentOut(phone=sent.phone, expires_at=sent.expires_at, resend_after=sent.resend_after)


@router.post(
    "/me/phone/verify",
    response_model=PhoneVerifiedOut,
    responses={
        **_401,
        409: {"description": "Another account verified the number first"},
        422: {"description": "Wrong, expired or missing code; see attempts_left"},
        429: {"description": "No wrong attempts left today; see Retry-After"},
    },
)
def verify_phone(body: CodeIn, user: ApiUser, db: DbDep, settings: SettingsDep) -> PhoneVerifiedOut:
    try:
        verified = service.verify_code(db, settings, user, body.code)
    except Unprocessable:
        db.commit()  # keep the wrong attempt: the daily limit counts it (trust.md §2.1)
        raise
    assert verified.phone_e164 is not None and verified.phone_verified_at is not None
    return PhoneVerifiedOut(phone=verified.phone_e164, verified_at=verified.phone_verified_at)
