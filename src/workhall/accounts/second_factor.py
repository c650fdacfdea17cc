"""Staff second factor: TOTP with ``pyotp`` (marketplace.md §1, trust.md §3).

A staff sign-in is two steps. The right password opens a *pending login* — a short-lived token in
its own cookie that is not a session and opens no page but the code form. A staff member without
a confirmed authenticator enrols at that point: the secret is shown once, as text and as an
``otpauth://`` URI, and the first right code confirms it. Wrong codes are throttled per account
with the same increasing delays as passwords, and a pending login dies after a few wrong codes.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import PendingLogin, SecondFactorAttempt, User
from workhall.accounts.rules import totp_code_shape_ok
from workhall.accounts.service import raise_if_throttled
from workhall.audit.service import record
from workhall.core.clock import utcnow
from workhall.core.errors import Forbidden, Unauthorized, Unprocessable
from workhall.core.security import new_token, token_digest
from workhall.core.settings import Settings

ISSUER = "Workhall"
PENDING_COOKIE = "wh_2fa"


def needs_second_factor(user: User) -> bool:
    return user.is_staff


def is_enrolled(user: User) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def provisioning_uri(user: User) -> str:
    """The ``otpauth://`` URI an authenticator app imports (shown as text: no QR service)."""
    assert user.totp_secret
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def start_pending_login(
    session: Session, settings: Settings, user: User, *, ip: str, user_agent: str, next_url: str
) -> str:
    """After the right password: a pending login token (for the ``wh_2fa`` cookie).

    A staff member not yet enrolled gets a new secret here (a write request), so the enrolment
    page itself only reads. The secret stays unconfirmed until the first right code.
    """
    if not is_enrolled(user):
        user.totp_secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
        user.totp_last_step = None
    token = new_token()
    now = utcnow()
    session.add(
        PendingLogin(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.second_factor_ttl_seconds),
            wrong_codes=0,
            next_url=next_url[:500],
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    session.flush()
    return token


def resolve_pending_login(session: Session, settings: Settings, token: str) -> PendingLogin | None:
    row = session.scalar(select(PendingLogin).where(PendingLogin.token_hash == token_digest(token)))
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= utcnow()
        or row.wrong_codes >= settings.second_factor_max_codes_per_login
    ):
        return None
    return row


def _matching_step(secret: str, code: str, at: datetime, after_step: int | None) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side for clock drift)."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for offset in (0, -1, 1):
        step = current + offset
        if after_step is not None and step <= after_step:
            continue  # a code is good once: no replay of a code already used
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _consecutive_failures(session: Session, user_id: int, since: datetime) -> list[datetime]:
    last_success = session.scalar(
        select(func.max(SecondFactorAttempt.at)).where(
            SecondFactorAttempt.user_id == user_id, SecondFactorAttempt.succeeded.is_(True)
        )
    )
    start = max(since, last_success) if last_success else since
    return list(
        session.scalars(
            select(SecondFactorAttempt.at)
            .where(
                SecondFactorAttempt.user_id == user_id,
                SecondFactorAttempt.succeeded.is_(False),
                SecondFactorAttempt.at > start,
            )
            .order_by(SecondFactorAttempt.at.desc())
        )
    )


def check_code(session: Session, settings: Settings, user: User, code: str) -> None:
    """Accept a TOTP code or raise; throttled with increasing delays (trust.md §3).

    Locks the user row (PostgreSQL) so two racing requests cannot both use one code. Every
    attempt is recorded, so the caller must commit even when this raises.
    """
    now = utcnow()
    locked = session.scalar(select(User).where(User.id == user.id).with_for_update())
    assert locked is not None
    if not locked.totp_secret:
        raise Forbidden("This account has no authenticator set up.")
    failures = _consecutive_failures(session, user.id, now - timedelta(days=1))
    raise_if_throttled(settings, failures, now, "Too many wrong codes.")
    code = code.strip().replace(" ", "")
    step = None
    if totp_code_shape_ok(code):
        step = _matching_step(locked.totp_secret, code, now, locked.totp_last_step)
    session.add(SecondFactorAttempt(user_id=user.id, at=now, succeeded=step is not None))
    if step is None:
        raise Unauthorized("That code is not right. Enter the 6-digit code your app shows now.")
    locked.totp_last_step = step
    if locked.totp_enabled_at is None:
        locked.totp_enabled_at = now
        record(session, "account.totp_enrolled", "user", user.id, actor_id=user.id)


def complete_pending_login(
    session: Session, settings: Settings, pending: PendingLogin, code: str
) -> User:
    """The second step of a staff sign-in: the code turns the pending login into a user.

    Each wrong code counts against the pending login; after the last allowed one it is spent
    and the password must be entered again. The caller commits even when this raises.
    """
    user = session.get(User, pending.user_id)
    if user is None or user.status in ("suspended", "closed") or user.locked_at is not None:
        pending.used_at = utcnow()
        raise Unauthorized("This account cannot sign in.")
    try:
        check_code(session, settings, user, code)
    except Unauthorized:
        pending.wrong_codes += 1
        if pending.wrong_codes >= settings.second_factor_max_codes_per_login:
            pending.used_at = utcnow()
            raise Unauthorized(
                "Too many wrong codes. Sign in again with your password.", restart=True
            ) from None
        raise
    pending.used_at = utcnow()
    return user


def reset_second_factor(session: Session, actor: User, user: User, *, reason: str) -> None:
    """An administrator clears a staff member's authenticator (lost phone); audited.

    The staff member enrols a new one at their next sign-in. Their sessions are revoked, so a
    stolen device that is still signed in is shut out too.
    """
    from workhall.accounts.service import revoke_all_sessions

    if not (actor.is_staff and actor.has_staff_role("admin")):
        raise Forbidden("Only administrators can reset a second factor.")
    if not user.is_staff:
        raise Forbidden("Only staff accounts have a second factor.")
    if not reason.strip():
        raise Unprocessable("Say why the second factor is reset.", field="reason")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    revoke_all_sessions(session, user)
    record(session, "account.totp_reset", "user", user.id, actor_id=actor.id, reason=reason[:500])
