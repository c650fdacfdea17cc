"""Pure account rules: password policy, profile completeness, login throttling (spec quoted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the zxcvbn corpus (spec asks for at least 10,000)."""
    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, min_length: int, max_length: int, email: str = "") -> str | None:
    """Why a password is refused, or None (marketplace.md §1: 12–128 chars, not a common one)."""
    if len(password) < min_length:
        return f"Password must be at least {min_length} characters."
    if len(password) > max_length:
        return f"Password must be at most {max_length} characters."
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered == email.lower()):
        return "This password is too common; choose another."
    if len(set(password)) <= 2:
        return "This password is too easy to guess; choose another."
    return None


@dataclass(frozen=True)
class CompletenessFacts:
    has_photo: bool
    title: str
    overview: str
    skill_count: int
    has_hourly_rate: bool
    portfolio_count: int
    phone_verified: bool


COMPLETENESS_ITEMS = (
    ("photo", "Add a profile photo"),
    ("title", "Write a professional title"),
    ("overview", "Write an overview of at least 100 characters"),
    ("skills", "List at least 3 skills"),
    ("rate", "Set an hourly rate"),
    ("portfolio", "Add a portfolio item"),
    ("phone", "Verify your phone"),
)


def completeness_checks(f: CompletenessFacts) -> dict[str, bool]:
    """spec: marketplace.md §1 — seven items of equal weight."""
    return {
        "photo": f.has_photo,
        "title": bool(f.title.strip()),
        "overview": len(f.overview.strip()) >= 100,
        "skills": f.skill_count >= 3,
        "rate": f.has_hourly_rate,
        "portfolio": f.portfolio_count >= 1,
        "phone": f.phone_verified,
    }


def profile_completeness(f: CompletenessFacts) -> int:
    """Percentage of the seven items done, rounded half up to a whole percent."""
    done = sum(completeness_checks(f).values())
    return (done * 200 + len(COMPLETENESS_ITEMS)) // (2 * len(COMPLETENESS_ITEMS))


def throttle_delay(
    consecutive_failures: int, *, free_failures: int, base_seconds: float, max_seconds: float
) -> float:
    """Seconds a (account, IP) pair must wait before the next attempt (trust.md §3).

    The first ``free_failures`` failures cost nothing; then the delay doubles with each failure.
    """
    if consecutive_failures < free_failures:
        return 0.0
    return min(max_seconds, base_seconds * 2 ** (consecutive_failures - free_failures))


def retry_at(last_failure: datetime, delay_seconds: float) -> datetime:
    return last_failure + timedelta(seconds=delay_seconds)
