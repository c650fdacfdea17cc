"""Pure Connects rules (marketplace.md §4): prices, spending order, refunds, the boost auction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


def connects_price_for_job(
    *,
    budget_type: str,
    budget_cents: int | None,
    duration: str,
    fixed_table: Sequence[tuple[int | None, int]],
    hourly_table: dict[str, int],
) -> int:
    """The Connects a proposal costs, fixed when the job is posted (marketplace.md §4.2).

    ``fixed_table`` rows are (exclusive upper bound in cents or None, price), ascending.
    """
    if budget_type == "hourly":
        return hourly_table[duration]
    if budget_cents is None:
        raise ValueError("a fixed-price job has a budget")
    for upper, price in fixed_table:
        if upper is None or budget_cents < upper:
            return price
    raise ValueError("the fixed price table has no open-ended last row")


@dataclass(frozen=True)
class LotView:
    id: int
    remaining: int
    expires_at: datetime


def plan_spend(lots: Sequence[LotView], amount: int, at: datetime) -> list[tuple[int, int]] | None:
    """Which lots pay ``amount``: soonest-expiring first (marketplace.md §4.3).

    Returns (lot id, Connects taken) pairs, or None if the unexpired balance is short.
    Ties on expiry go to the older lot (lower id) so the choice is deterministic.
    """
    if amount < 0:
        raise ValueError("cannot spend a negative amount")
    usable = sorted(
        (lot for lot in lots if lot.expires_at > at and lot.remaining > 0),
        key=lambda lot: (lot.expires_at, lot.id),
    )
    plan: list[tuple[int, int]] = []
    left = amount
    for lot in usable:
        if left == 0:
            break
        take = min(lot.remaining, left)
        plan.append((lot.id, take))
        left -= take
    return plan if left == 0 else None


def refund_expiry(
    original_expiries: Sequence[datetime], refunded_at: datetime, min_lifetime_days: int = 30
) -> datetime:
    """A refund lot expires at the later of the original lots' expiry and 30 days after the
    refund (marketplace.md §4.4)."""
    floor = refunded_at + timedelta(days=min_lifetime_days)
    return max([floor, *original_expiries])


@dataclass(frozen=True)
class Bid:
    proposal_id: int
    connects: int
    placed_at: datetime


def boost_slot_holders(bids: Sequence[Bid], slots: int = 4) -> list[int]:
    """Proposal ids holding the boosted slots: the highest bids, ties to the earlier bid
    (marketplace.md §4.5). First-price: each holder pays its own bid."""
    live = [b for b in bids if b.connects > 0]
    ranked = sorted(live, key=lambda b: (-b.connects, b.placed_at, b.proposal_id))
    return [b.proposal_id for b in ranked[:slots]]


def auction_open(
    posted_at: datetime, first_hire_at: datetime | None, at: datetime, days: int = 7
) -> bool:
    """The boost auction is open for 7 days after posting, or until the first hire (§4.5)."""
    return first_hire_at is None and at < posted_at + timedelta(days=days)
