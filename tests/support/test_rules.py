"""reputation.md §2.5 "Premium support: support tickets from Top Rated freelancers enter a
priority queue with a 4-hour first-response target (24 hours otherwise); agents see the queue
ordered by due time." — as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workhall.support import rules

AT = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("top_rated", "priority", "due"),
    [
        # "a 4-hour first-response target" — across midnight, around the clock
        (True, "priority", datetime(2026, 11, 21, 2, 30, tzinfo=UTC)),
        # "(24 hours otherwise)"
        (False, "standard", datetime(2026, 11, 21, 22, 30, tzinfo=UTC)),
    ],
)
def test_priority_and_first_response_due(top_rated, priority, due):
    assert rules.priority_for(top_rated) == priority
    assert rules.response_due(AT, priority, 4, 24) == due


@pytest.mark.parametrize(("priority", "hours"), [("priority", 2), ("standard", 48)])
def test_targets_come_from_settings(priority, hours):
    assert rules.response_hours(priority, 2, 48) == hours


def test_unknown_priority_is_a_programming_error():
    with pytest.raises(ValueError):
        rules.response_hours("urgent", 4, 24)


@pytest.mark.parametrize(
    ("due", "now", "overdue"),
    [
        (AT, AT, False),  # due at the instant: not yet late
        (AT, datetime(2026, 11, 20, 22, 30, 1, tzinfo=UTC), True),
        (None, AT, False),  # nothing due (answered or closed)
    ],
)
def test_overdue(due, now, overdue):
    assert rules.is_overdue(due, now) is overdue


@pytest.mark.parametrize(
    ("status", "by_staff", "after"),
    [
        ("open", True, "answered"),
        ("answered", True, "answered"),
        ("answered", False, "open"),  # the user's reply reopens
        ("closed", False, "open"),
        ("open", False, "open"),
    ],
)
def test_status_after_reply(status, by_staff, after):
    assert rules.status_after_reply(status, by_staff) == after


@pytest.mark.parametrize(
    ("subject", "category", "body", "problem"),
    [
        ("Payout missing", "payments", "Where is it?", None),
        ("", "payments", "x", "subject"),
        ("x" * 151, "payments", "x", "150"),
        ("x" * 150, "other", "x", None),
        ("Hi", "billing", "x", "category"),
        ("Hi", "other", "   ", "Write a message"),
        ("Hi", "other", "x" * 5001, "5,000"),
    ],
)
def test_ticket_fields(subject, category, body, problem):
    found = rules.check_ticket(subject, category, body)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
