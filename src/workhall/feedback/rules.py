"""Pure feedback rules (marketplace.md §7): the window, the double-blind reveal, the overall
score, what each reader may see, and the checks on what is written. Plain values in, plain
values out; tables of cases in ``tests/feedback/test_rules.py``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from workhall.feedback.models import CLIENT_CRITERIA, FREELANCER_CRITERIA
from workhall.messages.rules import BadText, clean_text

CRITERIA_LABELS: dict[str, tuple[tuple[str, str], ...]] = {
    "client": (
        ("skills", "Skills"),
        ("quality", "Quality of work"),
        ("availability", "Availability"),
        ("deadlines", "Adherence to deadlines"),
        ("communication", "Communication"),
        ("cooperation", "Cooperation"),
    ),
    "freelancer": (
        ("clarity", "Clarity of requirements"),
        ("communication", "Communication"),
        ("cooperation", "Cooperation"),
        ("availability", "Availability"),
        ("deadlines", "Reasonable deadlines"),
        ("payment_promptness", "Payment promptness"),
    ),
}
# The private 0–10 question each side answers.
LIKELIHOOD_QUESTION = {
    "client": "How likely are you to recommend this freelancer to a friend or colleague?",
    "freelancer": "Would you work with this client again?",
}
# spec: marketplace.md §7 — the client's reason for ending (private), a choice list.
ENDING_REASONS: dict[str, str] = {
    "completed": "The work was completed",
    "no_longer_needed": "The work is no longer needed",
    "hired_elsewhere": "We moved the work elsewhere or in-house",
    "unresponsive": "The freelancer was unresponsive",
    "quality": "The quality of the work was not good enough",
    "deadlines": "Deadlines were missed",
    "skills": "The freelancer lacked the skills needed",
    "budget": "Our budget or the scope changed",
    "other": "Another reason",
}
TWO_PLACES = Decimal("0.01")
# Markup refused in feedback text: a tag, a comment or a declaration (``<b>``, ``</p>``,
# ``<!--``), not a lone "<" as in "5 < 6" or "<3".
TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^<>]*>")


def criteria_of(author_role: str) -> tuple[str, ...]:
    return CLIENT_CRITERIA if author_role == "client" else FREELANCER_CRITERIA


def overall(scores: Sequence[int]) -> Decimal:
    """The public overall score: the mean of the six criteria, exact, rounded half up to two
    decimals (§7, reputation.md: "round once, at the end, half up")."""
    if len(scores) != 6:
        raise ValueError("six criteria")
    return _two_places(Fraction(sum(scores), len(scores)))


def _two_places(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def average_overall(score_sums: Sequence[int]) -> Decimal | None:
    """The mean overall of several feedbacks, from each one's sum of six criteria: exact
    (Σ sums ÷ 6n), rounded once, half up, to two decimals. None without feedback."""
    if not score_sums:
        return None
    return _two_places(Fraction(sum(score_sums), 6 * len(score_sums)))


# --- the window and the reveal (§7) ------------------------------------------------------------


def deadline(ended_at: datetime, window_days: int) -> datetime:
    """The end of the feedback window: the contract's end plus 14 days (exclusive)."""
    return ended_at + timedelta(days=window_days)


def reveal_at(ended_at: datetime, window_days: int, submitted: Sequence[datetime]) -> datetime:
    """When the pair becomes visible: the instant the second side submitted, or the end of the
    window, whichever comes first (§7 "until both have submitted or the 14 days have passed")."""
    end = deadline(ended_at, window_days)
    if len(submitted) >= 2:
        return min(max(submitted), end)
    return end


def is_revealed(reveal: datetime, now: datetime) -> bool:
    """Revealed from ``reveal`` on, that instant included: at exactly 14 days after the end the
    feedback shows and can no longer be written or edited."""
    return now >= reveal


NOT_ENDED = "not_ended"
WINDOW_CLOSED = "window_closed"
REVEALED = "revealed"


def write_refusal(
    ended_at: datetime | None, window_days: int, now: datetime, own_reveal: datetime | None
) -> str | None:
    """Why a side may not write (or edit) its feedback now, or None (§7).

    Feedback is written after the contract ended, until the window closes (14 days, the end
    instant excluded), and edited until the reveal, never after. ``own_reveal`` is the
    ``reveal_at`` of the side's existing feedback, None when it has none yet.
    """
    if ended_at is None or now < ended_at:
        return NOT_ENDED
    if own_reveal is not None and is_revealed(own_reveal, now):
        return REVEALED
    if now >= deadline(ended_at, window_days):
        return WINDOW_CLOSED
    return None


# --- who sees what (§7) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Visibility:
    public: bool  # the scores, overall, comment and reply
    private: bool  # the private answers


def visibility(viewer: str, author_role: str, revealed: bool, paid_cents: int) -> Visibility:
    """What ``viewer`` may see of one feedback written by ``author_role``.

    ``viewer``: ``client`` or ``freelancer`` (a party of the contract), ``staff`` (trust and
    safety, for moderation) or ``public`` (anyone else). The author sees all of its own; the
    other party sees the public part once revealed; anyone else sees the public part once
    revealed and only when more than $0 was paid on the contract; private answers are never
    shown to anyone but their author and staff.
    """
    if viewer == "staff":
        return Visibility(True, True)
    if viewer == author_role:
        return Visibility(True, True)
    if viewer in ("client", "freelancer"):
        return Visibility(revealed, False)
    return Visibility(revealed and paid_cents > 0, False)


NO_FEEDBACK = "no_feedback"
NOT_RECIPIENT = "not_recipient"
NOT_REVEALED = "not_revealed"
NOT_PUBLIC = "not_public"
ALREADY_REPLIED = "already_replied"


def reply_refusal(
    viewer_is_recipient: bool, revealed: bool, paid_cents: int, has_reply: bool
) -> str | None:
    """The receiver may post one public reply to public feedback, after the reveal (§7)."""
    if not viewer_is_recipient:
        return NOT_RECIPIENT
    if not revealed:
        return NOT_REVEALED
    if paid_cents <= 0:
        return NOT_PUBLIC
    if has_reply:
        return ALREADY_REPLIED
    return None


# --- checking what is written ----------------------------------------------------------------


class BadFeedback(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def plain_text(text: str, field: str, max_length: int, *, required: bool = False) -> str:
    """Feedback text is public plain text: control characters and markup are refused."""
    try:
        cleaned = clean_text(text, max_length, required=required)
    except BadText as exc:
        raise BadFeedback(field, str(exc)) from None
    if TAG.search(cleaned):
        raise BadFeedback(field, "Write plain text: HTML tags are not allowed.")
    return cleaned


def check_scores(author_role: str, scores: Mapping[str, object]) -> dict[str, int]:
    """Exactly the side's six criteria, each a whole number 1–5."""
    expected = criteria_of(author_role)
    missing = [n for n in expected if n not in scores]
    unknown = [n for n in scores if n not in expected]
    if missing or unknown:
        raise BadFeedback(
            "scores",
            "Score each of: "
            + ", ".join(expected)
            + "."
            + (f" Unknown: {', '.join(sorted(map(str, unknown)))}." if unknown else ""),
        )
    out: dict[str, int] = {}
    for name in expected:
        value = scores[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise BadFeedback(f"scores.{name}", f"Score {name} with a whole number from 1 to 5.")
        out[name] = value
    return out


def check_likelihood(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise BadFeedback("private", "Answer the private question with a number from 0 to 10.")
    return value
