"""Who reaches the Top Rated benefits (reputation.md §2.5): Top Rated freelancers (their latest
stored evaluation is top_rated or top_rated_plus) and staff. Staff roles decide who edits:
support (and admin) staff create categories, workshops and guides; support and trust & safety
staff moderate the forum."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.errors import Forbidden, Unprocessable
from workhall.reputation.queries import is_top_rated

LOCKED = "This is a benefit of Top Rated freelancers."


def is_member(session: Session, user: User | None) -> bool:
    """Reads and writes the community, registers for workshops, reads the guides."""
    if user is None:
        return False
    if user.is_staff:
        return True
    return user.is_freelancer and is_top_rated(session, user.id)


def require_member(session: Session, user: User) -> None:
    if not is_member(session, user):
        raise Forbidden(LOCKED)


def is_editor(user: User | None) -> bool:
    """Creates forum categories, workshops and guides."""
    return user is not None and user.is_staff and user.has_staff_role("support")


def is_moderator(user: User | None) -> bool:
    """Hides and restores forum posts."""
    return user is not None and user.is_staff and user.has_staff_role("support", "trust_safety")


def require_editor(user: User) -> None:
    if not is_editor(user):
        raise Forbidden("Only support staff (or an admin) can do this.")


def require_moderator(user: User) -> None:
    if not is_moderator(user):
        raise Forbidden("Only support or trust & safety staff moderate the community.")


def slugify(text: str, max_length: int = 60) -> str:
    """A URL slug from a name: lowercase letters and digits joined by hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max_length].strip("-")
    if not slug:
        raise Unprocessable("Use some letters or digits in the name.")
    return slug


def checked_text(value: str, label: str, max_length: int, *, required: bool = True) -> str:
    """``value`` stripped, or Unprocessable when it is empty (if required) or too long."""
    text = value.strip()
    if required and not text:
        raise Unprocessable(f"Write the {label}.")
    if len(text) > max_length:
        raise Unprocessable(f"Keep the {label} within {max_length:,} characters.")
    return text
