"""The client conduct program's rules as pure functions (trust.md §1).

Nothing here touches a database or the web: ``conduct.signals`` loads the facts, and these
functions decide, for an evaluation instant T, a client's signals (§1.1), whether it is flagged
(§1.2), how monitoring ends (§1.3), and which case transitions are allowed and when.

Scores are exact fractions: a live feedback's public score is the mean of its six criteria,
an imported one carries its overall score (feedback/models.py). Shares compare exactly
(``part * 100 >= percent * whole``); the stored percentage is only for display.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from workhall.core.settings import Settings

# --- thresholds ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The numbers of trust.md §1, read from the settings (``conduct_*``)."""

    min_ended: int = 5
    harsh_below: Fraction = Fraction(3)
    others_at_least: Fraction = Fraction(9, 2)
    others_min_scores: int = 2
    min_distinct_freelancers: int = 3
    share_percent: int = 40
    poor_at_most: int = 4
    disputes_lost: int = 2
    window_days: int = 365
    monitoring_days: int = 90
    min_monitored: int = 3

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(
            min_ended=settings.conduct_min_ended_contracts,
            harsh_below=Fraction(Decimal(settings.conduct_harsh_score_below)),
            others_at_least=Fraction(Decimal(settings.conduct_others_average_at_least)),
            others_min_scores=settings.conduct_others_min_scores,
            min_distinct_freelancers=settings.conduct_min_distinct_freelancers,
            share_percent=settings.conduct_share_percent,
            poor_at_most=settings.conduct_poor_work_again_at_most,
            disputes_lost=settings.conduct_disputes_lost,
            window_days=settings.conduct_window_days,
            monitoring_days=settings.conduct_monitoring_days,
            min_monitored=settings.conduct_min_monitored_contracts,
        )


# --- facts -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContractFacts:
    """One ended contract of the client, with the revealed feedback of both sides on it."""

    id: int
    freelancer_id: int
    ended_at: datetime
    given: Fraction | None = None  # the client's public score to the freelancer
    given_at: datetime | None = None  # its reveal
    work_again: int | None = None  # the freelancer's private "work again", 0–10
    unprofessional: bool = False  # the freelancer's unprofessional-conduct flag
    received_at: datetime | None = None  # the reveal of the freelancer's feedback


@dataclass(frozen=True, slots=True)
class ClientFacts:
    client_id: int
    last_closed_at: datetime | None = None  # the last case closed `resolved` or `reinstated`
    contracts: tuple[ContractFacts, ...] = ()
    # Disputes of the client decided `freelancer_won` (defaults included): (contract, at).
    lost_disputes: tuple[tuple[int, datetime], ...] = ()
    # Per freelancer: the public scores clients gave them in the window, (client, reveal, score).
    freelancer_scores: Mapping[int, tuple[tuple[int, datetime, Fraction], ...]] = field(
        default_factory=dict
    )


@dataclass(frozen=True, slots=True)
class Signals:
    ended: int
    scores_given: int
    harsh: int
    harsh_freelancers: int  # distinct freelancers the scores went to
    private_received: int
    poor: int
    poor_freelancers: int
    disputes_lost: int
    harsh_defined: bool
    poor_defined: bool

    @property
    def harsh_share(self) -> Decimal | None:
        return percent(self.harsh, self.scores_given) if self.harsh_defined else None

    @property
    def poor_share(self) -> Decimal | None:
        return percent(self.poor, self.private_received) if self.poor_defined else None


def percent(part: int, whole: int) -> Decimal:
    """The share in percent with two decimals, for display and storage."""
    if whole == 0:
        return Decimal("0.00")
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def at_least_share(part: int, whole: int, share_percent: int) -> bool:
    """``part / whole >= share_percent %``, exactly; never true of an empty whole."""
    return whole > 0 and part * 100 >= share_percent * whole


def window_start(t: datetime, th: Thresholds) -> datetime:
    """The window is (T − 365 days, T]."""
    return t - timedelta(days=th.window_days)


def in_window(at: datetime | None, t: datetime, th: Thresholds) -> bool:
    return at is not None and window_start(t, th) < at <= t


def is_harsh(facts: ClientFacts, c: ContractFacts, t: datetime, th: Thresholds) -> bool:
    """spec: trust.md §1.1 — "harsh: < 3.00 while that freelancer's average public score from
    other clients over the last 365 days (at least 2 scores) is ≥ 4.50"."""
    if c.given is None or c.given >= th.harsh_below:
        return False
    others = [
        score
        for client, at, score in facts.freelancer_scores.get(c.freelancer_id, ())
        if client != facts.client_id and in_window(at, t, th)
    ]
    if len(others) < th.others_min_scores:
        return False
    return Fraction(sum(others)) / len(others) >= th.others_at_least


def is_poor(c: ContractFacts, th: Thresholds) -> bool:
    """spec: trust.md §1.1 — "work again" ≤ 4 or the unprofessional-conduct flag."""
    if c.received_at is None or c.work_again is None:
        return False
    return c.work_again <= th.poor_at_most or c.unprofessional


def counted_contracts(facts: ClientFacts, t: datetime) -> list[ContractFacts]:
    """spec: trust.md §1.1 — "Only contracts that ended after the client's last conduct case
    closed (resolved or reinstated) count"."""
    return [
        c
        for c in facts.contracts
        if c.ended_at <= t and (facts.last_closed_at is None or c.ended_at > facts.last_closed_at)
    ]


def signals(facts: ClientFacts, t: datetime, th: Thresholds) -> Signals:
    """The client's signals over (T − 365 days, T] (trust.md §1.1). Feedback counts at its
    reveal; a dispute at its decision."""
    contracts = counted_contracts(facts, t)
    given = [c for c in contracts if c.given is not None and in_window(c.given_at, t, th)]
    received = [
        c for c in contracts if c.work_again is not None and in_window(c.received_at, t, th)
    ]
    lost = [
        at
        for _, at in facts.lost_disputes
        if in_window(at, t, th) and (facts.last_closed_at is None or at > facts.last_closed_at)
    ]
    given_to = {c.freelancer_id for c in given}
    received_from = {c.freelancer_id for c in received}
    return Signals(
        ended=sum(1 for c in contracts if in_window(c.ended_at, t, th)),
        scores_given=len(given),
        harsh=sum(1 for c in given if is_harsh(facts, c, t, th)),
        harsh_freelancers=len(given_to),
        private_received=len(received),
        poor=sum(1 for c in received if is_poor(c, th)),
        poor_freelancers=len(received_from),
        disputes_lost=len(lost),
        harsh_defined=len(given_to) >= th.min_distinct_freelancers,
        poor_defined=len(received_from) >= th.min_distinct_freelancers,
    )


def flagged(s: Signals, th: Thresholds, *, has_open_case: bool) -> bool:
    """spec: trust.md §1.2 — "flagged when `ended` ≥ 5 and (`harsh_given` ≥ 40% or
    `poor_received` ≥ 40% or `disputes_lost` ≥ 2), and it has no open case"."""
    if has_open_case or s.ended < th.min_ended:
        return False
    harsh = s.harsh_defined and at_least_share(s.harsh, s.scores_given, th.share_percent)
    poor = s.poor_defined and at_least_share(s.poor, s.private_received, th.share_percent)
    return harsh or poor or s.disputes_lost >= th.disputes_lost


# --- monitoring (§1.3) ---------------------------------------------------------------------------

Outcome = Literal["resolved", "restricted", "extended"]


@dataclass(frozen=True, slots=True)
class MonitoringResult:
    outcome: Outcome
    contracts: int
    harsh: int
    scores_given: int
    poor: int
    private_received: int
    disputes_lost: int

    def summary(self) -> str:
        return (
            f"{self.contracts} contract(s) ended since the contact: "
            f"{self.harsh} harsh of {self.scores_given} public score(s) given, "
            f"{self.poor} poor of {self.private_received} private feedback received, "
            f"{self.disputes_lost} dispute(s) lost."
        )


def monitoring_outcome(
    facts: ClientFacts, since: datetime, t: datetime, th: Thresholds, *, extended: bool
) -> MonitoringResult:
    """spec: trust.md §1.3 — "Over the contracts that ended after the contact: with 3 or more,
    → `restricted` if `harsh_given` ≥ 40% or `poor_received` ≥ 40% or `disputes_lost` ≥ 2 among
    them, else `resolved`; with fewer than 3, → `resolved` if none of them is harsh, poor or a
    lost dispute, else monitoring is extended once by 90 days; at the end of the extension the
    same test applies, except that with still fewer than 3 contracts any harsh, poor or lost one
    → `restricted`."

    Among the monitored contracts a share is taken over the feedback that exists on them (the
    "3 distinct freelancers" minimum belongs to the flag, not to this test)."""
    contracts = [c for c in facts.contracts if since < c.ended_at <= t]
    ids = {c.id for c in contracts}
    given = [c for c in contracts if c.given is not None and c.given_at and c.given_at <= t]
    received = [
        c for c in contracts if c.work_again is not None and c.received_at and c.received_at <= t
    ]
    harsh = sum(1 for c in given if is_harsh(facts, c, t, th))
    poor = sum(1 for c in received if is_poor(c, th))
    lost = sum(1 for cid, at in facts.lost_disputes if cid in ids and at <= t)
    outcome: Outcome
    if len(contracts) >= th.min_monitored:
        bad = (
            at_least_share(harsh, len(given), th.share_percent)
            or at_least_share(poor, len(received), th.share_percent)
            or lost >= th.disputes_lost
        )
        outcome = "restricted" if bad else "resolved"
    elif harsh == poor == lost == 0:
        outcome = "resolved"
    else:
        outcome = "restricted" if extended else "extended"
    return MonitoringResult(outcome, len(contracts), harsh, len(given), poor, len(received), lost)


# --- the case's state machine and clock (§1.3) ----------------------------------------------------

Actor = Literal["agent", "client", "system"]

# spec: trust.md §1.3 — `open` → `contacted` → `monitoring` → `resolved` | `restricted` →
# `banned` | (`appealed` → `reinstated` | `banned`). Who may take each step:
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("open", "contacted"): frozenset({"agent"}),
    ("contacted", "monitoring"): frozenset({"client", "system"}),
    ("monitoring", "monitoring"): frozenset({"system"}),  # the one extension
    ("monitoring", "resolved"): frozenset({"system"}),
    ("monitoring", "restricted"): frozenset({"system"}),
    ("restricted", "appealed"): frozenset({"client"}),
    ("restricted", "banned"): frozenset({"system"}),
    ("appealed", "reinstated"): frozenset({"agent"}),
    ("appealed", "banned"): frozenset({"agent"}),
}

STATE_LABELS = {
    "open": "Open",
    "contacted": "Contacted",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "restricted": "Restricted",
    "appealed": "Appealed",
    "reinstated": "Reinstated",
    "banned": "Banned",
}


def transition_problem(from_state: str, to_state: str, actor: Actor) -> str | None:
    """Why this step is refused, or None when the table allows it."""
    allowed = TRANSITIONS.get((from_state, to_state))
    if allowed is None:
        return (
            f"A {STATE_LABELS.get(from_state, from_state).lower()} case cannot become "
            f"{STATE_LABELS.get(to_state, to_state).lower()}."
        )
    if actor not in allowed:
        return f"This step is not taken by the {actor}."
    return None


def is_overdue(state: str, opened_at: datetime, now: datetime, overdue_days: int) -> bool:
    """spec: trust.md §1.3 — "Cases open for more than 7 days are shown as overdue"."""
    return state == "open" and now - opened_at > timedelta(days=overdue_days)


def auto_monitoring_due(contacted_at: datetime, now: datetime, days: int) -> bool:
    """spec: trust.md §1.3 — monitoring starts "automatically 7 days after contact"."""
    return now >= contacted_at + timedelta(days=days)


def monitoring_ends(due_at: datetime, instant: datetime) -> bool:
    """spec: trust.md §1.3 — "`monitoring` ends at the first evaluation instant at least 90
    days after it began" (``due_at`` is the start, or the extension, plus 90 days)."""
    return instant >= due_at


def appeal_closes(restricted_at: datetime, appeal_days: int) -> datetime:
    return restricted_at + timedelta(days=appeal_days)


def appeal_problem(
    state: str,
    restricted_at: datetime | None,
    appealed_at: datetime | None,
    now: datetime,
    days: int,
) -> str | None:
    """spec: trust.md §1.3 — "The client may appeal once, in writing, within 30 days". The
    window is half-open: at 30 days the appeal is closed and the ban is due."""
    if appealed_at is not None:
        return "You have already appealed; an agent will decide."
    if state != "restricted" or restricted_at is None:
        return "Only a restriction can be appealed."
    if now >= appeal_closes(restricted_at, days):
        return f"The {days} days to appeal have passed."
    return None


def ban_due(restricted_at: datetime, now: datetime, days: int) -> bool:
    """spec: trust.md §1.3 — "without an appeal the case becomes `banned` after 30 days"."""
    return now >= appeal_closes(restricted_at, days)
