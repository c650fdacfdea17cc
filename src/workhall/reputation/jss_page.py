"""The freelancer's JSS page: the stored score and its transparency list (reputation.md §1.7).

Everything is computed AS OF THE LATEST EVALUATION INSTANT, not now: the page then changes
only at evaluations, so a private answer cannot be traced to the day it arrived. The list
comes from ``reputation.forecast.transparency`` (which hides the class of contracts decided by
private feedback, totals them only from 3, and forecasts without them); this module loads the
history, adds the contracts' titles and shapes it for the template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.contracts.models import Contract
from workhall.reputation import forecast
from workhall.reputation.loader import clients_of, load_client_statuses, load_histories
from workhall.reputation.models import Evaluation
from workhall.reputation.stats import latest_evaluation, next_evaluation_instant, windows_of
from workhall.reputation.stats_schemas import WindowOut

FORECAST_DAYS = 90  # spec: reputation.md §1.7 — "upcoming changes ... in the next 90 days"
WINDOW_LABELS = {"24m": "24 months", "12m": "12 months", "6m": "6 months", "3m": "3 months"}
DECIDED_BY = {
    "public": "Public feedback",
    "long_term": "Long-term relationship",
    "dispute": "Dispute lost",
    "private": "Private feedback",
}


@dataclass(frozen=True, slots=True)
class WindowStay:
    window: str  # 24m | 12m | 6m | 3m
    label: str
    leaves_at: datetime


@dataclass(frozen=True, slots=True)
class JssRow:
    contract_id: int
    title: str
    weight: str  # "1.25"
    klass: str | None  # positive | neutral | negative; None when decided by private feedback
    decided_by: str  # a label of DECIDED_BY
    private: bool
    date: datetime | None
    windows: tuple[WindowStay, ...]


@dataclass(frozen=True, slots=True)
class UpcomingChange:
    at: datetime
    score: int | None  # None: no score then ("not enough history")


@dataclass(slots=True)
class JssPage:
    evaluation: Evaluation | None
    next_evaluation_at: datetime
    windows: list[WindowOut] = field(default_factory=list)
    rows: list[JssRow] = field(default_factory=list)
    private_count: int = 0
    private_totals: dict[str, int] | None = None  # only with ≥ 3 private-decided contracts
    upcoming: list[UpcomingChange] = field(default_factory=list)

    @property
    def jss(self) -> int | None:
        return self.evaluation.jss if self.evaluation else None


def _weight(value: Fraction | Any) -> str:
    f = Fraction(value)
    hundredths = (f * 100).numerator // (f * 100).denominator
    text = f"{hundredths // 100}.{hundredths % 100:02d}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def jss_page(session: Session, user_id: int, now: datetime) -> JssPage:
    latest = latest_evaluation(session, user_id, now)
    page = JssPage(evaluation=latest, next_evaluation_at=next_evaluation_instant(now))
    if latest is None:
        return page
    page.windows = windows_of(latest.details or {})
    history = load_histories(session, [user_id]).get(user_id)
    if history is None:
        return page
    statuses = load_client_statuses(session, clients_of([history]))
    seen = forecast.transparency(history, latest.instant, statuses, days=FORECAST_DAYS)
    ids = [int(line.contract_id) for line in seen.contracts]  # type: ignore[call-overload]
    titles: dict[int, str] = {}
    if ids:
        titles = {
            int(cid): str(title)
            for cid, title in session.execute(
                select(Contract.id, Contract.title).where(Contract.id.in_(ids))
            )
        }
    for line, cid in zip(seen.contracts, ids, strict=True):
        page.rows.append(
            JssRow(
                contract_id=cid,
                title=titles.get(cid, f"Contract #{cid}"),
                weight=_weight(line.weight),
                klass=None if line.private_feedback else line.klass,
                decided_by=DECIDED_BY.get(line.decided_by, line.decided_by),
                private=line.private_feedback,
                date=line.date,
                windows=tuple(
                    WindowStay(w.window, WINDOW_LABELS.get(w.window, w.window), w.leaves_at)
                    for w in line.windows
                ),
            )
        )
    page.private_count = seen.private_count
    page.private_totals = dict(seen.private_totals) if seen.private_totals else None
    page.upcoming = [UpcomingChange(u.at, u.score) for u in seen.upcoming]
    return page


def jss_page_context(session: Session, user_id: int, now: datetime) -> dict[str, Any]:
    page = jss_page(session, user_id, now)
    return {
        "page": page,
        "forecast_data": [{"at": u.at.isoformat(), "score": u.score} for u in page.upcoming],
    }
