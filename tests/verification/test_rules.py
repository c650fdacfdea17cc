"""Pure rules of phone verification, table-driven (trust.md §2.1).

spec: "A 6-digit code from `secrets`, stored only as a hash, valid 10 minutes and once; a new code
cancels the earlier ones. At most 5 wrong attempts per account per rolling 24 h, across codes
(sending a new code does not reset the count); at most 5 codes per account per 24 h and at least
60 s between sends; at most 10 codes per number per 24 h over all accounts."
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.verification.conftest import T0
from workhall.verification import rules
from workhall.verification.rules import (
    ACCOUNT_DAILY_LIMIT,
    ATTEMPTS_EXHAUSTED,
    NUMBER_DAILY_LIMIT,
    RESEND_TOO_SOON,
    OtpLimits,
)

LIMITS = OtpLimits()  # the spec's defaults
S = timedelta(seconds=1)
H = timedelta(hours=1)
DAY = timedelta(hours=24)


def at(*offsets: timedelta) -> list:
    return [T0 + o for o in offsets]


# --- "normalized to E.164 with the phonenumbers library; invalid numbers are refused" ---------

E164_TABLE = [
    # raw input, user's country, E.164 or None (refused)
    ("+44 7400 123456", "US", "+447400123456"),  # international wins over the country
    ("07400 123456", "GB", "+447400123456"),  # national, read in the user's country
    ("07400-123-456", "GB", "+447400123456"),
    ("(201) 555-0123", "US", "+12015550123"),  # North America: fixed-line-or-mobile
    ("201.555.0123", "CA", "+12015550123"),  # one numbering plan for the US and Canada
    ("+1 201 555 0123", "GB", "+12015550123"),
    ("0151 23456789", "DE", "+4915123456789"),
    ("06 12 34 56 78", "FR", "+33612345678"),
    ("+55 11 98765-4321", "BR", "+5511987654321"),
    ("0044 7400 123456", "FR", "+447400123456"),  # international dialling prefix
    ("  +447400123456  ", None, "+447400123456"),
    ("07400 123456", None, None),  # national format without a country
    ("020 7946 0000", "GB", None),  # landline
    ("+1 800 555 0199", "US", None),  # toll-free
    ("+1 900 555 0123", "US", None),  # premium rate
    ("+44 56 1234 5678", "GB", None),  # VoIP
    ("12345", "GB", None),
    ("not a number", "GB", None),
    ("", "GB", None),
    ("+999 1234 5678", None, None),  # no such country code
    ("+44 7400 1234567890123456789012345", "GB", None),  # longer than the field allows
]


@pytest.mark.parametrize(("raw", "country", "expected"), E164_TABLE)
def test_parse_phone_normalises_to_e164_or_refuses(raw, country, expected):
    parsed = rules.parse_phone(raw, country)
    assert parsed.e164 == expected
    if expected is None:
        assert parsed.problem  # a clear message, never a silent refusal
    else:
        assert parsed.problem is None


def test_refusal_messages_say_why():
    assert "mobile" in (rules.parse_phone("020 7946 0000", "GB").problem or "")
    assert "+" in (rules.parse_phone("07400 123456", None).problem or "")
    assert "not valid" in (rules.parse_phone("12345", "GB").problem or "")


# --- codes -----------------------------------------------------------------------------------


def test_new_code_has_six_digits_from_the_whole_space():
    codes = {rules.new_code() for _ in range(300)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 250  # random, not a counter


def test_code_hash_is_keyed_and_bound_to_account_and_number():
    base = rules.code_hash("k1", user_id=1, e164="+447400123456", code="123456")
    assert len(base) == 64 and "123456" not in base
    assert base == rules.code_hash("k1", user_id=1, e164="+447400123456", code="123456")
    assert base != rules.code_hash("k2", user_id=1, e164="+447400123456", code="123456")
    assert base != rules.code_hash("k1", user_id=2, e164="+447400123456", code="123456")
    assert base != rules.code_hash("k1", user_id=1, e164="+447400123457", code="123456")
    assert base != rules.code_hash("k1", user_id=1, e164="+447400123456", code="123457")
    assert rules.code_matches(base, base)


# "valid 10 minutes and once; a new code cancels the earlier ones"
LIVE_TABLE = [
    # now (after sending), used, cancelled, live?
    (timedelta(0), False, False, True),
    (timedelta(minutes=9, seconds=59), False, False, True),
    (timedelta(minutes=10), False, False, False),  # expires at 10:00 exactly
    (timedelta(minutes=11), False, False, False),
    (timedelta(minutes=1), True, False, False),  # once
    (timedelta(minutes=1), False, True, False),  # replaced by a newer code
]


@pytest.mark.parametrize(("elapsed", "used", "cancelled", "live"), LIVE_TABLE)
def test_code_is_live(elapsed, used, cancelled, live):
    expires = rules.code_expires_at(T0, LIMITS)
    assert expires == T0 + timedelta(minutes=10)
    assert (
        rules.code_is_live(
            T0 + elapsed,
            expires_at=expires,
            used_at=T0 if used else None,
            cancelled_at=T0 if cancelled else None,
        )
        is live
    )


# --- sending limits ----------------------------------------------------------------------

SEND_TABLE = [
    # (case, account sends, number sends, wrong attempts, now, expected reason, until)
    ("first code", [], [], [], T0, None, None),
    # "at least 60 s between sends"
    ("59 s after a send", at(0 * S), at(0 * S), [], T0 + 59 * S, RESEND_TOO_SOON, T0 + 60 * S),
    ("60 s after a send", at(0 * S), at(0 * S), [], T0 + 60 * S, None, None),
    # "at most 5 codes per account per 24 h"
    ("4 sends today", at(*(i * H for i in range(4))), [], [], T0 + 5 * H, None, None),
    (
        "5 sends today",
        at(*(i * H for i in range(5))),
        [],
        [],
        T0 + 5 * H,
        ACCOUNT_DAILY_LIMIT,
        T0 + DAY,  # when the oldest leaves the rolling window
    ),
    (
        "5 sends, oldest exactly 24 h ago",
        at(*(i * H for i in range(5))),
        [],
        [],
        T0 + DAY,
        None,
        None,
    ),
    (
        "7 old sends (limit lowered since)",
        at(*(i * H for i in range(7))),
        [],
        [],
        T0 + 7 * H,
        ACCOUNT_DAILY_LIMIT,
        T0 + 2 * H + DAY,  # three must leave for the count to drop to 4
    ),
    # "at most 10 codes per number per 24 h over all accounts"
    ("9 to this number", [], at(*(i * H for i in range(9))), [], T0 + 10 * H, None, None),
    (
        "10 to this number",
        [],
        at(*(i * H for i in range(10))),
        [],
        T0 + 10 * H,
        NUMBER_DAILY_LIMIT,
        T0 + DAY,
    ),
    # our choice: no new code while no wrong attempt is left (it could not be checked)
    ("4 wrong attempts", [], [], at(*(i * S for i in range(4))), T0 + H, None, None),
    (
        "5 wrong attempts",
        [],
        [],
        at(*(i * S for i in range(5))),
        T0 + H,
        ATTEMPTS_EXHAUSTED,
        T0 + DAY,
    ),
    (
        "longest block wins",
        at(*(i * H for i in range(4)), 4 * H + 30 * S),
        [],
        [],
        T0 + 4 * H + 40 * S,
        ACCOUNT_DAILY_LIMIT,
        T0 + DAY,
    ),
    ("sends in the future are ignored", at(2 * H), at(2 * H), [], T0, None, None),
]


@pytest.mark.parametrize(
    ("case", "account", "number", "wrong", "now", "reason", "until"),
    SEND_TABLE,
    ids=[row[0] for row in SEND_TABLE],
)
def test_send_refusal(case, account, number, wrong, now, reason, until):
    block = rules.send_refusal(
        now, account_sends=account, number_sends=number, wrong_attempts=wrong, limits=LIMITS
    )
    if reason is None:
        assert block is None
    else:
        assert block is not None
        assert (block.reason, block.until) == (reason, until)
        assert block.retry_after(now) == int((until - now).total_seconds())


def test_send_blocks_lists_every_rule_that_applies():
    sends = at(*(i * 10 * S for i in range(5)))
    blocks = rules.send_blocks(
        T0 + 45 * S, account_sends=sends, number_sends=sends, wrong_attempts=[], limits=LIMITS
    )
    assert {b.reason for b in blocks} == {RESEND_TOO_SOON, ACCOUNT_DAILY_LIMIT}


# --- wrong attempts: "at most 5 wrong attempts per account per rolling 24 h, across codes" ----

ATTEMPT_TABLE = [
    # wrong attempt times, now, attempts left, refused until
    ([], T0, 5, None),
    (at(0 * S), T0 + S, 4, None),
    (at(*(i * S for i in range(4))), T0 + H, 1, None),
    (at(*(i * S for i in range(5))), T0 + H, 0, T0 + DAY),
    (at(*(i * S for i in range(5))), T0 + DAY - S, 0, T0 + DAY),
    (at(*(i * S for i in range(5))), T0 + DAY, 1, None),  # the first left the window
    (at(*(i * S for i in range(5))), T0 + DAY + 4 * S, 5, None),
    (at(-DAY, 0 * S), T0 + S, 4, None),  # exactly 24 h before is outside (T − 24 h, T]
]


@pytest.mark.parametrize(("wrong", "now", "left", "until"), ATTEMPT_TABLE)
def test_attempts_left_and_check_refusal(wrong, now, left, until):
    assert rules.attempts_left(now, wrong, LIMITS) == left
    block = rules.check_refusal(now, wrong, LIMITS)
    if until is None:
        assert block is None
    else:
        assert block is not None and block.reason == ATTEMPTS_EXHAUSTED and block.until == until


def test_limits_follow_the_settings_numbers():
    limits = OtpLimits(max_wrong_attempts_per_day=2, min_seconds_between_sends=10)
    assert rules.attempts_left(T0 + S, at(0 * S), limits) == 1
    block = rules.send_refusal(
        T0 + 5 * S, account_sends=at(0 * S), number_sends=[], wrong_attempts=[], limits=limits
    )
    assert block is not None and block.until == T0 + 10 * S


WAIT_TABLE = [
    (1, "in 1 second"),
    (45, "in 45 seconds"),
    (60, "in 1 minute"),
    (61, "in 2 minutes"),
    (3600, "in 1 h"),
    (3600 * 23 + 60 * 5, "in 23 h 5 min"),
]


@pytest.mark.parametrize(("seconds", "text"), WAIT_TABLE)
def test_wait_text(seconds, text):
    assert rules.wait_text(seconds) == text


def test_mask_phone_keeps_country_and_last_two_digits():
    assert rules.mask_phone("+447400123456") == "+44••••••••56"
    assert rules.display_phone("+447400123456") == "+44 7400 123456"
