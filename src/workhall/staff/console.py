"""The staff console's home: one card per area the user's roles open, with a live count.

Areas built by other features are counted through their own tables when those exist; the
import is guarded, so the console never breaks because a queue is not there (the card then
shows its link without a count).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit.models import AuditEvent
from workhall.core.clock import utcnow
from workhall.staff import access


@dataclass(frozen=True)
class Card:
    area: str
    title: str
    href: str
    icon: str
    text: str
    count: int | None = None
    count_label: str = ""


def _count_table(
    session: Session, module: str, classes: tuple[str, ...], column: str, values: tuple[str, ...]
) -> int | None:
    """Rows of the first of ``classes`` found in ``module`` whose ``column`` is in ``values``;
    None when the feature has no such table (yet)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    model: Any = next((getattr(mod, c) for c in classes if hasattr(mod, c)), None)
    if model is None or not hasattr(model, column):
        return None
    try:
        with session.begin_nested():
            found = session.scalar(
                select(func.count()).select_from(model).where(getattr(model, column).in_(values))
            )
    except SQLAlchemyError:
        return None
    return int(found or 0)


def _open_disputes(session: Session) -> int:
    from workhall.disputes.models import Dispute
    from workhall.disputes.service import OPEN

    return int(
        session.scalar(select(func.count()).select_from(Dispute).where(Dispute.status.in_(OPEN)))
        or 0
    )


def _accounts_held(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(User).where(User.status.in_(("on_hold", "suspended")))
        )
        or 0
    )


def _audit_today(session: Session) -> int:
    since = utcnow() - timedelta(days=1)
    return int(
        session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.at >= since))
        or 0
    )


def cards(session: Session, user: User) -> list[Card]:
    """The cards ``user`` may open, in the order of the console."""
    out: list[Card] = []

    def add(
        area: str,
        title: str,
        href: str,
        icon: str,
        text: str,
        count: Callable[[], int | None] | None = None,
        label: str = "",
    ) -> None:
        if access.can(user, area):
            value = count() if count is not None else None
            out.append(Card(area, title, href, icon, text, value, label))

    add(
        "conduct",
        "Conduct cases",
        "/staff/conduct",
        "bi-person-exclamation",
        "Clients flagged by the conduct program: outreach, monitoring, restrictions, appeals.",
        count=lambda: _count_table(
            session, "workhall.conduct.models", ("ConductCase",), "status", ("open",)
        ),
        label="open, waiting for an agent",
    )
    add(
        "identity",
        "Identity reviews",
        "/staff/identity",
        "bi-person-vcard",
        "Government IDs and selfies waiting for a decision.",
        count=lambda: _count_table(
            session,
            "workhall.identity.models",
            ("IdentitySubmission",),
            "status",
            ("pending",),
        ),
        label="waiting for review",
    )
    add(
        "disputes",
        "Disputes",
        "/staff/disputes",
        "bi-shield-exclamation",
        "Disputes awaiting the client's answer or a mediator's decision.",
        count=lambda: _open_disputes(session),
        label="open",
    )
    add(
        "support",
        "Support queue",
        "/staff/support",
        "bi-life-preserver",
        "Tickets ordered by their first-response due time; Top Rated tickets first.",
        count=lambda: _count_table(
            session,
            "workhall.support.models",
            ("SupportTicket",),
            "status",
            ("open",),
        ),
        label="waiting for an agent",
    )
    add(
        "phone_release",
        "Phone number release",
        "/staff/phone-release",
        "bi-telephone-x",
        "Release a number held by a closed or suspended account.",
    )
    add(
        "accounts",
        "Accounts",
        "/staff/users",
        "bi-people",
        "Find an account; see its status, verification, holds and history."
        + (" Place or lift holds, suspend, reinstate." if access.can(user, "standing") else ""),
        count=lambda: _accounts_held(session),
        label="on hold or suspended",
    )
    add(
        "audit",
        "Audit log",
        "/staff/audit",
        "bi-journal-text",
        "Every staff action and every change of money, status or badge.",
        count=lambda: _audit_today(session),
        label="events in the last 24 hours",
    )
    add(
        "health",
        "Marketplace health",
        "/staff/health",
        "bi-graph-up",
        "Proposals per job, hire rate, time to hire, Top Rated share, JSS distribution.",
    )
    add(
        "community",
        "Top Rated community",
        "/community",
        "bi-people-fill",
        "The Top Rated forum, workshops and guides."
        + (
            " Manage categories, workshops and guides; moderate posts."
            if user.has_staff_role("support")
            else " Moderate posts."
        ),
    )
    add(
        "pilot",
        "Rising Talent pilot",
        "/staff/pilot",
        "bi-clipboard-data",
        "The pilot's treatment and control arms compared.",
    )
    return out
