"""Pure rules of support tickets (reputation.md §2.5 "Premium support"): the priority a ticket
gets, when an answer is due, and how a reply moves the ticket's status."""

from __future__ import annotations

from datetime import datetime, timedelta

from workhall.support.models import BODY_MAX, CATEGORIES, SUBJECT_MAX


def priority_for(top_rated: bool) -> str:
    """spec: "support tickets from Top Rated freelancers enter a priority queue"."""
    return "priority" if top_rated else "standard"


def response_hours(priority: str, priority_hours: int, standard_hours: int) -> int:
    """spec: "a 4-hour first-response target (24 hours otherwise)" — the hours come from
    settings (support_priority_response_hours, support_standard_response_hours)."""
    if priority not in ("priority", "standard"):
        raise ValueError(f"unknown priority {priority!r}")
    return priority_hours if priority == "priority" else standard_hours


def response_due(at: datetime, priority: str, priority_hours: int, standard_hours: int) -> datetime:
    """When an agent's answer is due for a ticket (re)opened at ``at``: wall-clock hours,
    around the clock (the spec names no business hours)."""
    return at + timedelta(hours=response_hours(priority, priority_hours, standard_hours))


def is_overdue(due: datetime | None, now: datetime) -> bool:
    """Overdue once the due instant has passed without an answer."""
    return due is not None and now > due


def status_after_reply(status: str, by_staff: bool) -> str:
    """An agent's reply answers the ticket; the user's reply (re)opens it."""
    return "answered" if by_staff else "open"


def check_ticket(subject: str, category: str, body: str) -> str | None:
    """The problem with a new ticket's fields, or None."""
    if not subject.strip():
        return "Give the ticket a subject."
    if len(subject) > SUBJECT_MAX:
        return f"Keep the subject within {SUBJECT_MAX} characters."
    if category not in CATEGORIES:
        return "Choose a category: " + ", ".join(CATEGORIES) + "."
    return check_body(body)


def check_body(body: str) -> str | None:
    if not body.strip():
        return "Write a message."
    if len(body) > BODY_MAX:
        return f"Keep the message within {BODY_MAX:,} characters."
    return None
