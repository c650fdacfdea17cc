"""Who sees which part of the staff console (marketplace.md §1 staff roles; trust.md §3).

The spec names the roles and leaves the split to us: support answers people (support queue,
read-only account lookup, phone number release); trust & safety judges conduct (conduct cases,
identity reviews, disputes, holds and suspensions, the audit log, marketplace health); the
Rising Talent pilot report, aggregates only, is open to every staff role; admin sees everything
(``User.has_staff_role`` grants admin every role). The console's cards and the server checks
read this table, so they cannot disagree.
"""

from __future__ import annotations

from workhall.accounts.models import User
from workhall.core.errors import Forbidden

AREAS: dict[str, tuple[str, ...]] = {
    "conduct": ("trust_safety",),
    "identity": ("trust_safety",),
    "disputes": ("trust_safety",),
    "support": ("support",),
    "phone_release": ("support",),
    "pilot": ("support", "trust_safety"),  # any staff role: an aggregate report
    "accounts": ("support", "trust_safety"),  # read: look an account up
    "standing": ("trust_safety",),  # write: holds, suspensions, reinstatement
    "audit": ("trust_safety",),
    "health": ("trust_safety",),
    # The Top Rated community (forum, workshops, guides) is open to every staff member; support
    # edits it and trust & safety moderates it: community/access.py checks, this adds the card.
    "community": ("support", "trust_safety"),
}


def is_console_user(user: User | None) -> bool:
    """A staff account in good standing with at least one staff role."""
    return (
        user is not None and user.is_staff and user.status == "active" and bool(user.staff_role_set)
    )


def can(user: User | None, area: str) -> bool:
    return is_console_user(user) and user is not None and user.has_staff_role(*AREAS[area])


def require(user: User, area: str) -> User:
    """403 for anyone whose roles do not open ``area`` (anonymous callers never get here: the
    page dependency sends them to the sign-in page)."""
    if not can(user, area):
        raise Forbidden("This part of the staff console is not open to your account.")
    return user
