"""Reputation rules: pure functions of the facts and an instant T (reputation.md §1–§3, §6).

INTERFACE FIXED FOR THE REST OF THE PACKAGE — bodies are being written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from workhall.reputation.facts import (
    ClientStatuses,
    ContractHistory,
    FreelancerHistory,
    PreviousResult,
)

LEVELS = ("none", "top_rated", "top_rated_plus")
LEVEL_RANK = {level: rank for rank, level in enumerate(LEVELS)}
# spec: reputation.md §1.5 — the windows, in days, in the order the JSS takes the highest.
WINDOWS: tuple[tuple[str, int], ...] = (("24m", 730), ("12m", 365), ("6m", 182), ("3m", 91))


@dataclass(frozen=True, slots=True)
class RuleNumbers:
    """The spec's thresholds (defaults = reputation.md); ``from_settings`` reads WORKHALL_*."""

    jss_top_rated_min: int = 90
    jss_grace_floor: int = 80
    eligible_weeks: int = 13
    weeks_considered: int = 16
    min_earnings_cents: int = 100_000
    min_tenure_days: int = 90
    activity_days: int = 90
    hold_lookback_days: int = 90
    plus_min_earnings_cents: int = 1_000_000
    plus_large_client_cents: int = 500_000
    rising_max_account_age_days: int = 365
    rising_new_account_days: int = 30
    pilot_seed: str = "rising-talent"
    pilot_control_percent: int = 20

    @classmethod
    def from_settings(cls, settings: Any) -> RuleNumbers:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class ContractOutcome:
    """One contract's facts and class at T (§1.1–§1.4)."""

    contract: ContractHistory
    paid: int  # cents released to the freelancer at or before T
    ended: bool
    long_term: bool
    dispute_lost: bool
    public: Fraction | None  # of the latest client feedback record at or before T
    private: int | None
    klass: str | None  # positive | neutral | negative (after rule 5); None: no class
    decided_by: str | None  # dispute | private | public | long_term
    counted: bool
    # no_class | not_ended_with_feedback | zero_paid | client_excluded
    not_counted_reason: str | None
    weight: Fraction  # 0 when not counted
    date: datetime | None  # §1.1 `date`


@dataclass(frozen=True, slots=True)
class JssResult:
    score: int | None  # rounded half up; None = not enough history
    windows: dict[str, Fraction | None]  # "24m", "12m", "6m", "3m", "trending"
    outcomes: tuple[ContractOutcome, ...]  # every contract of the freelancer, counted or not


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str  # stable key, e.g. "jss", "eligible_weeks", "earnings_365d"
    label: str  # what My Stats shows, e.g. "Job Success Score at least 90"
    met: bool
    value: Any  # JSON-able: int, str, bool or None


@dataclass(frozen=True, slots=True)
class BadgeResult:
    at: datetime
    jss: int | None
    windows: dict[str, Fraction | None]
    eligible_weeks: int
    earned: str
    level: str
    at_risk: bool
    at_risk_reasons: tuple[str, ...]  # labels of the failing criteria when at_risk
    top_rated: tuple[Criterion, ...]  # §2.2, in order 1–8
    plus: tuple[Criterion, ...]  # §2.3 extra criteria
    rising_talent_eligible: bool  # §3.1 (only when level is none)
    rising_talent: tuple[Criterion, ...]  # §3.1, in order 1–8
    weekly_jss: dict[datetime, int | None]  # the 16 Mondays' JSS used (to store)


def round_half_up(value: Fraction) -> int:
    raise NotImplementedError


def contract_outcome(contract: ContractHistory, at: datetime, *, excluded: bool) -> ContractOutcome:
    raise NotImplementedError


def compute_jss(history: FreelancerHistory, at: datetime, statuses: ClientStatuses) -> JssResult:
    raise NotImplementedError


def evaluation_instants(start: datetime, end: datetime) -> list[datetime]:
    """00:00 UTC of every 1st and 15th with start <= instant <= end (§2.1)."""
    raise NotImplementedError


def recent_mondays(at: datetime, count: int = 16) -> list[datetime]:
    """The ``count`` most recent Mondays 00:00 UTC at or before ``at``, oldest first."""
    raise NotImplementedError


def evaluate(
    history: FreelancerHistory,
    at: datetime,
    previous: PreviousResult,
    statuses: ClientStatuses,
    numbers: RuleNumbers = RuleNumbers(),
    weekly_jss: Mapping[datetime, int | None] | None = None,
) -> BadgeResult:
    """Badges at T (§2.2–§2.4) and Rising Talent eligibility (§3.1). ``weekly_jss`` may hold
    already-known Monday scores; missing Mondays are computed from the history."""
    raise NotImplementedError


def pilot_arm(handle: str, seed: str = "rising-talent", control_percent: int = 20) -> str:
    raise NotImplementedError
