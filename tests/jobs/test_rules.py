"""Pure job rules, table by table, quoting marketplace.md §2."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from workhall.jobs import rules
from workhall.jobs.rules import JobDraft, JobTimeline

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

GOOD = JobDraft(
    title="Build a booking API in Django",
    description="We need a REST API for room bookings, with tests and deployment notes.",
    category="web-dev",
    skills=("python", "Django"),
    budget_type="fixed",
    duration="1to3m",
    experience_level="expert",
    budget_cents=120_000,
)
HOURLY = replace(
    GOOD, budget_type="hourly", budget_cents=None, hourly_min_cents=2_000, hourly_max_cents=6_000
)


def problems(draft: JobDraft) -> dict[str, str]:
    _, found = rules.validate_posting(draft, skills_min=1, skills_max=10)
    return {p.field: p.message for p in found}


def test_a_good_posting_is_cleaned():
    cleaned, found = rules.validate_posting(
        replace(GOOD, title="  Build a\n booking   API ", skills=("Python", "django", "python")),
        skills_min=1,
        skills_max=10,
    )
    assert found == []
    assert cleaned.title == "Build a booking API"
    assert cleaned.skills == ("python", "django")  # names → catalogue slugs, repeats dropped
    assert problems(HOURLY) == {}


# spec: marketplace.md §2 — "title, description, skills (1–10), category, `budget_type` fixed or
# hourly, fixed budget or hourly range, expected duration (`lt1m`, `1to3m`, `3to6m`, `gt6m`),
# experience level (`entry`, `intermediate`, `expert`), visibility (`public`, `invite_only`)."
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "Tiny"}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"title": "A bell \x07 in the title"}, "title"),
        ({"title": "NUL \x00 in the title"}, "title"),
        ({"title": "Lone \ud800 surrogate"}, "title"),
        ({"description": "too short"}, "description"),
        ({"description": "x" * 10_001}, "description"),
        (
            {"description": "A description with a NUL \x00 character in the middle of it."},
            "description",
        ),
        ({"category": "cooking"}, "category"),
        ({"skills": ()}, "skills"),
        ({"skills": ("basket weaving",)}, "skills"),
        (
            {
                "skills": tuple(
                    [
                        "python",
                        "django",
                        "fastapi",
                        "javascript",
                        "typescript",
                        "react",
                        "vue-js",
                        "node-js",
                        "php",
                        "laravel",
                        "html",
                    ]
                )
            },
            "skills",
        ),
        ({"budget_type": "barter"}, "budget_type"),
        ({"budget_cents": None}, "budget_cents"),
        ({"budget_cents": 499}, "budget_cents"),
        ({"budget_cents": 100_000_001}, "budget_cents"),
        ({"budget_cents": -5}, "budget_cents"),
        ({"hourly_min_cents": 2_000}, "hourly_min_cents"),  # hourly range on a fixed job
        ({"duration": "forever"}, "duration"),
        ({"experience_level": "guru"}, "experience_level"),
        ({"visibility": "secret"}, "visibility"),
    ],
)
def test_bad_fixed_postings(change, field):
    assert field in problems(replace(GOOD, **change))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hourly_min_cents": None}, "hourly_min_cents"),
        ({"hourly_max_cents": None}, "hourly_min_cents"),
        ({"hourly_min_cents": 99}, "hourly_min_cents"),
        ({"hourly_max_cents": 100_001}, "hourly_max_cents"),
        ({"hourly_min_cents": 5_000, "hourly_max_cents": 4_000}, "hourly_max_cents"),
        ({"budget_cents": 10_000}, "budget_cents"),  # a fixed budget on an hourly job
    ],
)
def test_bad_hourly_postings(change, field):
    assert field in problems(replace(HOURLY, **change))


@pytest.mark.parametrize(
    ("title", "description", "budget", "ok"),
    [
        ("12345", "d" * 30, 500, True),  # the lower bounds are allowed
        ("t" * 120, "d" * 10_000, 100_000_000, True),  # and the upper ones
        ("1234", "d" * 30, 500, False),
        ("12345", "d" * 29, 500, False),
    ],
)
def test_length_and_budget_bounds(title, description, budget, ok):
    draft = replace(GOOD, title=title, description=description, budget_cents=budget)
    assert (problems(draft) == {}) is ok


# spec: marketplace.md §2 — "`open` → `filled` (the client closes it after at least one hire; or
# 30 days after its last hire) | `cancelled` (the client closes it without any hire) | `expired`
# (30 days after posting with no hire) | `removed` (by moderation)."
@pytest.mark.parametrize(
    ("current", "target", "has_hire", "allowed"),
    [
        ("open", "filled", True, True),
        ("open", "filled", False, False),
        ("open", "cancelled", False, True),
        ("open", "cancelled", True, False),
        ("open", "expired", False, True),
        ("open", "expired", True, False),
        ("open", "removed", False, True),
        ("open", "removed", True, True),
        ("open", "open", False, False),
        ("filled", "cancelled", True, False),
        ("cancelled", "open", False, False),
        ("expired", "filled", False, False),
        ("removed", "open", False, False),
    ],
)
def test_state_machine(current, target, has_hire, allowed):
    assert (rules.transition_problem(current, target, has_hire=has_hire) is None) is allowed


@pytest.mark.parametrize(
    ("timeline", "now", "due"),
    [
        # "expired (30 days after posting with no hire)"
        (JobTimeline("open", T0), T0 + 30 * DAY - timedelta(seconds=1), None),
        (JobTimeline("open", T0), T0 + 30 * DAY, "expired"),
        (JobTimeline("open", T0), T0 + 90 * DAY, "expired"),
        # "filled ... 30 days after its last hire" — a job that kept hiring
        (JobTimeline("open", T0, T0 + 20 * DAY, T0 + 25 * DAY), T0 + 40 * DAY, None),
        (JobTimeline("open", T0, T0 + 20 * DAY, T0 + 25 * DAY), T0 + 55 * DAY, "filled"),
        (JobTimeline("open", T0, T0 + 20 * DAY, None), T0 + 50 * DAY, "filled"),
        # a hire stops the expiry clock
        (JobTimeline("open", T0, T0 + 29 * DAY, T0 + 29 * DAY), T0 + 31 * DAY, None),
        # "Closed" states stay as they are
        (JobTimeline("cancelled", T0), T0 + 90 * DAY, None),
        (JobTimeline("filled", T0, T0, T0), T0 + 90 * DAY, None),
    ],
)
def test_due_state(timeline, now, due):
    assert rules.due_state(timeline, now) == due


# spec: marketplace.md §2 — "A job accepts proposals only while `open` and under 50 proposals."
@pytest.mark.parametrize(
    ("status", "count", "accepts"),
    [
        ("open", 0, True),
        ("open", 49, True),
        ("open", 50, False),
        ("open", 51, False),
        ("filled", 0, False),
        ("cancelled", 3, False),
        ("expired", 0, False),
        ("removed", 0, False),
    ],
)
def test_accepts_proposals(status, count, accepts):
    assert rules.accepts_proposals(status, count, 50) is accepts


# spec: marketplace.md §2 — "hire rate (jobs with a hire ÷ jobs closed)"
@pytest.mark.parametrize(
    ("with_hire", "closed_without_hire", "rate"),
    [(0, 0, None), (0, 3, 0), (1, 0, 100), (1, 1, 50), (2, 1, 67), (1, 2, 33), (1, 7, 13)],
)
def test_hire_rate(with_hire, closed_without_hire, rate):
    assert rules.hire_rate_percent(with_hire, closed_without_hire) == rate


# spec: marketplace.md §2 — "the cost-weighted average of the public feedback the client gave
# freelancers (Σ stars × amount paid ÷ Σ amount paid, over contracts with feedback and > $0
# paid), with its count"
@pytest.mark.parametrize(
    ("pairs", "average", "count"),
    [
        ([], None, 0),
        ([(5, 10_000)], Decimal("5.00"), 1),
        ([(5, 10_000), (3, 30_000)], Decimal("3.50"), 2),  # (50k + 90k) / 40k
        ([(5, 10_000), (1, 0)], Decimal("5.00"), 1),  # $0 paid does not count
        ([(None, 50_000), (4, 10_000)], Decimal("4.00"), 1),  # no feedback does not count
        ([(Decimal("4.83"), 1), (Decimal("4.17"), 2)], Decimal("4.39"), 2),  # 13.17 / 3
        ([(5, 1), (4, 1), (4, 1)], Decimal("4.33"), 3),
        ([(Decimal("4.50"), 1), (Decimal("4.51"), 1)], Decimal("4.51"), 2),  # 4.505 → half up
    ],
)
def test_cost_weighted_feedback(pairs, average, count):
    assert rules.cost_weighted_feedback(pairs) == (average, count)


# spec: marketplace.md §2 — "'Best matches' for a freelancer: open jobs ranked by skill overlap
# with the profile, then client quality, then recency."
def test_best_match_order():
    facts = [
        rules.MatchFacts(1, skill_overlap=1, client_quality=Fraction(4), posted_at=T0 + 9 * DAY),
        rules.MatchFacts(2, skill_overlap=3, client_quality=Fraction(0), posted_at=T0),
        rules.MatchFacts(3, skill_overlap=3, client_quality=Fraction(2), posted_at=T0),
        rules.MatchFacts(4, skill_overlap=3, client_quality=Fraction(2), posted_at=T0 + DAY),
        rules.MatchFacts(5, skill_overlap=0, client_quality=Fraction(4), posted_at=T0 + 9 * DAY),
    ]
    assert [f.job_id for f in sorted(facts, key=rules.best_match_key)] == [4, 3, 2, 1, 5]


@pytest.mark.parametrize(
    ("verified", "hire_rate", "feedback", "spent", "quality"),
    [
        (False, None, None, 0, Fraction(0)),
        (True, None, None, 0, Fraction(1)),
        (True, 50, None, 0, Fraction(3, 2)),
        (True, 100, Decimal("5.00"), 1_000_000, Fraction(4)),
        (False, 0, Decimal("2.50"), 500_000, Fraction(1)),
        (False, None, None, 50_000_000, Fraction(1)),  # spending counts up to $10,000
    ],
)
def test_client_quality(verified, hire_rate, feedback, spent, quality):
    assert (
        rules.client_quality(
            payment_verified=verified,
            hire_rate=hire_rate,
            feedback_average=feedback,
            total_spent_cents=spent,
        )
        == quality
    )


def test_skill_overlap():
    assert rules.skill_overlap(["python", "django", "css"], ["django", "python", "go"]) == 2
    assert rules.skill_overlap(["python"], []) == 0
