"""Identity verification rules (trust.md §2.2): pure functions over plain values."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from workhall.identity.countries import ISSUING_COUNTRIES
from workhall.identity.models import DOCUMENT_TYPES, REASON_MAX

DOCUMENT_TYPE_LABELS = {
    "passport": "Passport",
    "national_id": "National identity card",
    "driving_licence": "Driving licence",
}
STATUS_LABELS = {"pending": "In review", "approved": "Approved", "rejected": "Rejected"}
# What a verified identity unlocks (trust.md §2.2, reputation.md §2.2 / §3.1, marketplace.md §6).
UNLOCKS = (
    ("Withdrawals", "Move your earnings to a payout method."),
    ("Top Rated", "Identity verification is one of the Top Rated criteria."),
    ("Rising Talent", "Identity verification is one of the Rising Talent criteria."),
    ("Identity verified badge", "Shown on your public profile."),
)
assert set(DOCUMENT_TYPE_LABELS) == set(DOCUMENT_TYPES)


def document_type_problem(value: str) -> str | None:
    if value not in DOCUMENT_TYPES:
        return "Choose the type of document: passport, national identity card or driving licence."
    return None


def country_problem(value: str) -> str | None:
    """spec: trust.md §2.2 — the issuing country, as an ISO 3166-1 alpha-2 code."""
    if value not in ISSUING_COUNTRIES:
        return "Choose the country that issued the document."
    return None


def submit_block(latest_status: str | None, verified: bool) -> str | None:
    """Why a new submission is not possible now, or None.

    spec: trust.md §2.2 — "the user may resubmit": after a rejection (or never having sent
    anything); not while a submission is in review, and not once verified.
    """
    if verified or latest_status == "approved":
        return "Your identity is already verified."
    if latest_status == "pending":
        return "Your documents are in review; you can send new ones if they are rejected."
    return None


def clean_reason(text: str) -> tuple[str, str | None]:
    """The rejection reason as stored (trimmed, control characters removed) and a problem.

    Required and at most ``REASON_MAX`` characters: the user reads it to know what to fix.
    """
    cleaned = "".join(
        ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text
    ).strip()
    if not cleaned:
        return cleaned, "Write the reason the user will see: what to fix before sending again."
    if len(cleaned) > REASON_MAX:
        return cleaned, f"The reason must be at most {REASON_MAX} characters."
    return cleaned, None


def documents_due_for_deletion(decided_at: datetime | None, now: datetime, days: int) -> bool:
    """spec: trust.md §2.2 — "Documents are deleted 30 days after the decision"."""
    return decided_at is not None and now >= decided_at + timedelta(days=days)


def waiting_label(submitted_at: datetime, now: datetime) -> str:
    """How long a submission has waited, for the staff queue ("2 d 3 h", "45 min")."""
    minutes = max(0, int((now - submitted_at).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"
