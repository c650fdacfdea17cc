"""Account writes. Each function runs inside the caller's unit of work and never commits."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import (
    STATUSES,
    AccountStatusChange,
    ApiToken,
    ClientProfile,
    FreelancerProfile,
    LoginAttempt,
    OneTimeToken,
    User,
    WebSession,
)
from workhall.accounts.rules import (
    CompletenessFacts,
    password_problem,
    profile_completeness,
    text_problem,
    throttle_delay,
)
from workhall.audit.service import record
from workhall.core import security
from workhall.core.clock import utcnow
from workhall.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
)
from workhall.core.security import (
    hash_password,
    new_token,
    password_needs_rehash,
    token_digest,
    verify_password,
)
from workhall.core.settings import Settings
from workhall.notifications.service import queue_email


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_is_plain_text(email: str) -> bool:
    """No control characters or unpaired surrogates: safe to look up on every database."""
    return text_problem(email, label="Email", max_length=254) is None


def _new_handle(session: Session, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "", name.lower())[:24] or "user"
    while True:
        handle = f"{base}{secrets.randbelow(10_000):04d}"
        if session.scalar(select(User.id).where(User.handle == handle)) is None:
            return handle


def sign_up(
    session: Session,
    settings: Settings,
    *,
    email: str,
    password: str,
    name: str,
    country: str,
    role: str,
    handle: str | None = None,
    staff_roles: str = "",
    password_hash: str | None = None,
) -> User:
    """Create an account (marketplace.md §1). Freelancers get their plan's Connects grant.

    ``password_hash`` lets bulk loaders (the demo) reuse one argon2id hash of the checked
    password instead of paying for a fresh hash per account.
    """
    email = normalize_email(email)
    problem = password_problem(
        password,
        min_length=settings.password_min_length,
        max_length=settings.password_max_length,
        email=email,
    )
    if problem:
        raise Unprocessable(problem, field="password")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("An account with this email already exists.", field="email")
    now = utcnow()
    user = User(
        handle=handle or _new_handle(session, name),
        email=email,
        name=name.strip(),
        country=country.upper(),
        password_hash=password_hash or hash_password(password),
        role=role,
        staff_roles=staff_roles,
        status="active",
        created_at=now,
        connects_plan="basic",
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    if role == "freelancer":
        session.add(FreelancerProfile(user_id=user.id, updated_at=now))
        from workhall.connects.service import grant_signup_connects

        grant_signup_connects(session, settings, user)
        from workhall.reputation.completeness import record_completeness

        record_completeness(session, user)  # reputation.md §6: the history starts at sign-up
    elif role == "client":
        session.add(ClientProfile(user_id=user.id))
    record(session, "account.created", "user", user.id, actor_id=user.id, role=role)
    if role != "staff":
        send_email_verification(session, settings, user)
    return user


# --- sign-in and throttling (trust.md §3) ----------------------------------------------------


@dataclass
class LoginResult:
    user: User


def _pair_failures(session: Session, email: str, ip: str, since: datetime) -> list[datetime]:
    """Consecutive failures of this (account, IP) pair since its last success, newest first."""
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email, LoginAttempt.ip == ip, LoginAttempt.succeeded.is_(True)
        )
    )
    start = max(since, last_success) if last_success else since
    return list(
        session.scalars(
            select(LoginAttempt.at)
            .where(
                LoginAttempt.email == email,
                LoginAttempt.ip == ip,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.at > start,
            )
            .order_by(LoginAttempt.at.desc())
        )
    )


def raise_if_throttled(
    settings: Settings, failures: list[datetime], now: datetime, message: str
) -> None:
    """Refuse an attempt while consecutive failures (newest first) still impose a delay
    (trust.md §3: increasing delays)."""
    delay = throttle_delay(
        len(failures),
        free_failures=settings.login_ip_pair_free_failures,
        base_seconds=settings.login_pair_base_delay_seconds,
        max_seconds=settings.login_pair_max_delay_seconds,
    )
    if failures and now < failures[0] + timedelta(seconds=delay):
        wait = int((failures[0] + timedelta(seconds=delay) - now).total_seconds()) + 1
        raise TooManyRequests(f"{message} Try again in {wait} seconds.", retry_after=wait)


def authenticate(session: Session, settings: Settings, email: str, password: str, ip: str) -> User:
    """Check a password with throttling per (account, IP) and per IP; lock after 100 failures.

    Raises Unauthorized for wrong credentials and TooManyRequests while throttled. The attempt
    is recorded either way, so the caller must commit even when this raises.
    """
    email = normalize_email(email)
    if not email_is_plain_text(email):
        # A control character (NUL breaks PostgreSQL) can match no account: nothing to count.
        raise Unauthorized("Wrong email or password.")
    now = utcnow()
    ip_failures = (
        session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                LoginAttempt.ip == ip,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.at > now - timedelta(hours=1),
            )
        )
        or 0
    )
    if ip_failures >= settings.login_ip_max_failures_per_hour:
        raise TooManyRequests(
            "Too many failed sign-ins from this address. Try again later.", retry_after=3600
        )
    failures = _pair_failures(session, email, ip, now - timedelta(days=1))
    raise_if_throttled(settings, failures, now, "Too many failed sign-ins.")

    user = session.scalar(select(User).where(User.email == email).with_for_update())
    ok = verify_password(user.password_hash if user else security.DUMMY_PASSWORD_HASH, password)
    session.add(LoginAttempt(email=email, ip=ip, at=now, succeeded=bool(ok and user)))
    if user is None or not ok:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_lock_after_failures and user.locked_at is None:
                user.locked_at = now
                record(session, "account.locked", "user", user.id, failures=user.failed_logins)
        raise Unauthorized("Wrong email or password.")
    if user.locked_at is not None:
        raise Unauthorized(
            "This account is locked after too many failed sign-ins. "
            "Reset your password by email to unlock it.",
            locked=True,
        )
    if user.status == "closed":
        raise Unauthorized("This account is closed.")
    user.failed_logins = 0
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def create_web_session(
    session: Session, settings: Settings, user: User, ip: str = "", user_agent: str = ""
) -> tuple[str, WebSession]:
    """A new session id at every login (no fixation); returns the cookie token."""
    token = new_token()
    now = utcnow()
    ws = WebSession(
        token_hash=token_digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now,
        expires_at=now + timedelta(days=settings.session_max_age_days),
        ip=ip[:64],
        user_agent=user_agent[:300],
    )
    session.add(ws)
    session.flush()
    return token, ws


def resolve_web_session(session: Session, token: str) -> WebSession | None:
    ws = session.scalar(select(WebSession).where(WebSession.token_hash == token_digest(token)))
    if ws is None or ws.revoked_at is not None or ws.expires_at <= utcnow():
        return None
    return ws


def revoke_web_session(session: Session, token: str) -> None:
    ws = session.scalar(select(WebSession).where(WebSession.token_hash == token_digest(token)))
    if ws is not None and ws.revoked_at is None:
        ws.revoked_at = utcnow()


def revoke_all_sessions(session: Session, user: User) -> None:
    now = utcnow()
    for ws in session.scalars(
        select(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
    ):
        ws.revoked_at = now
    for tok in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        tok.revoked_at = now


def create_api_token(session: Session, settings: Settings, user: User) -> str:
    token = new_token()
    now = utcnow()
    session.add(
        ApiToken(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(days=settings.api_token_max_age_days),
        )
    )
    session.flush()
    return token


def revoke_api_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def resolve_api_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return session.get(User, row.user_id)


# --- signed one-time links ------------------------------------------------------------------


def _issue_link_token(session: Session, user: User, purpose: str, ttl_seconds: int) -> str:
    token = new_token()
    now = utcnow()
    session.add(
        OneTimeToken(
            purpose=purpose,
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
    )
    return token


def _consume_link_token(session: Session, token: str, purpose: str) -> User:
    row = session.scalar(
        select(OneTimeToken)
        .where(OneTimeToken.token_hash == token_digest(token), OneTimeToken.purpose == purpose)
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise Unprocessable("This link is invalid, expired or already used.")
    row.used_at = utcnow()
    user = session.get(User, row.user_id)
    if user is None:
        raise NotFound("Account not found.")
    return user


def send_email_verification(session: Session, settings: Settings, user: User) -> None:
    token = _issue_link_token(
        session, user, "verify_email", settings.email_verification_ttl_seconds
    )
    link = f"{settings.base_url}/verify-email?token={token}"
    queue_email(
        session,
        user.email,
        "Confirm your email for Workhall",
        f"Hello {user.name},\n\nConfirm your email address:\n{link}\n",
        user.id,
    )


def verify_email(session: Session, token: str) -> User:
    user = _consume_link_token(session, token, "verify_email")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    return user


def request_password_reset(session: Session, settings: Settings, email: str) -> None:
    """Always succeeds silently so it does not reveal which emails have accounts."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or user.status == "closed":
        return
    for old in session.scalars(
        select(OneTimeToken).where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == "reset_password",
            OneTimeToken.used_at.is_(None),
        )
    ):
        old.used_at = utcnow()
    token = _issue_link_token(session, user, "reset_password", settings.password_reset_ttl_seconds)
    link = f"{settings.base_url}/reset-password?token={token}"
    queue_email(
        session,
        user.email,
        "Reset your Workhall password",
        f"Reset your password within one hour:\n{link}\n"
        "If you did not ask for this, ignore this email.",
        user.id,
    )


def reset_password(session: Session, settings: Settings, token: str, new_password: str) -> User:
    problem = password_problem(
        new_password,
        min_length=settings.password_min_length,
        max_length=settings.password_max_length,
    )
    if problem:
        raise Unprocessable(problem, field="password")
    user = _consume_link_token(session, token, "reset_password")
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_at = None
    revoke_all_sessions(session, user)
    record(session, "account.password_reset", "user", user.id, actor_id=user.id)
    return user


# --- status and gates -------------------------------------------------------------------------


def change_status(
    session: Session, user: User, to_status: str, *, actor: User | None, reason: str
) -> None:
    """Record every change of account status with actor, reason and time (marketplace.md §1)."""
    if to_status not in STATUSES:
        raise Unprocessable(f"Unknown status {to_status!r}.")
    if user.status == to_status:
        return
    session.add(
        AccountStatusChange(
            user_id=user.id,
            from_status=user.status,
            to_status=to_status,
            actor_id=actor.id if actor else None,
            reason=reason[:500],
            at=utcnow(),
        )
    )
    record(
        session,
        "account.status",
        "user",
        user.id,
        actor_id=actor.id if actor else None,
        from_status=user.status,
        to_status=to_status,
        reason=reason[:500],
    )
    user.status = to_status
    if to_status in ("suspended", "closed"):
        revoke_all_sessions(session, user)


def require_can_transact(settings: Settings, user: User, action: str) -> None:
    """Gate for posting jobs and sending proposals (marketplace.md §1–§3, trust.md §2.1)."""
    if user.status != "active":
        raise Forbidden(f"Your account is {user.status.replace('_', ' ')}; you cannot {action}.")
    if settings.require_email_verification and user.email_verified_at is None:
        raise Forbidden(
            f"Confirm your email address before you {action}.", reason="email_unverified"
        )
    if settings.require_phone_verification and user.phone_verified_at is None:
        raise Forbidden(f"Verify your phone number before you {action}.", reason="phone_unverified")


def freelancer_completeness(user: User) -> int:
    profile = user.freelancer_profile
    if profile is None:
        return 0
    return profile_completeness(completeness_facts(user, profile))


def completeness_facts(user: User, profile: FreelancerProfile) -> CompletenessFacts:
    return CompletenessFacts(
        has_photo=bool(profile.photo_path),
        title=profile.title,
        overview=profile.overview,
        skill_count=len(profile.skills),
        has_hourly_rate=profile.hourly_rate_cents is not None,
        portfolio_count=len(profile.portfolio),
        phone_verified=user.phone_verified,
    )


# --- account and security settings (trust.md §3) ----------------------------------------------


def _links_sent_since(session: Session, user: User, purpose: str, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(OneTimeToken)
            .where(
                OneTimeToken.user_id == user.id,
                OneTimeToken.purpose == purpose,
                OneTimeToken.created_at > since,
            )
        )
        or 0
    )


def resend_email_verification(session: Session, settings: Settings, user: User) -> None:
    """Send a new confirmation link, at most ``email_links_max_per_hour`` an hour."""
    if user.email_verified_at is not None:
        raise Conflict("Your email address is already confirmed.")
    sent = _links_sent_since(session, user, "verify_email", utcnow() - timedelta(hours=1))
    if sent >= settings.email_links_max_per_hour:
        raise TooManyRequests(
            "We already sent several links this hour. Check your inbox "
            "(and spam folder), or try again later.",
            retry_after=3600,
        )
    send_email_verification(session, settings, user)


def send_password_reset_link(session: Session, settings: Settings, email: str) -> None:
    """``request_password_reset`` with a quiet hourly cap, so the form cannot flood an inbox.

    Says nothing either way: the page answers the same for unknown emails and capped ones.
    """
    email = normalize_email(email[:254])
    if not email_is_plain_text(email):
        return
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        return
    if _links_sent_since(session, user, "reset_password", utcnow() - timedelta(hours=1)) >= (
        settings.email_links_max_per_hour
    ):
        return
    request_password_reset(session, settings, user.email)


def check_current_password(
    session: Session, settings: Settings, user: User, password: str, ip: str
) -> None:
    """Confirm a signed-in user's password, throttled and counted like a sign-in (trust.md §3).

    The attempt is recorded, so the caller must commit even when this raises.
    """
    try:
        authenticate(session, settings, user.email, password, ip)
    except Unauthorized as exc:
        if exc.extra.get("locked"):
            raise
        raise Unauthorized(
            "Your current password is not right.", field="current_password"
        ) from None


def change_password(
    session: Session,
    settings: Settings,
    user: User,
    *,
    current_password: str,
    new_password: str,
    ip: str,
    keep_session_id: int | None = None,
    keep_token_id: int | None = None,
) -> None:
    """Change the password after checking the current one.

    Every other browser session and API token is revoked (the one making the change is kept),
    and the owner is told by email. The caller commits even when this raises (the check counts).
    """
    problem = password_problem(
        new_password,
        min_length=settings.password_min_length,
        max_length=settings.password_max_length,
        email=user.email,
    )
    if problem:
        raise Unprocessable(problem, field="new_password")
    if new_password == current_password:
        raise Unprocessable(
            "Choose a new password different from the current one.", field="new_password"
        )
    check_current_password(session, settings, user, current_password, ip)
    user.password_hash = hash_password(new_password)
    revoke_other_sessions(
        session,
        user,
        keep_session_id=keep_session_id,
        keep_token_id=keep_token_id,
        include_tokens=True,
    )
    record(session, "account.password_changed", "user", user.id, actor_id=user.id)
    queue_email(
        session,
        user.email,
        "Your Workhall password was changed",
        f"Hello {user.name},\n\nThe password of your Workhall account was just changed "
        "and your other sessions were signed out.\nIf this was not you, reset your "
        f"password now: {settings.base_url}/forgot-password\n",
        user.id,
    )


def active_web_sessions(session: Session, user: User) -> list[WebSession]:
    return list(
        session.scalars(
            select(WebSession)
            .where(
                WebSession.user_id == user.id,
                WebSession.revoked_at.is_(None),
                WebSession.expires_at > utcnow(),
            )
            .order_by(WebSession.created_at.desc(), WebSession.id.desc())
        )
    )


def revoke_other_sessions(
    session: Session,
    user: User,
    *,
    keep_session_id: int | None,
    keep_token_id: int | None = None,
    include_tokens: bool = False,
) -> int:
    """Server-side revocation of every session but ``keep_session_id`` (trust.md §3)."""
    now = utcnow()
    count = 0
    for ws in session.scalars(
        select(WebSession).where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
    ):
        if ws.id != keep_session_id:
            ws.revoked_at = now
            count += 1
    if include_tokens:
        for tok in session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        ):
            if tok.id != keep_token_id:
                tok.revoked_at = now
    return count


def revoke_web_session_by_id(session: Session, user: User, session_id: int) -> None:
    """Sign out one of the user's own browser sessions; any other id is not found."""
    ws = session.get(WebSession, session_id)
    if ws is None or ws.user_id != user.id:
        raise NotFound("No such session.")
    if ws.revoked_at is None:
        ws.revoked_at = utcnow()


def active_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_api_token_by_id(session: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's own API tokens; any other id is not found."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No such API token.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def close_account(
    session: Session, settings: Settings, user: User, *, password: str, ip: str
) -> None:
    """Close an account at its owner's request (marketplace.md §1).

    "The ledger and contracts are kept, personal data erased": the name, email, password,
    profile text, photo, portfolio and second factor go; the account row, its handle, country,
    contracts, ledger and audit trail stay. The verified phone number stays on the closed
    account (trust.md §2.1: one verified account per number, released only by support), is
    never shown, and nothing can sign in with it. Other features may refuse the closing (an
    open contract, money still available) by raising a Problem from an ``account.closing``
    event handler. Locks the user row (through the password check). The caller commits even
    when this raises: the password check counts as a sign-in attempt.
    """
    if user.status == "closed":
        raise Conflict("This account is already closed.")
    check_current_password(session, settings, user, password, ip)
    # A savepoint: a refusal from another feature undoes the closing but keeps the attempt.
    with session.begin_nested():
        _close(session, settings, user)


def _close(session: Session, settings: Settings, user: User) -> None:
    from workhall.accounts.profiles import erase_profiles
    from workhall.accounts.rules import CLOSED_NAME, closed_email
    from workhall.core.events import publish

    publish("account.closing", session=session, user=user)
    old_email = user.email
    change_status(session, user, "closed", actor=user, reason="Closed by the account holder.")
    erase_profiles(session, settings, user)
    user.name = CLOSED_NAME
    user.email = closed_email(user.id)
    user.password_hash = hash_password(new_token())  # nobody knows it: no sign-in is possible
    user.totp_secret = None
    user.totp_enabled_at = None
    now = utcnow()
    for link in session.scalars(
        select(OneTimeToken).where(OneTimeToken.user_id == user.id, OneTimeToken.used_at.is_(None))
    ):
        link.used_at = now
    for ws in session.scalars(select(WebSession).where(WebSession.user_id == user.id)):
        ws.ip = ""
        ws.user_agent = ""
    for attempt in session.scalars(select(LoginAttempt).where(LoginAttempt.email == old_email)):
        session.delete(attempt)
    session.flush()
    publish("account.closed", session=session, user=user)


def link_token_usable(session: Session, token: str, purpose: str) -> bool:
    """Whether a one-time link is still good, without using it (to show its form or not)."""
    if not token or len(token) > 100:
        return False
    row = session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == token_digest(token), OneTimeToken.purpose == purpose
        )
    )
    return row is not None and row.used_at is None and row.expires_at > utcnow()


def api_token_id(session: Session, token: str) -> int | None:
    """The row id of an API token (to keep it when revoking the others)."""
    return session.scalar(select(ApiToken.id).where(ApiToken.token_hash == token_digest(token)))
