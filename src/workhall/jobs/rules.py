"""Pure job rules (marketplace.md §2): posting validation, states, expiry, the client's
screening card figures and the best-matches ranking. No database, no web.

Where the spec is silent we chose (and the tests pin down):
- field limits: title 5–120 characters, description 30–10,000, fixed budget $5–$1,000,000,
  hourly rate $1–$1,000 per hour;
- hire rate counts an open job that already hired as an outcome, so it never exceeds 100%;
- client quality (the second key of best matches) weighs four screening-card facts equally.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from workhall import catalog

STATUSES = ("open", "filled", "cancelled", "expired", "removed")
# spec: marketplace.md §2 — '"Closed" below means any state but `open`.'
CLOSED_STATUSES = frozenset(STATUSES) - {"open"}
BUDGET_TYPES = ("fixed", "hourly")
DURATIONS = {
    "lt1m": "Less than a month",
    "1to3m": "1 to 3 months",
    "3to6m": "3 to 6 months",
    "gt6m": "More than 6 months",
}
EXPERIENCE_LEVELS = {"entry": "Entry level", "intermediate": "Intermediate", "expert": "Expert"}
VISIBILITIES = {"public": "Public", "invite_only": "Invite only"}
STATUS_LABELS = {
    "open": "Open",
    "filled": "Filled",
    "cancelled": "Cancelled",
    "expired": "Expired",
    "removed": "Removed",
}
# spec: marketplace.md §2 search filter "posted within".
POSTED_WITHIN = {
    "24h": timedelta(hours=24),
    "3d": timedelta(days=3),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}

TITLE_MIN, TITLE_MAX = 5, 120
DESCRIPTION_MIN, DESCRIPTION_MAX = 30, 10_000
FIXED_BUDGET_MIN_CENTS, FIXED_BUDGET_MAX_CENTS = 500, 100_000_000
HOURLY_MIN_CENTS, HOURLY_MAX_CENTS = 100, 100_000
REPORT_REASON_MIN, REPORT_REASON_MAX = 5, 1000
REMOVAL_REASON_MIN, REMOVAL_REASON_MAX = 5, 1000


# --- posting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobDraft:
    """What a client submits to post a job (marketplace.md §2)."""

    title: str
    description: str
    category: str
    skills: tuple[str, ...]
    budget_type: str
    duration: str
    experience_level: str
    budget_cents: int | None = None
    hourly_min_cents: int | None = None
    hourly_max_cents: int | None = None
    visibility: str = "public"
    top_rated_invitations: bool = False


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


def text_problem(
    value: str, *, label: str, min_length: int, max_length: int, multiline: bool = False
) -> str | None:
    """Why a piece of user text is refused, or None.

    Control characters (NUL breaks PostgreSQL text) and unpaired surrogates are refused, not
    dropped (quality.md §2 "bad Unicode"); one-line fields refuse line breaks too.
    """
    if len(value) < min_length:
        return f"{label} must be at least {min_length:,} characters."
    if len(value) > max_length:
        return f"{label} must be at most {max_length:,} characters."
    allowed = {"\n", "\r", "\t"} if multiline else set()
    for ch in value:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            return f"{label} is not valid Unicode."
        if (code < 32 or 0x7F <= code < 0xA0) and ch not in allowed:
            return f"{label} contains a character that is not allowed."
    return None


def clean_title(title: str) -> str:
    """One line, single spaces: what we store and index."""
    return " ".join(title.split())


def _money_range_problem(cents: int, low: int, high: int, label: str) -> str | None:
    if not low <= cents <= high:
        return f"{label} must be between ${low / 100:,.2f} and ${high / 100:,.2f}."
    return None


def validate_posting(
    draft: JobDraft, *, skills_min: int, skills_max: int
) -> tuple[JobDraft, list[FieldProblem]]:
    """Clean a posting and list every problem with it (marketplace.md §2).

    spec: marketplace.md §2 — "title, description, skills (1–10), category, `budget_type` fixed
    or hourly, fixed budget or hourly range, expected duration (`lt1m`, `1to3m`, `3to6m`,
    `gt6m`), experience level (`entry`, `intermediate`, `expert`), visibility (`public`,
    `invite_only`)."
    """
    problems: list[FieldProblem] = []

    def bad(field: str, message: str | None) -> None:
        if message:
            problems.append(FieldProblem(field, message))

    title = clean_title(draft.title)
    description = draft.description.strip()
    bad("title", text_problem(title, label="The title", min_length=TITLE_MIN, max_length=TITLE_MAX))
    bad(
        "description",
        text_problem(
            description,
            label="The description",
            min_length=DESCRIPTION_MIN,
            max_length=DESCRIPTION_MAX,
            multiline=True,
        ),
    )
    if draft.category not in catalog.CATEGORIES:
        bad("category", "Choose a category from the list.")
    skills: tuple[str, ...] = ()
    try:
        skills = tuple(catalog.normalize_skills(list(draft.skills)))
    except ValueError as exc:
        bad("skills", f"Choose skills from the catalogue ({exc}).")
    else:
        if not skills_min <= len(skills) <= skills_max:
            bad("skills", f"Choose between {skills_min} and {skills_max} skills.")
    if draft.budget_type == "fixed":
        if draft.budget_cents is None:
            bad("budget_cents", "A fixed-price job needs a budget.")
        else:
            bad(
                "budget_cents",
                _money_range_problem(
                    draft.budget_cents,
                    FIXED_BUDGET_MIN_CENTS,
                    FIXED_BUDGET_MAX_CENTS,
                    "The budget",
                ),
            )
        if draft.hourly_min_cents is not None or draft.hourly_max_cents is not None:
            bad("hourly_min_cents", "An hourly range is only for hourly jobs.")
    elif draft.budget_type == "hourly":
        low, high = draft.hourly_min_cents, draft.hourly_max_cents
        if low is None or high is None:
            bad("hourly_min_cents", "An hourly job needs a minimum and a maximum rate.")
        else:
            for field, cents in (("hourly_min_cents", low), ("hourly_max_cents", high)):
                bad(
                    field,
                    _money_range_problem(
                        cents, HOURLY_MIN_CENTS, HOURLY_MAX_CENTS, "An hourly rate"
                    ),
                )
            if low > high:
                bad("hourly_max_cents", "The maximum rate must be at least the minimum rate.")
        if draft.budget_cents is not None:
            bad("budget_cents", "A fixed budget is only for fixed-price jobs.")
    else:
        bad("budget_type", "Choose fixed price or hourly.")
    if draft.duration not in DURATIONS:
        bad("duration", "Choose an expected duration.")
    if draft.experience_level not in EXPERIENCE_LEVELS:
        bad("experience_level", "Choose an experience level.")
    if draft.visibility not in VISIBILITIES:
        bad("visibility", "Choose who can see the job.")
    return replace(draft, title=title, description=description, skills=skills), problems


# --- states (marketplace.md §2) ---------------------------------------------------------------

# spec: marketplace.md §2 — "`open` → `filled` (the client closes it after at least one hire; or
# 30 days after its last hire) | `cancelled` (the client closes it without any hire) | `expired`
# (30 days after posting with no hire) | `removed` (by moderation)."
# Every closed state is final. Value: does the move need a hire (True), no hire (False), or
# either (None)?
TRANSITIONS: dict[tuple[str, str], bool | None] = {
    ("open", "filled"): True,
    ("open", "cancelled"): False,
    ("open", "expired"): False,
    ("open", "removed"): None,
}


def transition_problem(current: str, target: str, *, has_hire: bool) -> str | None:
    """Why a job may not move from ``current`` to ``target``, or None when it may."""
    if current != "open":
        return f"This job is already {current}."
    if (current, target) not in TRANSITIONS:
        return f"A job cannot become {target}."
    needs_hire = TRANSITIONS[(current, target)]
    if needs_hire is True and not has_hire:
        return "Only a job with at least one hire can be closed as filled; cancel it instead."
    if needs_hire is False and has_hire:
        return "This job already has a hire; close it as filled instead."
    return None


@dataclass(frozen=True)
class JobTimeline:
    status: str
    posted_at: datetime
    first_hire_at: datetime | None = None
    last_hire_at: datetime | None = None


def due_state(
    job: JobTimeline, now: datetime, *, expiry_days: int = 30, filled_after_days: int = 30
) -> str | None:
    """The state an open job must move to at ``now`` by itself, or None.

    spec: marketplace.md §2 — `filled` "30 days after its last hire"; `expired` "30 days after
    posting with no hire". Due at the instant the 30 days are complete.
    """
    if job.status != "open":
        return None
    if job.last_hire_at is not None or job.first_hire_at is not None:
        last = job.last_hire_at or job.first_hire_at
        assert last is not None
        return "filled" if now >= last + timedelta(days=filled_after_days) else None
    return "expired" if now >= job.posted_at + timedelta(days=expiry_days) else None


def accepts_proposals(status: str, proposal_count: int, max_proposals: int = 50) -> bool:
    """spec: marketplace.md §2 — "A job accepts proposals only while `open` and under 50
    proposals." """
    return status == "open" and proposal_count < max_proposals


# --- the client's screening card (marketplace.md §2) ---------------------------------------


def hire_rate_percent(jobs_with_hire: int, closed_without_hire: int) -> int | None:
    """spec: marketplace.md §2 — "hire rate (jobs with a hire ÷ jobs closed)".

    A job that hired but stays open to keep hiring counts as an outcome too, so the rate is
    jobs with a hire ÷ (jobs with a hire + jobs closed without one), whole percent rounded half
    up; None before the client has any outcome.
    """
    outcomes = jobs_with_hire + closed_without_hire
    if outcomes == 0:
        return None
    return _round_half_up(Fraction(100 * jobs_with_hire, outcomes))


def cost_weighted_feedback(
    pairs: Iterable[tuple[Decimal | int | Fraction | None, int]],
) -> tuple[Decimal | None, int]:
    """Cost-weighted average of the public feedback a client gave, and how many count.

    spec: marketplace.md §2 — "Σ stars × amount paid ÷ Σ amount paid, over contracts with
    feedback and > $0 paid". ``pairs`` are (stars, paid cents) per contract; stars None = no
    feedback. The average has two decimals, rounded half up.
    """
    weighted = Fraction(0)
    paid_total = 0
    count = 0
    for stars, paid in pairs:
        if stars is None or paid <= 0:
            continue
        weighted += Fraction(stars) * paid
        paid_total += paid
        count += 1
    if count == 0:
        return None, 0
    exact = weighted / paid_total
    average = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    return average, count


def _round_half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2)


# --- best matches (marketplace.md §2) ---------------------------------------------------------

SPEND_FOR_FULL_QUALITY_CENTS = 1_000_000  # $10,000 spent counts as a fully proven client


def client_quality(
    *,
    payment_verified: bool,
    hire_rate: int | None,
    feedback_average: Decimal | None,
    total_spent_cents: int,
) -> Fraction:
    """A client's quality for ranking, 0–4: payment verified, hire rate, feedback given and
    money spent, each worth one point (the spec names the order of keys, not this weighing)."""
    score = Fraction(1 if payment_verified else 0)
    if hire_rate is not None:
        score += Fraction(hire_rate, 100)
    if feedback_average is not None:
        score += Fraction(feedback_average) / 5
    score += Fraction(
        min(max(total_spent_cents, 0), SPEND_FOR_FULL_QUALITY_CENTS), SPEND_FOR_FULL_QUALITY_CENTS
    )
    return score


def skill_overlap(job_skills: Sequence[str], profile_skills: Sequence[str]) -> int:
    return len(set(job_skills) & set(profile_skills))


@dataclass(frozen=True)
class MatchFacts:
    job_id: int
    skill_overlap: int
    client_quality: Fraction
    posted_at: datetime


def best_match_key(m: MatchFacts) -> tuple[int, Fraction, float, int]:
    """spec: marketplace.md §2 — "open jobs ranked by skill overlap with the profile, then client
    quality, then recency". Sort ascending with this key; the job id breaks the last ties."""
    return (-m.skill_overlap, -m.client_quality, -m.posted_at.timestamp(), -m.job_id)
