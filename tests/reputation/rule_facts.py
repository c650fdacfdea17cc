"""Small builders of reputation facts for the pure rule tests (no database)."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime
from fractions import Fraction

from workhall.reputation.facts import (
    ContractHistory,
    DisputeDecision,
    FeedbackRecord,
    FreelancerHistory,
)


def d(text: str) -> datetime:
    """An ISO date or date-time, UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def dollars(amount: str) -> int:
    return round(Fraction(amount.replace(",", "")) * 100)


def contract(
    id: Hashable,
    client: Hashable,
    *,
    started: str = "2020-01-01",
    ended: str | None = None,
    payments: tuple[tuple[str, str], ...] = (),
    public: str | None = None,
    private: int | None = None,
    feedback_at: str | None = None,
    feedback: tuple[FeedbackRecord, ...] = (),
    disputes: tuple[tuple[str, str], ...] = (),
) -> ContractHistory:
    """A contract; ``public``/``private`` make one feedback record at ``feedback_at`` (default:
    the end)."""
    records = feedback
    if public is not None or private is not None:
        when = feedback_at or ended
        assert when is not None
        records = (
            FeedbackRecord(
                at=d(when), public=Fraction(public) if public is not None else None, private=private
            ),
        )
    return ContractHistory(
        id=id,
        client=client,
        started_at=d(started),
        ended_at=d(ended) if ended else None,
        payments=tuple((d(when), dollars(amount)) for when, amount in payments),
        client_feedback=records,
        disputes=tuple(DisputeDecision(at=d(when), outcome=o) for when, o in disputes),
    )


def paid_once(
    id: Hashable, client: Hashable, amount: str, ended: str, **fields: object
) -> ContractHistory:
    """An ended contract paid once, on its end date."""
    return contract(id, client, ended=ended, payments=((ended, amount),), **fields)  # type: ignore[arg-type]


def freelancer(*contracts: ContractHistory, **fields: object) -> FreelancerHistory:
    fields.setdefault("created_at", d("2020-01-01"))
    return FreelancerHistory(key=1, handle="f1", contracts=contracts, **fields)  # type: ignore[arg-type]
