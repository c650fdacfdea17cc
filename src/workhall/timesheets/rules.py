"""Pure rules of hourly contracts (marketplace.md §5 "Hourly", §6.2, §6.3).

- The billing week is Monday 00:00:00 – Sunday 23:59:59 UTC.
- A week is invoiced "on the following Monday": it becomes due at that Monday 00:00 UTC, and
  from then on its entries are closed (no new entries, edits or deletions).
- The client may dispute "until Friday 23:59:59 UTC of that invoicing week".
- Paid hours "become available to the freelancer 10 days after the billed week ended": the week
  ends at the next Monday 00:00 UTC, so they are available from that instant + 10 days.
- Amount = minutes × hourly rate ÷ 60, in exact cents rounded half up once per invoice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from workhall.core.money import round_half_up

DAY_MINUTES = 24 * 60


def week_start(day: date) -> date:
    """The Monday of ``day``'s billing week."""
    return day - timedelta(days=day.weekday())


def week_end_instant(monday: date) -> datetime:
    """The instant the billing week of ``monday`` ends (the next Monday 00:00 UTC, exclusive)."""
    return datetime.combine(monday + timedelta(days=7), time(0), tzinfo=UTC)


def invoice_due_at(monday: date) -> datetime:
    """spec §5: "on the following Monday the week is invoiced" — due at that Monday 00:00 UTC."""
    return week_end_instant(monday)


def week_open(monday: date, now: datetime) -> bool:
    """Entries of a week can be added, edited or deleted until it becomes due for invoicing."""
    return now < invoice_due_at(monday)


def dispute_deadline(monday: date, weekday: int, at: time) -> datetime:
    """spec §5: the client may dispute "until Friday 23:59:59 UTC of that invoicing week".
    ``weekday`` counts from Monday = 0 of the invoicing week (Friday = 4)."""
    invoicing_monday = monday + timedelta(days=7)
    return datetime.combine(invoicing_monday + timedelta(days=weekday), at, tzinfo=UTC)


def can_dispute(status: str, now: datetime, deadline: datetime) -> bool:
    """An issued invoice (charged or with a declined card) may be disputed up to the deadline
    (inclusive, to the second)."""
    return status in ("funded", "payment_failed") and now <= deadline


def pay_due(status: str, now: datetime, deadline: datetime) -> bool:
    """Undisputed, charged invoices are paid once the dispute deadline has passed."""
    return status == "funded" and now > deadline


def available_at(monday: date, days: int) -> datetime:
    """spec §5/§6.3: available "10 days after the billed week ended"."""
    return week_end_instant(monday) + timedelta(days=days)


def invoice_amount(minutes: int, rate_cents: int) -> int:
    """spec §5: "hours × rate" — exact (minutes × rate ÷ 60), rounded half up to the cent once."""
    if minutes < 0 or rate_cents < 0:
        raise ValueError("minutes and rate are not negative")
    return round_half_up(Fraction(minutes * rate_cents, 60))


def minutes_problem(minutes: int, step: int) -> str | None:
    """Time is logged in whole ``step``-minute blocks, at most one day per entry."""
    if minutes <= 0:
        return "Log at least one block of time."
    if minutes % step:
        return f"Time is logged in {step}-minute steps."
    if minutes > DAY_MINUTES:
        return "One entry is at most 24 hours."
    return None


def date_problem(
    work_date: date, *, today: date, started: date, ended: date | None, now: datetime
) -> str | None:
    """Why time cannot be logged on ``work_date``: in the future, before the contract started,
    after it ended, or in a week that is already closed for invoicing."""
    if work_date > today:
        return "Time cannot be logged in the future."
    if work_date < started:
        return "Time cannot be logged before the contract started."
    if ended is not None and work_date > ended:
        return "Time cannot be logged after the contract ended."
    if not week_open(week_start(work_date), now):
        return "That week is closed: it has been invoiced."
    return None


def limit_problem(
    other_week_minutes: int, other_day_minutes: int, minutes: int, weekly_limit_hours: int
) -> str | None:
    """spec §5: "within the weekly limit" — the week's entries sum to ≤ the limit; a day holds
    at most 24 hours."""
    if other_day_minutes + minutes > DAY_MINUTES:
        return "A day holds at most 24 hours of logged time."
    if other_week_minutes + minutes > weekly_limit_hours * 60:
        left = max(0, weekly_limit_hours * 60 - other_week_minutes)
        return (
            f"This would exceed the weekly limit of {weekly_limit_hours} hours "
            f"({format_minutes(left)} left this week)."
        )
    return None


def format_minutes(minutes: int) -> str:
    """``90`` → ``1:30`` (hours:minutes)."""
    return f"{minutes // 60}:{minutes % 60:02d}"
