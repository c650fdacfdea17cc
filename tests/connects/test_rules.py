"""Connects rules, table by table (marketplace.md §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workhall.connects.rules import (
    Bid,
    LotView,
    PriceRow,
    auction_open,
    boost_slot_holders,
    bundle_price_cents,
    connects_price_for_job,
    eligible_for_monthly_grant,
    fixed_price_rows,
    grant_source,
    lot_is_live,
    month_key,
    month_start,
    next_month_start,
    plan_spend,
    plus_topup,
    refund_expiry,
)
from workhall.core.settings import DEFAULT_FIXED_PRICE_TABLE, DEFAULT_HOURLY_PRICE_TABLE

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


# spec: marketplace.md §4.2 — "Fixed when the job is posted, shown on the job":
# | fixed, budget < $50 | 2 | fixed, $50 – $599.99 | 4 | fixed, $600 – $1,999.99 | 8 |
# | fixed, $2,000 – $4,999.99 | 12 | fixed, ≥ $5,000 | 16 |
@pytest.mark.parametrize(
    ("budget_cents", "connects"),
    [
        (1, 2),
        (4_999, 2),  # $49.99
        (5_000, 4),  # $50
        (59_999, 4),  # $599.99
        (60_000, 8),  # $600
        (199_999, 8),  # $1,999.99
        (200_000, 12),  # $2,000
        (499_999, 12),  # $4,999.99
        (500_000, 16),  # $5,000
        (100_000_000, 16),  # $1,000,000
    ],
)
def test_fixed_price_table(budget_cents, connects):
    price = connects_price_for_job(
        budget_type="fixed",
        budget_cents=budget_cents,
        duration="gt6m",  # ignored for fixed-price jobs
        fixed_table=DEFAULT_FIXED_PRICE_TABLE,
        hourly_table=DEFAULT_HOURLY_PRICE_TABLE,
    )
    assert price == connects


# spec: marketplace.md §4.2 — | hourly, duration lt1m | 4 | 1to3m | 8 | 3to6m | 12 | gt6m | 16 |
@pytest.mark.parametrize(
    ("duration", "connects"), [("lt1m", 4), ("1to3m", 8), ("3to6m", 12), ("gt6m", 16)]
)
def test_hourly_price_table(duration, connects):
    price = connects_price_for_job(
        budget_type="hourly",
        budget_cents=None,
        duration=duration,
        fixed_table=DEFAULT_FIXED_PRICE_TABLE,
        hourly_table=DEFAULT_HOURLY_PRICE_TABLE,
    )
    assert price == connects


def test_fixed_job_without_budget_is_a_programming_error():
    with pytest.raises(ValueError):
        connects_price_for_job(
            budget_type="fixed",
            budget_cents=None,
            duration="lt1m",
            fixed_table=DEFAULT_FIXED_PRICE_TABLE,
            hourly_table=DEFAULT_HOURLY_PRICE_TABLE,
        )


def test_fixed_price_rows_for_the_price_list():
    assert fixed_price_rows(DEFAULT_FIXED_PRICE_TABLE) == [
        PriceRow(0, 5_000, 2),
        PriceRow(5_000, 60_000, 4),
        PriceRow(60_000, 200_000, 8),
        PriceRow(200_000, 500_000, 12),
        PriceRow(500_000, None, 16),
    ]


# spec: marketplace.md §4.3 — "from the lots that expire soonest first"
def lot(id_: int, remaining: int, days: float) -> LotView:
    return LotView(id_, remaining, T0 + timedelta(days=days))


@pytest.mark.parametrize(
    ("lots", "amount", "plan"),
    [
        # soonest expiry first, whatever the order given
        ([lot(1, 5, 30), lot(2, 5, 10)], 4, [(2, 4)]),
        # spills over into the next-soonest lot
        ([lot(1, 5, 30), lot(2, 3, 10)], 6, [(2, 3), (1, 3)]),
        # same expiry: the older lot (lower id) first
        ([lot(7, 5, 10), lot(3, 5, 10)], 6, [(3, 5), (7, 1)]),
        # expired lots are skipped, even when they expire soonest
        ([lot(1, 50, -1), lot(2, 4, 5)], 4, [(2, 4)]),
        # a lot expiring exactly now is expired (the expiry instant is excluded)
        ([lot(1, 50, 0), lot(2, 4, 5)], 4, [(2, 4)]),
        # empty lots are skipped
        ([lot(1, 0, 1), lot(2, 4, 5)], 2, [(2, 2)]),
        # the exact balance can be spent
        ([lot(1, 2, 1), lot(2, 2, 2)], 4, [(1, 2), (2, 2)]),
        # nothing to spend: an empty plan
        ([lot(1, 2, 1)], 0, []),
        # short balance → None, expired Connects do not help
        ([lot(1, 2, 1), lot(2, 100, -1)], 3, None),
        ([], 1, None),
    ],
)
def test_plan_spend(lots, amount, plan):
    assert plan_spend(lots, amount, T0) == plan


def test_plan_spend_refuses_negative_amounts():
    with pytest.raises(ValueError):
        plan_spend([lot(1, 5, 1)], -1, T0)


# spec: marketplace.md §4.1 — "an expiry 365 days later. Balance = Σ unexpired remaining lots"
@pytest.mark.parametrize(
    ("expires_at", "live"),
    [
        (T0 + timedelta(microseconds=1), True),
        (T0, False),  # expiry instant excluded: a lot expiring at T is gone at T
        (T0 - timedelta(microseconds=1), False),
    ],
)
def test_lot_expiry_boundary(expires_at, live):
    assert lot_is_live(expires_at, T0) is live
    assert (plan_spend([LotView(1, 1, expires_at)], 1, T0) is not None) is live


# spec: marketplace.md §4.4 — "refund lots expiring at the later of the original lots' expiry
# and 30 days after the refund"
@pytest.mark.parametrize(
    ("original_days", "expected_days"),
    [
        ([300], 300),  # original expiry later than +30 days: keep it
        ([10], 30),  # original expiry sooner: +30 days
        ([30], 30),  # equal
        ([-5], 30),  # already expired lots: +30 days
        ([10, 200, 40], 200),  # several lots: the latest of them
        ([], 30),
    ],
)
def test_refund_expiry(original_days, expected_days):
    originals = [T0 + timedelta(days=d) for d in original_days]
    assert refund_expiry(originals, T0) == T0 + timedelta(days=expected_days)


# spec: marketplace.md §4.5 — "The 4 highest bids hold the boosted slots; ties go to the earlier
# bid."
def bid(pid: int, connects: int, minute: int) -> Bid:
    return Bid(pid, connects, T0 + timedelta(minutes=minute))


@pytest.mark.parametrize(
    ("bids", "holders"),
    [
        ([], []),
        ([bid(1, 3, 0)], [1]),
        # highest first, only 4 slots
        ([bid(1, 1, 0), bid(2, 5, 1), bid(3, 3, 2), bid(4, 9, 3), bid(5, 2, 4)], [4, 2, 3, 5]),
        # ties go to the earlier bid
        ([bid(1, 5, 10), bid(2, 5, 5), bid(3, 5, 7), bid(4, 5, 1), bid(5, 5, 0)], [5, 4, 2, 3]),
        # zero bids are no bids
        ([bid(1, 0, 0), bid(2, 0, 1), bid(3, 1, 2)], [3]),
    ],
)
def test_boost_slot_holders(bids, holders):
    assert boost_slot_holders(bids) == holders


def test_boost_slots_are_configurable():
    assert boost_slot_holders([bid(1, 1, 0), bid(2, 2, 0)], slots=1) == [2]


# spec: marketplace.md §4.5 — "open for 7 days after posting, or until its first hire"
@pytest.mark.parametrize(
    ("at", "first_hire", "is_open"),
    [
        (T0, None, True),
        (T0 + timedelta(days=7) - timedelta(microseconds=1), None, True),
        (T0 + timedelta(days=7), None, False),
        (T0 + timedelta(days=1), T0 + timedelta(hours=1), False),
    ],
)
def test_auction_open(at, first_hire, is_open):
    assert auction_open(T0, first_hire, at) is is_open


# spec: marketplace.md §4.1 — "grants 10 Connects on the 1st of each month"
@pytest.mark.parametrize(
    ("at", "key", "start", "next_start"),
    [
        (T0, "2026-11", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
        (
            datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
            "2026-12",
            datetime(2026, 12, 1, tzinfo=UTC),
            datetime(2027, 1, 1, tzinfo=UTC),
        ),
        (
            datetime(2027, 1, 1, tzinfo=UTC),
            "2027-01",
            datetime(2027, 1, 1, tzinfo=UTC),
            datetime(2027, 2, 1, tzinfo=UTC),
        ),
    ],
)
def test_months(at, key, start, next_start):
    assert month_key(at) == key
    assert month_start(at) == start
    assert next_month_start(at) == next_start
    assert grant_source(key) == f"grant:{key}"


@pytest.mark.parametrize(
    ("created_at", "eligible"),
    [
        (datetime(2026, 10, 31, 23, 59, tzinfo=UTC), True),  # joined last month
        (datetime(2026, 11, 1, tzinfo=UTC), False),  # joined on the 1st: sign-up grant instead
        (datetime(2026, 11, 15, tzinfo=UTC), False),  # joined mid-month
    ],
)
def test_monthly_grant_eligibility(created_at, eligible):
    assert eligible_for_monthly_grant(created_at, T0) is eligible


@pytest.mark.parametrize(("granted", "topup"), [(0, 80), (10, 70), (80, 0), (90, 0)])
def test_plus_topup_brings_the_month_to_80(granted, topup):
    assert plus_topup(granted, 80) == topup


# spec: marketplace.md §4.1 — "bundles of 10, 20, 40, 60 or 80 Connects at $0.15 each"
@pytest.mark.parametrize(
    ("bundle", "cents"), [(10, 150), (20, 300), (40, 600), (60, 900), (80, 1200)]
)
def test_bundle_prices(bundle, cents):
    assert bundle_price_cents(bundle, sizes=[10, 20, 40, 60, 80], unit_price_cents=15) == cents


@pytest.mark.parametrize("bundle", [0, 1, 15, 100, -10])
def test_only_listed_bundles_are_sold(bundle):
    with pytest.raises(ValueError):
        bundle_price_cents(bundle, sizes=[10, 20, 40, 60, 80], unit_price_cents=15)
