"""My Stats, as the page and ``GET /api/v1/me/stats`` show it (reputation.md §5).

One read model for both: ``reputation.stats.my_stats`` builds a ``StatsOut`` and the page
renders the same object, so the numbers can never differ. Rates are percentages with one
decimal (rounded half up once); money is integer cents.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class WindowOut(BaseModel):
    name: str = Field(description="24m, 12m, 6m, 3m or trending")
    label: str
    score: float | None = Field(description="0–100, two decimals; null when not defined")


class JssPointOut(BaseModel):
    instant: datetime
    jss: int | None
    level: str


class JssOut(BaseModel):
    jss: int | None = Field(description="The JSS stored at the latest evaluation")
    evaluated_at: datetime | None
    trend: list[JssPointOut] = Field(description="One point per evaluation, last 12 months")
    windows: list[WindowOut]


class CriterionOut(BaseModel):
    name: str
    label: str
    met: bool
    value: Any = None


class BadgesOut(BaseModel):
    level: str = Field(description="none, top_rated or top_rated_plus")
    level_label: str
    at_risk: bool
    at_risk_reasons: list[str]
    rising_talent: bool = Field(description="The Rising Talent badge is shown")
    eligible_weeks: int
    weeks_considered: int
    evaluated_at: datetime | None
    next_evaluation_at: datetime
    top_rated: list[CriterionOut]
    plus: list[CriterionOut]
    rising_talent_criteria: list[CriterionOut]


class MonthOut(BaseModel):
    month: str = Field(description="YYYY-MM (UTC)")
    cents: int


class RecommendOut(BaseModel):
    private_scores: int
    would_recommend: int
    share: float = Field(description="Percent of private scores of 9 or 10")


class EarningsOut(BaseModel):
    since: datetime
    total_cents: int
    months: list[MonthOut]
    long_term_cents: int
    long_term_share: float | None = Field(description="Percent of the total; null without earnings")
    recommend: RecommendOut | None = Field(
        description="From the latest evaluation; null with fewer than 3 private scores"
    )


class FunnelStageOut(BaseModel):
    name: str = Field(description="sent, viewed, interviewed or hired")
    count: int
    rate: float | None = Field(description="Percent of the previous stage")
    peer_rate: float | None


class PeersOut(BaseModel):
    instant: datetime
    peers: int
    sent: int


class FunnelOut(BaseModel):
    since: datetime
    until: datetime
    category: str | None
    category_name: str | None
    stages: list[FunnelStageOut]
    hire_rate: float | None = Field(description="Percent of sent proposals that were hired")
    peer_hire_rate: float | None
    peers: PeersOut | None


class LotOut(BaseModel):
    kind: str
    original: int
    remaining: int
    issued_at: datetime
    expires_at: datetime


class ConnectsMonthOut(BaseModel):
    month: str
    spent: int
    refunded: int


class BoostsOut(BaseModel):
    since: datetime
    boosted: int
    viewed: int
    hired: int
    connects_spent: int


class ConnectsStatsOut(BaseModel):
    balance: int
    lots: list[LotOut]
    months: list[ConnectsMonthOut]
    spent_total: int
    refunded_total: int
    boosts: BoostsOut


class ScoreBucketOut(BaseModel):
    label: str
    low: Decimal
    count: int


class FeedbackStatsOut(BaseModel):
    count: int
    average: Decimal | None
    buckets: list[ScoreBucketOut]


class StatsOut(BaseModel):
    generated_at: datetime
    jss: JssOut
    badges: BadgesOut
    earnings: EarningsOut
    funnel: FunnelOut
    connects: ConnectsStatsOut
    feedback: FeedbackStatsOut
