"""My Stats: the freelancer's dashboard, as one read model (reputation.md §5, quality.md §1).

``my_stats`` builds the ``StatsOut`` the page and ``GET /api/v1/me/stats`` both show. Every
figure is aggregated in SQL: 9 small queries, each bounded by the freelancer's own rows. The
JSS, badges and "would recommend" share are read from the latest stored evaluation — never
recomputed here (§1.7: private feedback must not be traceable to the day it arrived).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import SQLColumnExpression, String, and_, case, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from workhall import catalog
from workhall.connects.models import ConnectsEvent, ConnectsLot
from workhall.contracts.models import Contract
from workhall.core.clock import utcnow
from workhall.feedback.models import ALL_CRITERIA, Feedback
from workhall.payments.models import Payment
from workhall.reputation.models import Evaluation
from workhall.reputation.queries import LEVEL_LABELS
from workhall.reputation.stats_funnel import (
    FUNNEL_DAYS,
    STAGES,
    BoostCounts,
    FunnelCounts,
    compute_peer_funnels,
    freelancer_proposals,
    main_category,
    peer_funnel,
)
from workhall.reputation.stats_schemas import (
    BadgesOut,
    BoostsOut,
    ConnectsMonthOut,
    ConnectsStatsOut,
    CriterionOut,
    EarningsOut,
    FeedbackStatsOut,
    FunnelOut,
    FunnelStageOut,
    JssOut,
    JssPointOut,
    LotOut,
    MonthOut,
    PeersOut,
    RecommendOut,
    ScoreBucketOut,
    StatsOut,
    WindowOut,
)

__all__ = ["compute_peer_funnels", "latest_evaluation", "my_stats", "next_evaluation_instant"]

MONTHS = 12
TREND_DAYS = 365
WEEKS_CONSIDERED = 16  # spec: reputation.md §2.2 criterion 2
RECOMMEND_MIN_SCORES = 3  # spec: reputation.md §5 — shown only with ≥ 3 private scores
RECOMMEND_MIN_SCORE = 9  # spec: reputation.md §5 — "share of private scores ≥ 9"
LONG_TERM_MIN_CONTRACTS = 2  # a long-term client: at least two contracts with the freelancer
CONNECTS_SPENT_KINDS = ("proposal", "boost", "spend")
CONNECTS_REFUND_KINDS = ("refund", "boost_return")
WINDOW_LABELS = {
    "24m": "24 months",
    "12m": "12 months",
    "6m": "6 months",
    "3m": "3 months",
    "trending": "Trending (6 and 3 months)",
}
# Public score bands (the JSS's own cut-offs at 4.00 and 4.50, reputation.md §1.2).
SCORE_BUCKETS: tuple[tuple[str, Decimal], ...] = (
    ("4.50–5.00", Decimal("4.50")),
    ("4.00–4.49", Decimal("4.00")),
    ("3.00–3.99", Decimal("3.00")),
    ("2.00–2.99", Decimal("2.00")),
    ("1.00–1.99", Decimal("1.00")),
)


# --- small helpers ---------------------------------------------------------------------------


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal, rounded half up once; None when whole is 0."""
    if whole <= 0:
        return None
    exact = Fraction(100 * part, whole)
    value = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return float(value)


def month_start(at: datetime) -> datetime:
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def add_months(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def month_starts(at: datetime, count: int = MONTHS) -> list[datetime]:
    """The first instants of the last ``count`` calendar months (the current one included),
    plus the start of the next month as the end bound."""
    first = add_months(month_start(at), -(count - 1))
    return [add_months(first, i) for i in range(count + 1)]


def month_key(session: Session, when: SQLColumnExpression[datetime]) -> ColumnElement[str]:
    """SQL: "YYYY-MM" of a UTC time stamp. SQLite stores them as naive UTC text
    ("2026-06-20 12:00:00.000000"); PostgreSQL as timestamptz, read in UTC."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(when, 1, 7, type_=String)
    return func.to_char(func.timezone("UTC", when), "YYYY-MM", type_=String)


def _key(start: datetime) -> str:
    return f"{start.year:04d}-{start.month:02d}"


def latest_instant(at: datetime) -> datetime:
    """The latest evaluation instant (00:00 UTC on the 1st or the 15th) at or before ``at``."""
    return datetime(at.year, at.month, 15 if at.day >= 15 else 1, tzinfo=UTC)


def next_evaluation_instant(at: datetime) -> datetime:
    """The first evaluation instant strictly after ``at`` (reputation.md §2.1)."""
    if at.day < 15:
        return datetime(at.year, at.month, 15, tzinfo=UTC)
    return add_months(month_start(at), 1)


def latest_evaluation(
    session: Session, user_id: int, at: datetime | None = None
) -> Evaluation | None:
    at = at or utcnow()
    return session.scalar(
        select(Evaluation)
        .where(Evaluation.user_id == user_id, Evaluation.instant <= at)
        .order_by(Evaluation.instant.desc())
        .limit(1)
    )


def _score(value: Any) -> float | None:
    """A window score as stored (a number, or a string of one); None when undefined."""
    if value is None or isinstance(value, bool):
        return None
    try:
        exact = Fraction(str(value))  # a number, "71.43" or a Fraction written as "500/7"
    except (ValueError, ZeroDivisionError):
        return None
    number = Decimal(exact.numerator) / Decimal(exact.denominator)
    return float(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def windows_of(details: dict[str, Any]) -> list[WindowOut]:
    stored = details.get("windows") or {}
    return [
        WindowOut(name=name, label=label, score=_score(stored.get(name)))
        for name, label in WINDOW_LABELS.items()
    ]


def _criteria(items: Any) -> list[CriterionOut]:
    out = []
    for item in items or []:
        if isinstance(item, dict) and "name" in item:
            out.append(
                CriterionOut(
                    name=str(item["name"]),
                    label=str(item.get("label") or item["name"]),
                    met=bool(item.get("met")),
                    value=item.get("value"),
                )
            )
    return out


# --- sections -------------------------------------------------------------------------------


def jss_section(session: Session, user_id: int, now: datetime, latest: Evaluation | None) -> JssOut:
    points = session.execute(
        select(Evaluation.instant, Evaluation.jss, Evaluation.level)
        .where(
            Evaluation.user_id == user_id,
            Evaluation.instant > now - timedelta(days=TREND_DAYS),
            Evaluation.instant <= now,
        )
        .order_by(Evaluation.instant)
    ).all()
    return JssOut(
        jss=latest.jss if latest else None,
        evaluated_at=latest.instant if latest else None,
        trend=[JssPointOut(instant=i, jss=j, level=lv) for i, j, lv in points],
        windows=windows_of(latest.details or {} if latest else {}),
    )


def badges_section(now: datetime, latest: Evaluation | None) -> BadgesOut:
    details: dict[str, Any] = (latest.details or {}) if latest else {}
    level = latest.level if latest else "none"
    return BadgesOut(
        level=level,
        level_label=LEVEL_LABELS.get(level, "") or "No badge",
        at_risk=bool(latest and latest.at_risk),
        at_risk_reasons=[str(r) for r in details.get("at_risk_reasons") or []],
        # spec: reputation.md §3.2 — the control arm sees nothing.
        rising_talent=bool(latest and latest.rising_talent == "treatment"),
        eligible_weeks=latest.eligible_weeks if latest else 0,
        weeks_considered=WEEKS_CONSIDERED,
        evaluated_at=latest.instant if latest else None,
        next_evaluation_at=next_evaluation_instant(now),
        top_rated=_criteria(details.get("top_rated")),
        plus=_criteria(details.get("plus")),
        rising_talent_criteria=_criteria(details.get("rising_talent")),
    )


def recommend_of(details: dict[str, Any]) -> RecommendOut | None:
    """The "would recommend" share stored at the evaluation: ``details["recommend"]`` holds
    ``{"private_scores": n, "would_recommend": k}`` (k = private scores ≥ 9); shown only when
    n ≥ 3 (reputation.md §5)."""
    stored = details.get("recommend")
    if not isinstance(stored, dict):
        return None
    n = stored.get("private_scores", stored.get("count"))
    k = stored.get("would_recommend", stored.get("promoters"))
    if not isinstance(n, int) or not isinstance(k, int) or isinstance(n, bool):
        return None
    if n < RECOMMEND_MIN_SCORES or not 0 <= k <= n:
        return None
    return RecommendOut(private_scores=n, would_recommend=k, share=percent(k, n) or 0.0)


def earnings_section(
    session: Session, user_id: int, now: datetime, latest: Evaluation | None
) -> EarningsOut:
    """Payments to the freelancer (gross) by calendar month, the current month included; the
    share of long-term clients (two or more contracts with the freelancer)."""
    starts = month_starts(now)
    long_term_clients = (
        select(Contract.client_id)
        .where(Contract.freelancer_id == user_id)
        .group_by(Contract.client_id)
        .having(func.count(Contract.id) >= LONG_TERM_MIN_CONTRACTS)
    )
    amount = Payment.amount_cents
    month = month_key(session, Payment.at)
    long_term = case((Payment.client_id.in_(long_term_clients), amount), else_=0)
    by_month = {
        str(key): (int(total or 0), int(lt or 0))
        for key, total, lt in session.execute(
            select(month, func.sum(amount), func.sum(long_term))
            .where(Payment.freelancer_id == user_id, Payment.at >= starts[0], Payment.at <= now)
            .group_by(month)
        )
    }
    months = [MonthOut(month=_key(s), cents=by_month.get(_key(s), (0, 0))[0]) for s in starts[:-1]]
    total = sum(m.cents for m in months)
    long_term_cents = sum(lt for _, lt in by_month.values())
    return EarningsOut(
        since=starts[0],
        total_cents=total,
        months=months,
        long_term_cents=long_term_cents,
        long_term_share=percent(long_term_cents, total),
        recommend=recommend_of((latest.details or {}) if latest else {}),
    )


def funnel_section(session: Session, user_id: int, now: datetime, own: FunnelCounts) -> FunnelOut:
    category = main_category(session, user_id, now)
    peer = None
    if category is not None:
        peer = peer_funnel(session, category, latest_instant(now))
    peer_counts = (
        FunnelCounts(peer.sent, peer.viewed, peer.interviewed, peer.hired) if peer else None
    )
    stages = []
    mine, theirs = own.as_tuple(), peer_counts.as_tuple() if peer_counts else None
    for i, name in enumerate(STAGES):
        stages.append(
            FunnelStageOut(
                name=name,
                count=mine[i],
                rate=percent(mine[i], mine[i - 1]) if i else None,
                peer_rate=percent(theirs[i], theirs[i - 1]) if i and theirs else None,
            )
        )
    return FunnelOut(
        since=now - timedelta(days=FUNNEL_DAYS),
        until=now,
        category=category,
        category_name=catalog.CATEGORY_NAMES.get(category) if category else None,
        stages=stages,
        hire_rate=percent(own.hired, own.sent),
        peer_hire_rate=percent(peer.hired, peer.sent) if peer else None,
        peers=PeersOut(instant=peer.instant, peers=peer.peers, sent=peer.sent) if peer else None,
    )


def connects_section(
    session: Session, user_id: int, now: datetime, boosts: BoostCounts
) -> ConnectsStatsOut:
    """Balance and live lots; Connects spent (proposals and boosts) and refunded (refunds and
    returned boosts) by month; boosts placed in the last 90 days and how they did."""
    starts = month_starts(now)
    e = ConnectsEvent
    spent = case((e.kind.in_(CONNECTS_SPENT_KINDS), -e.amount), else_=0)
    refunded = case((e.kind.in_(CONNECTS_REFUND_KINDS), e.amount), else_=0)
    month = month_key(session, e.at)
    by_month = {
        str(key): (int(out or 0), int(back or 0))
        for key, out, back in session.execute(
            select(month, func.sum(spent), func.sum(refunded))
            .where(e.user_id == user_id, e.at >= starts[0], e.at <= now)
            .group_by(month)
        )
    }
    months = []
    for start in starts[:-1]:
        out, back = by_month.get(_key(start), (0, 0))
        months.append(ConnectsMonthOut(month=_key(start), spent=out, refunded=back))
    lots = [
        LotOut(kind=k, original=o, remaining=r, issued_at=i, expires_at=x)
        for k, o, r, i, x in session.execute(
            # The live lots, soonest expiry first (connects.queries.live_lots), as columns.
            select(
                ConnectsLot.kind,
                ConnectsLot.original,
                ConnectsLot.remaining,
                ConnectsLot.issued_at,
                ConnectsLot.expires_at,
            )
            .where(
                ConnectsLot.user_id == user_id,
                ConnectsLot.remaining > 0,
                ConnectsLot.expires_at > now,
            )
            .order_by(ConnectsLot.expires_at, ConnectsLot.id)
        )
    ]
    return ConnectsStatsOut(
        balance=sum(lot.remaining for lot in lots),  # Σ unexpired lots (marketplace §4.1)
        lots=lots,
        months=months,
        spent_total=sum(m.spent for m in months),
        refunded_total=sum(m.refunded for m in months),
        boosts=BoostsOut(
            since=now - timedelta(days=FUNNEL_DAYS),
            boosted=boosts.boosted,
            viewed=boosts.viewed,
            hired=boosts.hired,
            connects_spent=boosts.connects_spent,
        ),
    )


def feedback_section(session: Session, user_id: int, now: datetime) -> FeedbackStatsOut:
    """Revealed public client feedback on contracts with more than $0 paid (marketplace.md
    §7), by band of the overall score. Live feedback's overall is the mean of its six
    criteria (compared exactly as sums: 4.50 ⇔ 27 of 30); an imported record carries one."""
    columns = [func.coalesce(getattr(Feedback, n), 0) for n in ALL_CRITERIA]
    criteria_sum: ColumnElement[int] = columns[0]
    for column in columns[1:]:
        criteria_sum = criteria_sum + column
    # "> $0 paid": payments are positive, so one payment on the contract is enough.
    paid = exists().where(Payment.contract_id == Feedback.contract_id).correlate(Feedback)
    imported = Feedback.public_score.is_not(None)
    live = and_(Feedback.public_score.is_(None), Feedback.skills.is_not(None))

    def band(low: Decimal, high: Decimal | None) -> ColumnElement[int]:
        in_live = criteria_sum >= int(low * 6)
        in_imported = Feedback.public_score >= low
        if high is not None:
            in_live = and_(in_live, criteria_sum < int(high * 6))
            in_imported = and_(in_imported, Feedback.public_score < high)
        cond = (live & in_live) | (imported & in_imported)
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    highs: list[Decimal | None] = [None, *(low for _, low in SCORE_BUCKETS[:-1])]
    row = session.execute(
        select(
            *(band(low, high) for (_, low), high in zip(SCORE_BUCKETS, highs, strict=True)),
            func.coalesce(func.sum(case((live, criteria_sum), else_=0)), 0),
            func.coalesce(func.sum(case((live, 1), else_=0)), 0),
            func.sum(case((imported, Feedback.public_score), else_=None)),
            func.coalesce(func.sum(case((imported, 1), else_=0)), 0),
        ).where(
            Feedback.recipient_id == user_id,
            Feedback.author_role == "client",
            Feedback.reveal_at <= now,
            paid,
        )
    ).one()
    n_buckets = len(SCORE_BUCKETS)
    live_sum, live_n = int(row[n_buckets]), int(row[n_buckets + 1])
    imported_sum = Decimal(row[n_buckets + 2] or 0)
    imported_n = int(row[n_buckets + 3])
    count = live_n + imported_n
    average = None
    if count:
        exact = Fraction(live_sum, 6) + Fraction(imported_sum)
        exact /= count
        average = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return FeedbackStatsOut(
        count=count,
        average=average,
        buckets=[
            ScoreBucketOut(label=label, low=low, count=int(row[i]))
            for i, (label, low) in enumerate(SCORE_BUCKETS)
        ],
    )


def my_stats(session: Session, user_id: int, now: datetime | None = None) -> StatsOut:
    """Everything My Stats shows, as of ``now`` (default the clock)."""
    now = now or utcnow()
    latest = latest_evaluation(session, user_id, now)
    funnel, boosts = freelancer_proposals(session, user_id, now)
    return StatsOut(
        generated_at=now,
        jss=jss_section(session, user_id, now, latest),
        badges=badges_section(now, latest),
        earnings=earnings_section(session, user_id, now, latest),
        funnel=funnel_section(session, user_id, now, funnel),
        connects=connects_section(session, user_id, now, boosts),
        feedback=feedback_section(session, user_id, now),
    )
