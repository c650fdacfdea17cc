"""Phone verification writes (trust.md §2.1). Each runs in the caller's unit of work.

Lock order, everywhere: account rows first (``users``, by id), then the number's row
(``phone_numbers``). The account lock keeps two requests of one account from both passing its
limits; the number lock does the same across accounts (the per-number daily limit and "one
verified account per number"). On SQLite the writing transaction (``BEGIN IMMEDIATE``) already
serialises everything; ``FOR UPDATE`` is what serialises on PostgreSQL.

Sending a code — why the SMS goes out last: the code row and the cancellation of older codes are
written and flushed first (so every constraint has been checked), then the gateway is called,
and the transaction commits when the request returns. If the gateway fails we raise, the
transaction rolls back, and nothing is stored: the send is not counted against any limit and the
older code stays valid. The one leftover risk — the commit itself failing after the SMS left —
gives the user a code that does not work; they ask for another, and no limit was spent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from sqlalchemy import CursorResult, delete, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit.service import record
from workhall.core.clock import utcnow
from workhall.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    TooManyRequests,
    Unprocessable,
)
from workhall.core.settings import Settings
from workhall.notifications.service import notify
from workhall.reputation.completeness import record_completeness
from workhall.verification import rules
from workhall.verification.models import PhoneCode, PhoneCodeAttempt, PhoneNumber
from workhall.verification.rules import DAY, Block, OtpLimits
from workhall.verification.sms import SmsDeliveryError, SmsGateway

RELEASABLE_STATUSES = ("closed", "suspended")
RELEASE_REASON_MIN, RELEASE_REASON_MAX = 5, 500


class SmsUnavailable(Problem):
    """The gateway refused or could not be reached; nothing was stored or counted."""

    status, slug, title = 503, "sms-unavailable", "Text message not sent"


def limits_from(settings: Settings) -> OtpLimits:
    return OtpLimits(
        ttl_seconds=settings.otp_ttl_seconds,
        max_wrong_attempts_per_day=settings.otp_max_wrong_attempts_per_day,
        max_sends_per_account_per_day=settings.otp_max_sends_per_account_per_day,
        min_seconds_between_sends=settings.otp_min_seconds_between_sends,
        max_sends_per_number_per_day=settings.otp_max_sends_per_number_per_day,
    )


# --- locks and facts ------------------------------------------------------------------------


def lock_user(session: Session, user_id: int) -> User:
    """Lock the account row (``SELECT … FOR UPDATE``) and reload it."""
    user = session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFound("Account not found.")
    return user


def lock_number(session: Session, e164: str) -> None:
    """Create the number's row if new, then lock it (``SELECT … FOR UPDATE``)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Retry covers the purge task deleting the row between our insert and our lock.
    for _ in range(3):
        session.execute(
            insert(PhoneNumber)
            .values(e164=e164, first_seen_at=utcnow())
            .on_conflict_do_nothing(index_elements=["e164"])
        )
        locked = session.scalar(
            select(PhoneNumber.e164).where(PhoneNumber.e164 == e164).with_for_update()
        )
        if locked is not None:
            return
    raise RuntimeError(f"could not lock phone number row {rules.mask_phone(e164)}")


def _since(now: datetime) -> datetime:
    return now - DAY


def _account_sends(session: Session, user_id: int, now: datetime) -> list[datetime]:
    return list(
        session.scalars(
            select(PhoneCode.created_at).where(
                PhoneCode.user_id == user_id, PhoneCode.created_at > _since(now)
            )
        )
    )


def _number_sends(session: Session, e164: str, now: datetime) -> list[datetime]:
    return list(
        session.scalars(
            select(PhoneCode.created_at).where(
                PhoneCode.phone_e164 == e164, PhoneCode.created_at > _since(now)
            )
        )
    )


def _wrong_attempts(session: Session, user_id: int, now: datetime) -> list[datetime]:
    return list(
        session.scalars(
            select(PhoneCodeAttempt.at).where(
                PhoneCodeAttempt.user_id == user_id,
                PhoneCodeAttempt.succeeded.is_(False),
                PhoneCodeAttempt.at > _since(now),
            )
        )
    )


def _verified_elsewhere(session: Session, e164: str, user_id: int) -> bool:
    return (
        session.scalar(
            select(User.id).where(
                User.phone_e164 == e164, User.phone_verified_at.is_not(None), User.id != user_id
            )
        )
        is not None
    )


def _pending_code(session: Session, user_id: int) -> PhoneCode | None:
    """The newest code neither used nor replaced (it may have expired)."""
    return session.scalar(
        select(PhoneCode)
        .where(
            PhoneCode.user_id == user_id,
            PhoneCode.used_at.is_(None),
            PhoneCode.cancelled_at.is_(None),
        )
        .order_by(PhoneCode.created_at.desc(), PhoneCode.id.desc())
        .limit(1)
    )


# --- messages ----------------------------------------------------------------------------


def block_message(block: Block, now: datetime, limits: OtpLimits) -> str:
    when = rules.wait_text(block.retry_after(now))
    if block.reason == rules.RESEND_TOO_SOON:
        return f"We just sent you a code. You can ask for another one {when}."
    if block.reason == rules.ACCOUNT_DAILY_LIMIT:
        return (
            f"You have asked for {limits.max_sends_per_account_per_day} codes in the last "
            f"24 hours, the most we allow. You can ask again {when}."
        )
    if block.reason == rules.NUMBER_DAILY_LIMIT:
        return (
            f"This number has received {limits.max_sends_per_number_per_day} codes in the last "
            f"24 hours, the most we allow. You can ask again {when}."
        )
    return (
        f"A wrong code was entered {limits.max_wrong_attempts_per_day} times in the last 24 hours. "
        f"You can try again {when}."
    )


def _throttled(block: Block, now: datetime, limits: OtpLimits, **extra: object) -> TooManyRequests:
    return TooManyRequests(
        block_message(block, now, limits),
        retry_after=block.retry_after(now),
        reason=block.reason,
        retry_at=block.until.isoformat().replace("+00:00", "Z"),
        **extra,
    )


def sms_text(code: str, limits: OtpLimits) -> str:
    # Plain ASCII keeps the message in one GSM-7 SMS.
    minutes = max(1, limits.ttl_seconds // 60)
    return (
        f"Your Workhall code is {code}. It is valid for {minutes} minutes. "
        "Do not share it: Workhall will never ask you for it."
    )


# --- sending a code ------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeSent:
    phone: str
    expires_at: datetime
    resend_after: datetime


def send_code(
    session: Session,
    settings: Settings,
    user: User,
    raw_phone: str,
    *,
    gateway: SmsGateway,
    region: str | None = None,
) -> CodeSent:
    """Send a new code to ``raw_phone`` (read in ``region``, else the account's country).

    Locks the account row, then the number's row. Raises Unprocessable (invalid number),
    Conflict (already verified here or on another account), TooManyRequests (a limit of
    trust.md §2.1) or SmsUnavailable (gateway failure; the caller's transaction rolls back).
    """
    limits = limits_from(settings)
    parsed = rules.parse_phone(raw_phone, region or user.country)
    if parsed.e164 is None:
        raise Unprocessable(parsed.problem or "Invalid phone number.", field="phone")
    e164 = parsed.e164

    user = lock_user(session, user.id)
    if user.phone_verified_at is not None and user.phone_e164 == e164:
        raise Conflict("This number is already verified on your account.", reason="already_yours")
    lock_number(session, e164)
    if _verified_elsewhere(session, e164, user.id):
        raise Conflict(
            "This number is already verified on another Workhall account. "
            "If it is yours, contact support to release it.",
            reason="number_taken",
        )

    now = utcnow()
    account_sends = _account_sends(session, user.id, now)
    number_sends = _number_sends(session, e164, now)
    wrong = _wrong_attempts(session, user.id, now)
    block = rules.send_refusal(
        now,
        account_sends=account_sends,
        number_sends=number_sends,
        wrong_attempts=wrong,
        limits=limits,
    )
    if block is not None:
        raise _throttled(block, now, limits)

    # spec: trust.md §2.1 — "a new code cancels the earlier ones".
    session.execute(
        update(PhoneCode)
        .where(
            PhoneCode.user_id == user.id,
            PhoneCode.used_at.is_(None),
            PhoneCode.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session="fetch")
    )
    code = rules.new_code()
    row = PhoneCode(
        user_id=user.id,
        phone_e164=e164,
        code_hash=rules.code_hash(
            settings.resolved_secret_key(), user_id=user.id, e164=e164, code=code
        ),
        created_at=now,
        expires_at=rules.code_expires_at(now, limits),
    )
    session.add(row)
    session.flush()

    try:
        gateway.send(e164, sms_text(code, limits))
    except SmsDeliveryError as exc:
        raise SmsUnavailable(
            "We could not send the text message just now. Nothing was counted against your "
            "limits; please try again in a few minutes.",
            reason="sms_failed",
        ) from exc

    after = rules.send_refusal(
        now,
        account_sends=[*account_sends, now],
        number_sends=[*number_sends, now],
        wrong_attempts=wrong,
        limits=limits,
    )
    return CodeSent(
        phone=e164, expires_at=row.expires_at, resend_after=after.until if after else now
    )


# --- checking a code -----------------------------------------------------------------------


def verify_code(session: Session, settings: Settings, user: User, code: str) -> User:
    """Check ``code`` against the account's live code; on success the number is verified.

    Locks the account row, then (right code) the number's row. A wrong code is recorded and
    raises Unprocessable — the caller must commit even then, or the attempt would not count.
    Raises TooManyRequests when the day's wrong attempts are used (even for the right code) and
    Conflict when another account verified the number first.
    """
    limits = limits_from(settings)
    code = code.strip()
    if len(code) != rules.CODE_DIGITS or not code.isascii() or not code.isdigit():
        raise Unprocessable(f"The code has {rules.CODE_DIGITS} digits.", field="code")

    user = lock_user(session, user.id)
    now = utcnow()
    wrong = _wrong_attempts(session, user.id, now)
    block = rules.check_refusal(now, wrong, limits)
    if block is not None:
        raise _throttled(block, now, limits, attempts_left=0)
    left = rules.attempts_left(now, wrong, limits)

    row = _pending_code(session, user.id)
    if row is None:
        raise Unprocessable(
            "There is no code waiting for you. Ask for a new code.",
            reason="no_code",
            attempts_left=left,
            field="code",
        )
    if not rules.code_is_live(
        now, expires_at=row.expires_at, used_at=row.used_at, cancelled_at=row.cancelled_at
    ):
        raise Unprocessable(
            "This code has expired. Ask for a new code.",
            reason="expired",
            attempts_left=left,
            field="code",
        )

    candidate = rules.code_hash(
        settings.resolved_secret_key(), user_id=user.id, e164=row.phone_e164, code=code
    )
    if not rules.code_matches(row.code_hash, candidate):
        session.add(PhoneCodeAttempt(user_id=user.id, code_id=row.id, at=now, succeeded=False))
        session.flush()
        left -= 1
        exhausted = rules.check_refusal(now, [*wrong, now], limits)
        if exhausted is not None:
            wait = rules.wait_text(exhausted.retry_after(now))
            detail = f"That code is not right, and no attempts are left. Try again {wait}."
        else:
            detail = (
                f"That code is not right. Use the code from the newest message; "
                f"{left} attempt{'s' if left != 1 else ''} left."
            )
        raise Unprocessable(detail, reason="wrong_code", attempts_left=left, field="code")

    lock_number(session, row.phone_e164)
    if _verified_elsewhere(session, row.phone_e164, user.id):
        raise Conflict(
            "This number was just verified on another Workhall account.", reason="number_taken"
        )

    row.used_at = now
    session.add(PhoneCodeAttempt(user_id=user.id, code_id=row.id, at=now, succeeded=True))
    previous = user.phone_e164 if user.phone_verified_at is not None else None
    user.phone_e164 = row.phone_e164
    user.phone_verified_at = now
    record(
        session,
        "phone.verified",
        "user",
        user.id,
        actor_id=user.id,
        phone=row.phone_e164,
        previous=previous,
    )
    if previous is not None and previous != row.phone_e164:
        # A changed number is a security event: tell the owner on every channel we have.
        notify(
            session,
            user,
            "phone_changed",
            f"Your Workhall phone number was changed to {rules.mask_phone(row.phone_e164)}. "
            "If you did not do this, change your password and contact support.",
            "/settings/phone",
        )
    record_completeness(session, user)  # the phone is a completeness item
    session.flush()
    return user


# --- what the pages and the API show -------------------------------------------------------


@dataclass(frozen=True)
class PhoneState:
    verified_phone: str | None
    verified_at: datetime | None
    pending_phone: str | None
    pending_expires_at: datetime | None
    pending_expired: bool
    attempts_left: int
    send_block: Block | None  # for a resend to the pending number (or any number if none)
    check_block: Block | None


def phone_state(session: Session, settings: Settings, user: User) -> PhoneState:
    """Read-only snapshot for the settings page and ``GET /api/v1/me/phone``."""
    limits = limits_from(settings)
    now = utcnow()
    wrong = _wrong_attempts(session, user.id, now)
    pending = _pending_code(session, user.id)
    number_sends = _number_sends(session, pending.phone_e164, now) if pending else []
    return PhoneState(
        verified_phone=user.phone_e164 if user.phone_verified else None,
        verified_at=user.phone_verified_at,
        pending_phone=pending.phone_e164 if pending else None,
        pending_expires_at=pending.expires_at if pending else None,
        pending_expired=bool(pending and now >= pending.expires_at),
        attempts_left=rules.attempts_left(now, wrong, limits),
        send_block=rules.send_refusal(
            now,
            account_sends=_account_sends(session, user.id, now),
            number_sends=number_sends,
            wrong_attempts=wrong,
            limits=limits,
        ),
        check_block=rules.check_refusal(now, wrong, limits),
    )


# --- support: releasing a number -----------------------------------------------------------


def normalize_for_lookup(raw: str) -> str:
    """E.164 of a number typed by staff (international format; no mobile check, so any
    number an account holds — imported ones included — can be looked up)."""
    text = raw.strip()
    if not text or len(text) > rules.MAX_PHONE_INPUT_LENGTH:
        raise Unprocessable(
            "Enter the number in international format, starting with +.", field="phone"
        )
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise Unprocessable(
            "Enter the number in international format, starting with +.", field="phone"
        ) from exc
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def require_support(actor: User) -> None:
    if not (actor.is_staff and actor.is_active and actor.has_staff_role("support")):
        raise Forbidden("Only support staff can release phone numbers.")


def number_holders(session: Session, actor: User, e164: str) -> list[User]:
    """Accounts holding ``e164`` as their verified number (staff lookup)."""
    require_support(actor)
    return list(
        session.scalars(
            select(User)
            .where(User.phone_e164 == e164, User.phone_verified_at.is_not(None))
            .order_by(User.id)
        )
    )


def release_number(session: Session, actor: User, e164: str, reason: str) -> list[User]:
    """Support frees a number held by a closed or suspended account (trust.md §2.1).

    Locks the holders' account rows (by id), then the number's row. The holders lose the
    number and its verification; each release is audited with the actor and the reason.
    """
    require_support(actor)
    e164 = normalize_for_lookup(e164)
    reason = reason.strip()
    if not RELEASE_REASON_MIN <= len(reason) <= RELEASE_REASON_MAX:
        raise Unprocessable(
            f"Give a reason of {RELEASE_REASON_MIN} to {RELEASE_REASON_MAX} characters.",
            field="reason",
        )
    holders = list(
        session.scalars(
            select(User)
            .where(User.phone_e164 == e164, User.phone_verified_at.is_not(None))
            .order_by(User.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    if not holders:
        raise NotFound("No account holds this number as its verified phone.")
    active = [h for h in holders if h.status not in RELEASABLE_STATUSES]
    if active:
        raise Conflict(
            f"The number belongs to @{active[0].handle}, whose account is "
            f"{active[0].status.replace('_', ' ')}. Only numbers of closed or suspended "
            "accounts can be released.",
            reason="holder_active",
        )
    lock_number(session, e164)
    for holder in holders:
        record(
            session,
            "phone.released",
            "user",
            holder.id,
            actor_id=actor.id,
            phone=e164,
            holder_status=holder.status,
            reason=reason,
        )
        holder.phone_e164 = None
        holder.phone_verified_at = None
    session.flush()
    return holders


# --- retention ---------------------------------------------------------------------------


def purge_old_codes(session: Session, settings: Settings) -> int:
    """Delete codes and checks older than ``otp_retention_days`` (they only serve limits of
    24 h and abuse reviews), then numbers nothing refers to any more. Returns rows deleted."""
    cutoff = utcnow() - timedelta(days=settings.otp_retention_days)
    old_codes = select(PhoneCode.id).where(PhoneCode.created_at < cutoff)
    statements = [
        delete(PhoneCodeAttempt).where(PhoneCodeAttempt.code_id.in_(old_codes)),
        delete(PhoneCode).where(PhoneCode.created_at < cutoff),
        delete(PhoneNumber).where(
            PhoneNumber.first_seen_at < cutoff,
            ~exists().where(PhoneCode.phone_e164 == PhoneNumber.e164),
            ~exists().where(User.phone_e164 == PhoneNumber.e164),
        ),
    ]
    deleted = 0
    for statement in statements:
        result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
        deleted += result.rowcount
    return int(deleted)
