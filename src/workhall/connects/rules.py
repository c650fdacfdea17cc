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


def lot_is_live(expires_at: datetime, at: datetime) -> bool:
    """A lot counts until its expiry instant, which is excluded: a lot expiring at T is gone at
    T (marketplace.md §4.1, "Balance = Σ unexpired remaining lots")."""
    return expires_at > at


# --- monthly grants and the Plus plan (marketplace.md §4.1) ----------------------------------


def month_key(at: datetime) -> str:
    """The calendar month (UTC) an instant falls in, as ``YYYY-MM``."""
    return f"{at.year:04d}-{at.month:02d}"


def month_start(at: datetime) -> datetime:
    return at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(at: datetime) -> datetime:
    start = month_start(at)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def grant_source(month: str) -> str:
    """The lot source of a monthly grant: unique per user, so a month is granted once."""
    return f"grant:{month}"


def plus_topup_source(month: str) -> str:
    return f"grant:{month}:plus"


def eligible_for_monthly_grant(created_at: datetime, at: datetime) -> bool:
    """The 1st-of-month grant goes to freelancers who existed before that 1st.

    One who signs up during the month got the sign-up grant, which stands for that month; they
    get the monthly grant from the next 1st on.
    """
    return created_at < month_start(at)


def plus_topup(already_granted: int, plus_grant: int) -> int:
    """Connects added when a freelancer moves to Plus mid-month: the month's grant is brought
    up to the Plus grant, never above it (80 in all for the month, whatever was granted)."""
    return max(0, plus_grant - already_granted)


def bundle_price_cents(bundle: int, *, sizes: Sequence[int], unit_price_cents: int) -> int:
    """Bundles of 10, 20, 40, 60 or 80 Connects at $0.15 each (marketplace.md §4.1)."""
    if bundle not in sizes:
        raise ValueError(f"Connects are sold in bundles of {', '.join(map(str, sizes))}.")
    return bundle * unit_price_cents


@dataclass(frozen=True)
class PriceRow:
    min_cents: int
    max_cents: int | None  # exclusive; None = no upper bound
    connects: int


def fixed_price_rows(fixed_table: Sequence[tuple[int | None, int]]) -> list[PriceRow]:
    """The §4.2 fixed-price table as ranges, for the price list shown to freelancers."""
    rows: list[PriceRow] = []
    low = 0
    for upper, price in fixed_table:
        rows.append(PriceRow(low, upper, price))
        if upper is None:
            break
        low = upper
    return rows
