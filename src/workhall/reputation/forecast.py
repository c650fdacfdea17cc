"""The JSS transparency list and its forecast (reputation.md §1.7). Pure: facts in, values out.

What the freelancer's JSS page shows:

* every counted contract that sits in at least one window at ``at``, with its weight, the
  windows it sits in and the instant it leaves each one;
* its class only when a dispute, public feedback or a long-term relationship decided it;
  contracts decided by private feedback are marked private, and their classes appear only as
  totals, and only when there are at least 3 of them;
* "upcoming changes": the instants in the next ``days`` days when the score moves because
  contracts leave windows, with the score it will then have if nothing else happens. The
  forecast is computed WITHOUT the contracts classed by private feedback (from a baseline
  that also leaves them out), so no forecast point can reveal one.

"If nothing else happens" is read as: the contracts' classes, weights and dates stay as they
are at ``at``; only time moves, so contracts leave windows. A contract in window W (days)
leaves it at ``date + W days``, the first instant at which ``T − W < date`` no longer holds.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from workhall.reputation.facts import ClientStatuses, FreelancerHistory
from workhall.reputation.rules import (
    WINDOWS,
    Counted,
    compute_jss,
    score_from_windows,
    window_scores,
)

# spec: reputation.md §1.7 — private classes shown only as totals, and only from 3 contracts.
PRIVATE_TOTALS_MIN = 3
FORECAST_DAYS = 90
CLASSES = ("positive", "neutral", "negative")


@dataclass(frozen=True, slots=True)
class WindowStay:
    """A window a contract sits in at ``at`` and the instant it leaves it."""

    window: str  # "24m" | "12m" | "6m" | "3m"
    leaves_at: datetime  # date + window length: from this instant on it is no longer inside


@dataclass(frozen=True, slots=True)
class ContractLine:
    """One counted contract as the freelancer may see it.

    ``klass`` is None exactly when ``private_feedback`` is True: a contract whose class came
    from the client's private score never shows it (not even as "positive" after rule 5)."""

    contract_id: Hashable
    client: Hashable
    weight: Fraction  # 1 to 8, in steps of 1/4
    date: datetime  # §1.1 `date`: the end, or the latest payment / dispute decision
    decided_by: str  # "dispute" | "public" | "long_term" | "private"
    private_feedback: bool
    klass: str | None  # "positive" | "neutral" | "negative"; None when private_feedback
    windows: tuple[WindowStay, ...]  # longest window first

    def leaves(self, window: str) -> datetime | None:
        for stay in self.windows:
            if stay.window == window:
                return stay.leaves_at
        return None


@dataclass(frozen=True, slots=True)
class UpcomingChange:
    """A forecast point: at ``at`` the score moves to ``score`` if nothing else happens.

    ``score`` and ``windows`` are computed without private-feedback contracts; ``leaving`` lists
    the (non-private) contracts leaving a window at that instant, with the window's name."""

    at: datetime
    score: int | None  # None: not enough history then
    windows: dict[str, Fraction | None]  # "24m", "12m", "6m", "3m", "trending"
    leaving: tuple[tuple[Hashable, str], ...]  # (contract id, window)


@dataclass(frozen=True, slots=True)
class Transparency:
    """Everything §1.7 shows, as of ``at``.

    ``contracts`` is sorted newest date first. ``private_count`` is how many listed contracts
    were decided by private feedback; ``private_totals`` maps each class to its count among
    them, or is None when there are fewer than 3. ``forecast_base`` is the score now without
    private-feedback contracts — the start line the forecast moves from (it is NOT the
    freelancer's JSS, which includes them). ``upcoming`` holds only instants where the rounded
    score changes, oldest first, within ``days`` days after ``at``."""

    at: datetime
    days: int
    contracts: tuple[ContractLine, ...]
    private_count: int
    private_totals: dict[str, int] | None
    forecast_base: int | None
    upcoming: tuple[UpcomingChange, ...]


def transparency(
    history: FreelancerHistory, at: datetime, statuses: ClientStatuses, days: int = FORECAST_DAYS
) -> Transparency:
    result = compute_jss(history, at, statuses)
    lines: list[ContractLine] = []
    public_counted: list[Counted] = []
    private_classes: list[str] = []
    for outcome in result.outcomes:
        if not outcome.counted or outcome.date is None or outcome.klass is None:
            continue
        date = outcome.date
        stays = tuple(
            WindowStay(name, date + timedelta(days=length))
            for name, length in WINDOWS
            if at - timedelta(days=length) < date <= at
        )
        if not stays:
            continue
        private = outcome.decided_by == "private"
        lines.append(
            ContractLine(
                contract_id=outcome.contract.id,
                client=outcome.contract.client,
                weight=outcome.weight,
                date=date,
                decided_by=outcome.decided_by or "",
                private_feedback=private,
                klass=None if private else outcome.klass,
                windows=stays,
            )
        )
        if private:
            private_classes.append(outcome.klass)
        else:
            quarters = outcome.weight.numerator * 4 // outcome.weight.denominator
            public_counted.append((date, outcome.contract.client, outcome.klass, quarters))
    lines.sort(key=lambda line: line.date, reverse=True)

    totals = None
    if len(private_classes) >= PRIVATE_TOTALS_MIN:
        totals = {k: private_classes.count(k) for k in CLASSES}

    base = score_from_windows(window_scores(public_counted, at))
    return Transparency(
        at=at,
        days=days,
        contracts=tuple(lines),
        private_count=len(private_classes),
        private_totals=totals,
        forecast_base=base,
        upcoming=_upcoming(lines, public_counted, at, days, base),
    )


def _upcoming(
    lines: list[ContractLine],
    counted: list[Counted],
    at: datetime,
    days: int,
    base: int | None,
) -> tuple[UpcomingChange, ...]:
    horizon = at + timedelta(days=days)
    leaving: dict[datetime, list[tuple[Hashable, str]]] = {}
    for line in lines:
        if line.private_feedback:
            continue
        for stay in line.windows:
            if at < stay.leaves_at <= horizon:
                leaving.setdefault(stay.leaves_at, []).append((line.contract_id, stay.window))
    changes: list[UpcomingChange] = []
    previous = base
    for instant in sorted(leaving):
        windows = window_scores(counted, instant)
        score = score_from_windows(windows)
        if score != previous:
            changes.append(UpcomingChange(instant, score, windows, tuple(leaving[instant])))
            previous = score
    return tuple(changes)
