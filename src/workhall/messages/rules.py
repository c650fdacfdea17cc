"""Pure message rules (marketplace.md §3, §8): who may write on a thread and when, the message
text, and the email throttle. Plain values in, plain values out; tables of cases in
``tests/messages/test_rules.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Why a participant may not write now (None = may write).
CLIENT_FIRST = "client_first"
CLOSED = "closed"

# spec: marketplace.md §3 — a proposal still in play, or hired, keeps its thread open.
OPEN_PROPOSAL_STATES = frozenset({"submitted", "viewed", "shortlisted", "interviewing", "hired"})


class BadText(ValueError):
    """The text cannot be stored (empty, too long, or with characters we refuse)."""


def clean_text(text: str, max_length: int, *, required: bool = True) -> str:
    """Plain text as typed, stripped. Control characters (but tab and newlines) and unpaired
    surrogates are refused rather than stored (quality.md §2 "bad input")."""
    if any((ch < " " and ch not in "\t\n\r") or "\ud800" <= ch <= "\udfff" for ch in text):
        raise BadText("The text contains characters that are not allowed.")
    cleaned = text.strip().replace("\r\n", "\n")
    if required and not cleaned:
        raise BadText("Write something first.")
    if len(cleaned) > max_length:
        raise BadText(f"Write at most {max_length:,} characters.")
    return cleaned


@dataclass(frozen=True)
class PostingFacts:
    """What decides whether a participant may write on a thread now."""

    kind: str  # proposal | contract
    sender_role: str  # client | freelancer
    client_has_written: bool
    # When the proposal left play (declined, withdrawn, archived) or the contract ended;
    # None while it is open.
    closed_at: datetime | None
    now: datetime
    open_days_after_end: int = 30


def posting_refusal(f: PostingFacts) -> str | None:
    """Why ``f.sender_role`` may not write now, or None.

    - Proposal thread (§3, §8): the client writes first — a freelancer may not reach a client
      through a proposal until the client has written. The client cannot open a conversation
      on a proposal that has left play.
    - Both threads: once the proposal left play or the contract ended, a conversation under
      way stays open for ``open_days_after_end`` days, the end instant plus that many days
      included; then the thread is read-only.
    """
    if f.kind == "proposal" and not f.client_has_written:
        if f.sender_role == "freelancer":
            return CLIENT_FIRST
        if f.closed_at is not None:
            return CLOSED
    if f.closed_at is not None and f.now > f.closed_at + timedelta(days=f.open_days_after_end):
        return CLOSED
    return None


def email_due(last_emailed_at: datetime | None, now: datetime, min_gap_minutes: int) -> bool:
    """At most one email per thread and recipient per ``min_gap_minutes`` (15): a reply after
    exactly the gap is emailed again."""
    return last_emailed_at is None or now - last_emailed_at >= timedelta(minutes=min_gap_minutes)


def excerpt(text: str, length: int = 140) -> str:
    """The start of a message for lists and emails, on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
