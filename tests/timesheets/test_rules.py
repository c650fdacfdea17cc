"""Pure rules of hourly contracts, table-driven (marketplace.md §5 "Hourly", §6.2, §6.3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from workhall.timesheets import rules

FRIDAY_END = time(23, 59, 59)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc,arg-type]


# spec §5: "the billing week is Monday–Sunday UTC"
@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 11, 30), date(2026, 11, 30)),  # a Monday is its own week's start
        (date(2026, 12, 1), date(2026, 11, 30)),  # a week spanning a month end
        (date(2026, 12, 6), date(2026, 11, 30)),  # Sunday closes the week
        (date(2026, 12, 7), date(2026, 12, 7)),  # the next Monday opens the next one
        (date(2027, 1, 1), date(2026, 12, 28)),  # and a year end
        (date(2024, 3, 1), date(2024, 2, 26)),  # leap-year February
    ],
)
def test_week_start(day: date, monday: date) -> None:
    assert rules.week_start(day) == monday


# spec §5: "on the following Monday the week is invoiced" — entries close then
@pytest.mark.parametrize(
    ("now", "open_"),
    [
        (at(2026, 12, 6, 23, 59, 59), True),  # Sunday 23:59:59: still open
        (at(2026, 12, 7, 0, 0, 0), False),  # Monday 00:00: due, closed
        (at(2026, 12, 9, 12, 0), False),
    ],
)
def test_week_open_until_the_following_monday(now: datetime, open_: bool) -> None:
    assert rules.invoice_due_at(date(2026, 11, 30)) == at(2026, 12, 7)
    assert rules.week_open(date(2026, 11, 30), now) is open_


# spec §5: "the client may dispute the invoice until Friday 23:59:59 UTC of that invoicing week"
@pytest.mark.parametrize(
    ("monday", "deadline"),
    [
        (date(2026, 11, 30), at(2026, 12, 11, 23, 59, 59)),
        (date(2026, 12, 28), at(2027, 1, 8, 23, 59, 59)),  # across a year end
        (date(2026, 2, 16), at(2026, 2, 27, 23, 59, 59)),
    ],
)
def test_dispute_deadline(monday: date, deadline: datetime) -> None:
    assert rules.dispute_deadline(monday, 4, FRIDAY_END) == deadline


@pytest.mark.parametrize(
    ("status", "now", "may"),
    [
        ("funded", at(2026, 12, 11, 23, 59, 59), True),  # to the second
        ("funded", at(2026, 12, 12, 0, 0, 0), False),
        ("payment_failed", at(2026, 12, 8), True),  # issued but the card declined
        ("disputed", at(2026, 12, 8), False),
        ("paid", at(2026, 12, 8), False),
    ],
)
def test_can_dispute(status: str, now: datetime, may: bool) -> None:
    assert rules.can_dispute(status, now, at(2026, 12, 11, 23, 59, 59)) is may


@pytest.mark.parametrize(
    ("status", "now", "due"),
    [
        ("funded", at(2026, 12, 11, 23, 59, 59), False),
        ("funded", at(2026, 12, 12, 0, 0, 0), True),  # "paid after that Friday"
        ("disputed", at(2026, 12, 20), False),  # a disputed invoice is not paid
        ("payment_failed", at(2026, 12, 20), False),  # nothing in escrow to pay
    ],
)
def test_pay_due(status: str, now: datetime, due: bool) -> None:
    assert rules.pay_due(status, now, at(2026, 12, 11, 23, 59, 59)) is due


# spec §5/§6.3: "become available to the freelancer 10 days after the billed week ended"
@pytest.mark.parametrize(
    ("monday", "days", "available"),
    [
        (date(2026, 11, 30), 10, at(2026, 12, 17)),  # week ends Dec 7 00:00 → Dec 17 00:00
        (date(2026, 12, 21), 10, at(2027, 1, 7)),
        (date(2026, 11, 30), 0, at(2026, 12, 7)),
    ],
)
def test_available_at(monday: date, days: int, available: datetime) -> None:
    assert rules.available_at(monday, days) == available


# spec §5: "charge = hours × rate" — exact cents, rounded half up once
@pytest.mark.parametrize(
    ("minutes", "rate", "cents"),
    [
        (60, 5_000, 5_000),
        (450, 5_000, 37_500),  # 7.5 h × $50
        (15, 3_333, 833),  # 833.25 → 833
        (45, 3_334, 2_501),  # 2,500.5 → 2,501 (half up)
        (15, 100, 25),
        (4_800, 100_000, 8_000_000),  # 80 h × $1,000
        (0, 5_000, 0),
    ],
)
def test_invoice_amount(minutes: int, rate: int, cents: int) -> None:
    assert rules.invoice_amount(minutes, rate) == cents


def test_amount_is_rounded_once_per_invoice_not_per_entry() -> None:
    # three 15-minute entries at $33.33: 833.25 each; per entry 2,499, once 2,500 (2,499.75)
    assert rules.invoice_amount(45, 3_333) == 2_500


@pytest.mark.parametrize(
    ("minutes", "ok"),
    [(15, True), (90, True), (1440, True), (0, False), (-15, False), (20, False), (1455, False)],
)
def test_minutes_in_15_minute_steps(minutes: int, ok: bool) -> None:
    assert (rules.minutes_problem(minutes, 15) is None) is ok


STARTED = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("work_date", "ended", "now", "problem"),
    [
        (date(2026, 12, 2), None, at(2026, 12, 2, 10), None),
        (date(2026, 12, 3), None, at(2026, 12, 2, 10), "future"),
        (date(2026, 11, 29), None, at(2026, 12, 2, 10), "before the contract started"),
        (date(2026, 12, 6), None, at(2026, 12, 6, 23, 59), None),  # Sunday 23:59
        (date(2026, 12, 6), None, at(2026, 12, 7, 0, 0), "closed"),  # Monday: invoiced
        # a contract ending mid-week: its days up to the end stay open until Monday
        (date(2026, 12, 2), date(2026, 12, 2), at(2026, 12, 5, 9), None),
        (date(2026, 12, 3), date(2026, 12, 2), at(2026, 12, 5, 9), "after the contract ended"),
    ],
)
def test_date_problem(
    work_date: date, ended: date | None, now: datetime, problem: str | None
) -> None:
    found = rules.date_problem(work_date, today=now.date(), started=STARTED, ended=ended, now=now)
    assert (found is None) if problem is None else (found is not None and problem in found)


# spec §5: "logs time … within the weekly limit"
@pytest.mark.parametrize(
    ("week", "day", "new", "limit", "problem"),
    [
        (540, 0, 60, 10, None),  # exactly the limit
        (540, 0, 75, 10, "weekly limit"),
        (0, 0, 600, 10, None),
        (0, 1380, 75, 40, "24 hours"),  # a day holds at most 24 h
    ],
)
def test_limit_problem(week: int, day: int, new: int, limit: int, problem: str | None) -> None:
    found = rules.limit_problem(week, day, new, limit)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_format_minutes() -> None:
    assert [rules.format_minutes(m) for m in (0, 15, 90, 600)] == ["0:00", "0:15", "1:30", "10:00"]
