"""Phone verification rules as pure functions over plain facts (trust.md §2.1).

No database and no web here: the service loads the facts (send times, attempt times) and asks
these functions what is allowed. Windows are rolling: "in the last 24 h" at instant T means
(T − 24 h, T] (spec README, rules of reading).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

# spec: trust.md §2.1 — "A 6-digit code from `secrets`".
CODE_DIGITS = 6
DAY = timedelta(hours=24)
MAX_PHONE_INPUT_LENGTH = 32

# Types that can receive an SMS. In North America a number's type is FIXED_LINE_OR_MOBILE
# because the two share ranges; every other type (landline, toll-free, premium, VoIP, pager…)
# is refused so codes are not sent to lines that cannot or should not receive them.
SMS_CAPABLE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


@dataclass(frozen=True)
class OtpLimits:
    """The numbers of trust.md §2.1 (all from ``Settings``)."""

    ttl_seconds: int = 600
    max_wrong_attempts_per_day: int = 5
    max_sends_per_account_per_day: int = 5
    min_seconds_between_sends: int = 60
    max_sends_per_number_per_day: int = 10


# --- phone numbers --------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPhone:
    e164: str | None
    problem: str | None = None


def parse_phone(raw: str, default_region: str | None) -> ParsedPhone:
    """Normalise ``raw`` to E.164 (spec: trust.md §2.1), or say clearly why it is refused.

    National formats are read in ``default_region`` (the user's country); ``+…`` works anywhere.
    """
    text = raw.strip()
    if not text:
        return ParsedPhone(None, "Enter your mobile phone number.")
    if len(text) > MAX_PHONE_INPUT_LENGTH:
        return ParsedPhone(None, "That is too long for a phone number.")
    region = default_region.upper() if default_region else None
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = None
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        if region is None and not text.startswith("+"):
            return ParsedPhone(None, "Enter the number in international format, starting with +.")
        return ParsedPhone(None, "That does not look like a phone number.")
    if not phonenumbers.is_valid_number(number):
        return ParsedPhone(
            None, "That phone number is not valid. Check the digits and the country."
        )
    if phonenumbers.number_type(number) not in SMS_CAPABLE_TYPES:
        return ParsedPhone(
            None,
            "Use a mobile number that can receive text messages; landline, toll-free, premium-rate "
            "and VoIP numbers cannot be verified.",
        )
    return ParsedPhone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def display_phone(e164: str) -> str:
    """Human-readable international form (``+44 7400 123456``)."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str) -> str:
    """For logs: keep the country code and the last two digits only."""
    if len(e164) <= 6:
        return "•" * len(e164)
    return e164[:3] + "•" * (len(e164) - 5) + e164[-2:]


# --- codes -------------------------------------------------------------------------------


def new_code() -> str:
    """spec: trust.md §2.1 — a uniformly random 6-digit code from ``secrets``."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(secret_key: str, *, user_id: int, e164: str, code: str) -> str:
    """HMAC-SHA256 of the code, keyed with a key derived from the app secret.

    Why HMAC and not argon2: a 6-digit code has only 10^6 values, so any unkeyed or salted
    hash — argon2 included — falls to an offline search of that space from a database copy.
    A keyed HMAC cannot be searched without the app secret, which is not in the database; it is
    also cheap, so checking a code is no lever for CPU or memory exhaustion. The user id and
    number are in the message, so a hash is only valid for the account and number it was sent to.
    """
    key = hmac.new(secret_key.encode(), b"workhall/phone-verification-code/v1", "sha256").digest()
    message = f"{user_id}:{e164}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def code_matches(stored_hash: str, candidate_hash: str) -> bool:
    return hmac.compare_digest(stored_hash.encode(), candidate_hash.encode())


def code_expires_at(sent_at: datetime, limits: OtpLimits) -> datetime:
    """spec: trust.md §2.1 — "valid 10 minutes"."""
    return sent_at + timedelta(seconds=limits.ttl_seconds)


def code_is_live(
    now: datetime, *, expires_at: datetime, used_at: datetime | None, cancelled_at: datetime | None
) -> bool:
    """Valid until (not at) its expiry, once (``used_at``), and while no newer code replaced it."""
    return used_at is None and cancelled_at is None and now < expires_at


# --- rolling-window limits ----------------------------------------------------------------


def in_window(times: Sequence[datetime], now: datetime, window: timedelta = DAY) -> list[datetime]:
    """The instants in (now − window, now], oldest first."""
    return sorted(t for t in times if now - window < t <= now)


def _window_frees_at(times: Sequence[datetime], now: datetime, limit: int) -> datetime | None:
    """When fewer than ``limit`` of ``times`` will be in the rolling day, or None if already so."""
    recent = in_window(times, now)
    if len(recent) < limit:
        return None
    # The count must fall to limit − 1: the (len − limit + 1)-th oldest has to leave the window.
    return recent[len(recent) - limit] + DAY


@dataclass(frozen=True)
class Block:
    """Why an action is refused and the instant it becomes possible again."""

    reason: str
    until: datetime

    def retry_after(self, now: datetime) -> int:
        """Whole seconds for the ``Retry-After`` header (at least 1)."""
        return max(1, math.ceil((self.until - now).total_seconds()))


# Reasons, also used by the API (``reason`` in the problem) and by the page's messages.
RESEND_TOO_SOON = "resend_too_soon"
ACCOUNT_DAILY_LIMIT = "account_daily_limit"
NUMBER_DAILY_LIMIT = "number_daily_limit"
ATTEMPTS_EXHAUSTED = "attempts_exhausted"


def send_blocks(
    now: datetime,
    *,
    account_sends: Sequence[datetime],
    number_sends: Sequence[datetime],
    wrong_attempts: Sequence[datetime],
    limits: OtpLimits,
) -> list[Block]:
    """Every rule that forbids sending a code at ``now`` (trust.md §2.1).

    - at least 60 s between sends (of this account);
    - at most 5 codes per account per rolling 24 h;
    - at most 10 codes per number per rolling 24 h over all accounts;
    - and, our choice where the spec is silent: no new code while the account has used all its
      wrong attempts, since it could not be checked anyway (the SMS would be wasted).
    """
    blocks: list[Block] = []
    past = [t for t in account_sends if t <= now]
    if past:
        next_allowed = max(past) + timedelta(seconds=limits.min_seconds_between_sends)
        if now < next_allowed:
            blocks.append(Block(RESEND_TOO_SOON, next_allowed))
    for reason, times, limit in (
        (ACCOUNT_DAILY_LIMIT, account_sends, limits.max_sends_per_account_per_day),
        (NUMBER_DAILY_LIMIT, number_sends, limits.max_sends_per_number_per_day),
        (ATTEMPTS_EXHAUSTED, wrong_attempts, limits.max_wrong_attempts_per_day),
    ):
        frees_at = _window_frees_at(times, now, limit)
        if frees_at is not None:
            blocks.append(Block(reason, frees_at))
    return blocks


def send_refusal(
    now: datetime,
    *,
    account_sends: Sequence[datetime],
    number_sends: Sequence[datetime],
    wrong_attempts: Sequence[datetime],
    limits: OtpLimits,
) -> Block | None:
    """The block that lasts longest (the honest "try again at"), or None when sending is allowed."""
    blocks = send_blocks(
        now,
        account_sends=account_sends,
        number_sends=number_sends,
        wrong_attempts=wrong_attempts,
        limits=limits,
    )
    return max(blocks, key=lambda b: b.until) if blocks else None


def wait_text(seconds: int) -> str:
    """ "in 45 seconds", "in 3 minutes", "in 2 h 5 min" — for messages about a Retry-After."""
    if seconds < 60:
        return f"in {seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"in {minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    return f"in {hours} h {rest} min" if rest else f"in {hours} h"


def attempts_left(now: datetime, wrong_attempts: Sequence[datetime], limits: OtpLimits) -> int:
    """spec: trust.md §2.1 — 5 wrong attempts per account per rolling 24 h, across codes."""
    return max(0, limits.max_wrong_attempts_per_day - len(in_window(wrong_attempts, now)))


def check_refusal(
    now: datetime, wrong_attempts: Sequence[datetime], limits: OtpLimits
) -> Block | None:
    """Refuses any check (even of the right code) once the wrong attempts of the day are used."""
    frees_at = _window_frees_at(wrong_attempts, now, limits.max_wrong_attempts_per_day)
    return Block(ATTEMPTS_EXHAUSTED, frees_at) if frees_at is not None else None
