"""Reputation rules: pure functions of the facts and an instant T (reputation.md §1–§3, §6).

Nothing here reads a clock or a database. Arithmetic is exact: weights are counted in quarter
points (every weight is a multiple of 1/4) and window scores are ``Fraction``s, rounded once,
half up, at the end. How each rule was read is written down in docs/reputation.md ("Rules").
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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

DAY = timedelta(days=1)
_NINETY_DAYS = timedelta(days=90)  # spec: §1.1 long_term and §1.4 weight steps
_LONGEST_WINDOW = timedelta(days=max(days for _, days in WINDOWS))
_HALF = Fraction(1, 2)
_ZERO = timedelta(0)
# spec: §1.2 rule 3 — public score thresholds.
_PUBLIC_POSITIVE = Fraction(450, 100)
_PUBLIC_NEUTRAL = Fraction(400, 100)
# spec: §1.4 — base weight by paid, in quarter points (1, 1.25, 1.5), and the cap of 8.
_WEIGHT_STEPS = ((25_000, 4), (100_000, 5))
_WEIGHT_ABOVE = 6
_WEIGHT_CAP = 32


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
        return cls(
            jss_top_rated_min=settings.jss_top_rated_min,
            jss_grace_floor=settings.jss_grace_floor,
            eligible_weeks=settings.top_rated_eligible_weeks,
            weeks_considered=settings.top_rated_weeks_considered,
            min_earnings_cents=settings.top_rated_min_earnings_cents,
            min_tenure_days=settings.top_rated_min_tenure_days,
            activity_days=settings.top_rated_activity_days,
            hold_lookback_days=settings.top_rated_hold_lookback_days,
            plus_min_earnings_cents=settings.top_rated_plus_min_earnings_cents,
            plus_large_client_cents=settings.top_rated_plus_large_client_cents,
            rising_max_account_age_days=settings.rising_talent_max_account_age_days,
            rising_new_account_days=settings.rising_talent_new_account_days,
            pilot_seed=settings.pilot_seed,
            pilot_control_percent=settings.pilot_control_percent,
        )


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

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "met": self.met, "value": self.value}


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
    """The nearest whole number, halves going up (towards +infinity)."""
    return int((Fraction(value) + _HALF).__floor__())


# --- §1.1–§1.4: one contract -------------------------------------------------------------------


def _base_quarters(paid: int) -> int:
    for limit, quarters in _WEIGHT_STEPS:
        if paid <= limit:
            return quarters
    return _WEIGHT_ABOVE


# What ``_contract_facts`` returns: paid, ended, long_term, dispute_lost, public, private,
# klass, decided_by, not_counted_reason, weight in quarter points (0 when not counted), date.
_Facts = tuple[
    int,
    bool,
    bool,
    bool,
    Fraction | None,
    int | None,
    str | None,
    str | None,
    str | None,
    int,
    datetime | None,
]


def contract_outcome(contract: ContractHistory, at: datetime, *, excluded: bool) -> ContractOutcome:
    """The contract's facts, class, weight and date at ``at`` (§1.1–§1.4, §6)."""
    (
        paid,
        ended,
        long_term,
        dispute_lost,
        public,
        private,
        klass,
        decided_by,
        reason,
        quarters,
        date,
    ) = _contract_facts(contract, at, excluded)
    return ContractOutcome(
        contract=contract,
        paid=paid,
        ended=ended,
        long_term=long_term,
        dispute_lost=dispute_lost,
        public=public,
        private=private,
        klass=klass,
        decided_by=decided_by,
        counted=reason is None,
        not_counted_reason=reason,
        weight=Fraction(quarters, 4),
        date=date,
    )


def _contract_facts(contract: ContractHistory, at: datetime, excluded: bool) -> _Facts:
    """``contract_outcome``'s values as a plain tuple, the weight in quarter points (the
    rules' inner loop: no dataclass and no ``Fraction`` per contract)."""
    paid = 0
    first_pay: datetime | None = None
    last_pay: datetime | None = None
    longest_gap = _ZERO
    n_payments = 0
    for when, cents in contract.payments:
        if when > at:
            break
        paid += cents
        if last_pay is None:
            first_pay = when
        elif when - last_pay > longest_gap:
            longest_gap = when - last_pay
        last_pay = when
        n_payments += 1

    ended_at = contract.ended_at
    ended = ended_at is not None and ended_at <= at

    # spec: §6 — the latest client feedback record at or before T holds, with both its scores;
    # "ended with feedback" needs a record at or before T with at least one score.
    public: Fraction | None = None
    private: int | None = None
    scored_feedback = False
    for record in contract.client_feedback:
        if record.at > at:
            break
        public, private = record.public, record.private
        if public is not None or private is not None:
            scored_feedback = True

    dispute_lost = False
    last_decision: datetime | None = None
    for decision in contract.disputes:
        if decision.at > at:
            break
        last_decision = decision.at
        if decision.outcome == "client_won":
            dispute_lost = True

    long_term = (
        n_payments >= 2
        and first_pay is not None
        and last_pay is not None
        and last_pay - first_pay >= _NINETY_DAYS
        and longest_gap <= _NINETY_DAYS
        and (ended or at - last_pay <= _NINETY_DAYS)
    )

    date: datetime | None
    if ended:
        date = ended_at
    elif last_pay is not None and last_decision is not None:
        date = max(last_pay, last_decision)
    else:
        date = last_pay if last_pay is not None else last_decision

    # spec: §1.2 — the outcome class, rules 1–5 in order.
    klass: str | None
    decided_by: str | None
    if dispute_lost:
        klass, decided_by = "negative", "dispute"
    elif private is not None:
        decided_by = "private"
        klass = "positive" if private >= 9 else "negative" if private <= 6 else "neutral"
    elif public is not None:
        decided_by = "public"
        if public >= _PUBLIC_POSITIVE:
            klass = "positive"
        elif public < _PUBLIC_NEUTRAL:
            klass = "negative"
        else:
            klass = "neutral"
    elif long_term:
        klass, decided_by = "positive", "long_term"
    else:
        klass, decided_by = None, None
    if klass == "neutral" and long_term:
        klass = "positive"
        if decided_by == "public":
            decided_by = "long_term"
        # A private 7–8 made positive by rule 5 stays "private": showing its class would
        # tell the freelancer the private score was not 6 or less.

    # spec: §1.3 — which contracts count.
    reason: str | None = None
    if klass is None:
        reason = "no_class"
    elif not ((ended and scored_feedback) or dispute_lost or long_term):
        reason = "not_ended_with_feedback"
    elif paid == 0 and klass != "negative":
        reason = "zero_paid"
    elif excluded:
        reason = "client_excluded"

    quarters = 0
    if reason is None:
        quarters = _base_quarters(paid)
        if first_pay is not None and last_pay is not None:
            quarters += 4 * ((last_pay - first_pay) // _NINETY_DAYS)
        quarters = min(quarters, _WEIGHT_CAP)

    return (
        paid,
        ended,
        long_term,
        dispute_lost,
        public,
        private,
        klass,
        decided_by,
        reason,
        quarters,
        date,
    )


# --- §1.5: windows and the score ---------------------------------------------------------------


Counted = tuple[datetime, Hashable, str, int]  # (date, client, class, weight in quarters)


def _quarters(weight: Fraction) -> int:
    return weight.numerator * 4 // weight.denominator


def _window_ratios(
    counted: Sequence[Counted], at: datetime
) -> Iterator[tuple[str, tuple[int, int] | None]]:
    """Each window's name and score as (numerator, denominator > 0): 100 (P − N) / W clamped
    to [0, 100] in whole numbers (weights are positive); None unless its counted contracts
    come from at least 2 distinct clients (§1.5)."""
    for name, days in WINDOWS:
        start = at - timedelta(days=days)
        positive = negative = total = 0
        clients: set[Hashable] = set()
        for date, client, klass, weight in counted:
            if start < date <= at:
                clients.add(client)
                total += weight
                if klass == "positive":
                    positive += weight
                elif klass == "negative":
                    negative += weight
        if len(clients) < 2 or total == 0:
            yield name, None
        else:
            yield name, (100 * min(max(positive - negative, 0), total), total)


def window_scores(counted: Sequence[Counted], at: datetime) -> dict[str, Fraction | None]:
    """Each window's score and Trending from counted contracts as (date, client, class,
    weight in quarter points). A window is defined with contracts from at least 2 distinct
    clients (§1.5)."""
    scores: dict[str, Fraction | None] = {
        name: Fraction(*ratio) if ratio is not None else None
        for name, ratio in _window_ratios(counted, at)
    }
    six, three = scores["6m"], scores["3m"]
    scores["trending"] = (six + three) / 2 if six is not None and three is not None else None
    return scores


def score_from_windows(windows: Mapping[str, Fraction | None]) -> int | None:
    """§1.5: the highest defined of S_24m, S_12m, S_6m and Trending, rounded half up."""
    defined = [windows[name] for name in ("24m", "12m", "6m", "trending")]
    values = [v for v in defined if v is not None]
    return round_half_up(max(values)) if values else None


def compute_jss(history: FreelancerHistory, at: datetime, statuses: ClientStatuses) -> JssResult:
    """The JSS at ``at`` with every contract's outcome (§1.1–§1.5)."""
    excluded: dict[Hashable, bool] = {}
    outcomes: list[ContractOutcome] = []
    counted: list[Counted] = []
    for contract in history.contracts:
        client = contract.client
        if client not in excluded:
            excluded[client] = statuses.excluded(client, at)
        outcome = contract_outcome(contract, at, excluded=excluded[client])
        outcomes.append(outcome)
        if outcome.counted and outcome.date is not None and outcome.klass is not None:
            counted.append((outcome.date, client, outcome.klass, _quarters(outcome.weight)))
    windows = window_scores(counted, at)
    return JssResult(score=score_from_windows(windows), windows=windows, outcomes=tuple(outcomes))


def jss_score(history: FreelancerHistory, at: datetime, statuses: ClientStatuses) -> int | None:
    """Only the JSS at ``at`` (same rules as ``compute_jss``), skipping contracts that cannot
    sit in any window: the fast path for eligible-week Mondays."""
    horizon = at - _LONGEST_WINDOW
    excluded: dict[Hashable, bool] = {}
    counted: list[Counted] = []
    for contract in history.contracts:
        # An ended contract's date is its end: ended before the longest window, it is in none.
        if contract.ended_at is not None and contract.ended_at <= horizon:
            continue
        client = contract.client
        if client not in excluded:
            excluded[client] = statuses.excluded(client, at)
        facts = _contract_facts(contract, at, excluded[client])
        klass, reason, quarters, date = facts[6], facts[8], facts[9], facts[10]
        if reason is None and date is not None and klass is not None:
            counted.append((date, client, klass, quarters))
    return score_of_counted(counted, at)


def score_of_counted(counted: Sequence[Counted], at: datetime) -> int | None:
    """``score_from_windows(window_scores(counted, at))`` in whole numbers (no ``Fraction``):
    each window's score is kept as numerator / denominator and compared by cross-products."""
    best: tuple[int, int] | None = None  # (numerator, denominator > 0)
    six: tuple[int, int] | None = None
    for name, value in _window_ratios(counted, at):
        if name == "6m":
            six = value
        elif name == "3m":
            # Trending = (S_6m + S_3m) / 2, defined with both; it takes the 3m window's place.
            value = (
                None
                if six is None or value is None
                else (six[0] * value[1] + value[0] * six[1], 2 * six[1] * value[1])
            )
        if value is not None and (best is None or value[0] * best[1] > best[0] * value[1]):
            best = value
    if best is None:
        return None
    numerator, denominator = best
    # round half up: floor(x / y + 1/2) = floor((2x + y) / 2y)
    return (2 * numerator + denominator) // (2 * denominator)


# --- §2.1: instants ----------------------------------------------------------------------------


def evaluation_instants(start: datetime, end: datetime) -> list[datetime]:
    """00:00 UTC of every 1st and 15th with start <= instant <= end (§2.1)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    instants: list[datetime] = []
    year, month = start.year, start.month
    while True:
        for day in (1, 15):
            instant = datetime(year, month, day, tzinfo=UTC)
            if instant > end:
                return instants
            if instant >= start:
                instants.append(instant)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def recent_mondays(at: datetime, count: int = 16) -> list[datetime]:
    """The ``count`` most recent Mondays 00:00 UTC at or before ``at``, oldest first."""
    at = at.astimezone(UTC)
    midnight = datetime(at.year, at.month, at.day, tzinfo=UTC)
    latest = midnight - timedelta(days=midnight.weekday())
    return [latest - timedelta(weeks=i) for i in range(count - 1, -1, -1)]


# --- §2.2–§2.4 and §3.1: evaluation ------------------------------------------------------------


def _money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def good_standing(history: FreelancerHistory, at: datetime, lookback_days: int = 90) -> str:
    """§2.2 criterion 8 as a reason: ``ok``, ``suspended``, ``on_hold`` or ``recent_hold``."""
    if history.suspended_at is not None and history.suspended_at <= at:
        return "suspended"
    since = at - timedelta(days=lookback_days)
    recent = False
    for hold in history.holds:
        if hold.starts_at <= at and (hold.ends_at is None or hold.ends_at > at):
            return "on_hold"
        if since < hold.starts_at <= at:
            recent = True
    return "recent_hold" if recent else "ok"


def completeness_at(history: FreelancerHistory, at: datetime) -> int:
    """§6: the latest completeness recorded at or before T, 0 if none."""
    value = 0
    for when, percent in history.completeness:
        if when > at:
            break
        value = percent
    return value


def last_activity(history: FreelancerHistory, at: datetime) -> datetime | None:
    """§6: the latest proposal sent or payment received at or before T."""
    latest: datetime | None = None
    for when in history.proposals:
        if when > at:
            break
        latest = when
    for contract in history.contracts:
        for when, _cents in contract.payments:
            if when > at:
                break
            if latest is None or when > latest:
                latest = when
    return latest


def earnings_since(history: FreelancerHistory, at: datetime, days: int) -> int:
    """Sum of payments received in the last ``days`` days, (T − days, T]."""
    since = at - timedelta(days=days)
    return sum(
        cents
        for contract in history.contracts
        for when, cents in contract.payments
        if since < when <= at
    )


def large_client_cents(
    history: FreelancerHistory, at: datetime, outcomes: tuple[ContractOutcome, ...], days: int = 365
) -> int:
    """§2.3: the most one client paid in the last ``days`` days over all their contracts,
    among clients with no negative counted contract dated in those days and not excluded at T
    (their contracts count nowhere, §6). 0 when there is none."""
    since = at - timedelta(days=days)
    paid: dict[Hashable, int] = {}
    barred: set[Hashable] = set()
    for outcome in outcomes:
        contract = outcome.contract
        if outcome.not_counted_reason == "client_excluded":
            barred.add(contract.client)
            continue
        if (
            outcome.counted
            and outcome.klass == "negative"
            and outcome.date is not None
            and since < outcome.date <= at
        ):
            barred.add(contract.client)
        for when, cents in contract.payments:
            if when > at:
                break
            if when > since:
                paid[contract.client] = paid.get(contract.client, 0) + cents
    return max((c for client, c in paid.items() if client not in barred), default=0)


def _iso(value: datetime | None) -> str | None:
    return value.date().isoformat() if value is not None else None


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
    n = numbers
    result = compute_jss(history, at, statuses)
    jss = result.score

    # §2.2 criterion 2: each Monday's JSS from history at that Monday (§6).
    known = weekly_jss or {}
    weekly: dict[datetime, int | None] = {}
    for monday in recent_mondays(at, n.weeks_considered):
        if monday in known:
            weekly[monday] = known[monday]
        elif monday == at:
            weekly[monday] = jss
        else:
            weekly[monday] = jss_score(history, monday, statuses)
    eligible_weeks = sum(1 for s in weekly.values() if s is not None and s >= n.jss_top_rated_min)

    earnings = earnings_since(history, at, 365)
    starts = [c.started_at for c in history.contracts if c.started_at <= at]
    first_start = min(starts) if starts else None
    activity = last_activity(history, at)
    active = activity is not None and activity > at - timedelta(days=n.activity_days)
    completeness = completeness_at(history, at)
    identity = history.identity_verified_at is not None and history.identity_verified_at <= at
    phone = history.phone_verified_at is not None and history.phone_verified_at <= at
    standing = good_standing(history, at, n.hold_lookback_days)

    top_rated = (
        Criterion(
            "jss",
            f"Job Success Score at least {n.jss_top_rated_min}",
            jss is not None and jss >= n.jss_top_rated_min,
            jss,
        ),
        Criterion(
            "eligible_weeks",
            f"Job Success Score at least {n.jss_top_rated_min} on {n.eligible_weeks} of the "
            f"last {n.weeks_considered} Mondays",
            eligible_weeks >= n.eligible_weeks,
            eligible_weeks,
        ),
        Criterion(
            "earnings_365d",
            f"At least {_money(n.min_earnings_cents)} earned in the last 365 days",
            earnings >= n.min_earnings_cents,
            earnings,
        ),
        Criterion(
            "tenure",
            f"First contract started at least {n.min_tenure_days} days ago",
            first_start is not None and at - first_start >= timedelta(days=n.min_tenure_days),
            _iso(first_start),
        ),
        Criterion(
            "active_90d",
            f"A proposal sent or a payment received in the last {n.activity_days} days",
            active,
            _iso(activity),
        ),
        Criterion("profile_complete", "Profile 100% complete", completeness == 100, completeness),
        Criterion("identity_verified", "Identity verified", identity, identity),
        Criterion(
            "good_standing",
            "Good standing: no hold or suspension, and no hold begun in the last "
            f"{n.hold_lookback_days} days",
            standing == "ok",
            standing,
        ),
    )
    large = large_client_cents(history, at, result.outcomes)
    plus = (
        Criterion(
            "earnings_365d_plus",
            f"At least {_money(n.plus_min_earnings_cents)} earned in the last 365 days",
            earnings >= n.plus_min_earnings_cents,
            earnings,
        ),
        Criterion(
            "large_client",
            f"One client paid at least {_money(n.plus_large_client_cents)} in the last 365 "
            "days, with no negative contract between you in that time",
            large >= n.plus_large_client_cents,
            large,
        ),
    )

    top_met = all(c.met for c in top_rated)
    earned = "none"
    if top_met:
        earned = "top_rated_plus" if all(c.met for c in plus) else "top_rated"

    # §2.4: levels and grace.
    p_rank, e_rank = LEVEL_RANK[previous.level], LEVEL_RANK[earned]
    if (
        e_rank >= p_rank
        or standing != "ok"
        or jss is None
        or jss < n.jss_grace_floor
        or previous.at_risk
    ):
        level, at_risk = earned, False
    else:
        level, at_risk = previous.level, True
    reasons: tuple[str, ...] = ()
    if at_risk:
        required = top_rated + (plus if previous.level == "top_rated_plus" else ())
        reasons = tuple(c.label for c in required if not c.met)

    # §3.1: Rising Talent eligibility (only for level none).
    age = at - history.created_at
    negatives = sum(1 for o in result.outcomes if o.counted and o.klass == "negative")
    new_account = age <= timedelta(days=n.rising_new_account_days)
    readiness = history.readiness_passed_at is not None and history.readiness_passed_at <= at
    rising = (
        Criterion("no_jss", "No Job Success Score yet", jss is None, jss),
        Criterion(
            "account_age",
            f"Account created at most {n.rising_max_account_age_days} days ago",
            age <= timedelta(days=n.rising_max_account_age_days),
            _iso(history.created_at),
        ),
        Criterion("profile_complete", "Profile 100% complete", completeness == 100, completeness),
        Criterion(
            "verified", "Identity and phone verified", identity and phone, identity and phone
        ),
        Criterion(
            "readiness_test",
            "Readiness test passed",
            readiness,
            _iso(history.readiness_passed_at) if readiness else None,
        ),
        Criterion("no_negative", "No contract with a negative outcome", negatives == 0, negatives),
        Criterion(
            "active",
            f"A proposal sent or a payment received in the last {n.activity_days} days, or an "
            f"account at most {n.rising_new_account_days} days old",
            active or new_account,
            _iso(activity),
        ),
        Criterion(
            "good_standing",
            "Good standing: no hold or suspension, and no hold begun in the last "
            f"{n.hold_lookback_days} days",
            standing == "ok",
            standing,
        ),
    )
    rising_eligible = level == "none" and all(c.met for c in rising)

    return BadgeResult(
        at=at,
        jss=jss,
        windows=result.windows,
        eligible_weeks=eligible_weeks,
        earned=earned,
        level=level,
        at_risk=at_risk,
        at_risk_reasons=reasons,
        top_rated=top_rated,
        plus=plus,
        rising_talent_eligible=rising_eligible,
        rising_talent=rising,
        weekly_jss=weekly,
    )


def pilot_arm(handle: str, seed: str = "rising-talent", control_percent: int = 20) -> str:
    """§3.2: the arm, from a hash of the seed and the handle (never changes)."""
    digest = hashlib.sha256(f"{seed}:{handle}".encode()).hexdigest()
    return "control" if int(digest, 16) % 100 < control_percent else "treatment"
