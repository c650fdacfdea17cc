"""Money rules (marketplace.md §6.2), table-driven, plus properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workhall.ledger.rules import (
    FLAT_10,
    SLIDING_2016,
    client_fee,
    proportional_refund,
    service_fee,
)

# spec: marketplace.md §6.2 — "Default: flat 10%"
FLAT_CASES = [
    # (prior billings, release, fee)
    (0, 10_000, 1_000),
    (5_000_000, 10_000, 1_000),  # no tiers: history does not matter
    (0, 5, 1),  # 0.5 cent rounds half up
    (0, 4, 0),  # 0.4 cent rounds down
    (0, 15, 2),  # 1.5 → 2
    (0, 1, 0),
    (0, 0, 0),
]


@pytest.mark.parametrize(("prior", "release", "fee"), FLAT_CASES)
def test_flat_ten_percent(prior: int, release: int, fee: int) -> None:
    split = service_fee(prior, release, FLAT_10)
    assert (split.gross, split.fee, split.net) == (release, fee, release - fee)


# spec: marketplace.md §6.2 — "20% on the first $500, 10% on $500.01–$10,000, 5% above. A
# release that crosses a tier boundary is split at the boundary; the exact fee is summed over
# the pieces and rounded once."
SLIDING_CASES = [
    (0, 40_000, 8_000),  # all in the first tier
    (40_000, 20_000, 2_000 + 1_000),  # prior $400 + $200: $100 at 20% + $100 at 10% = $30
    (0, 50_000, 10_000),  # exactly up to the boundary
    (50_000, 100, 10),  # just past it: 10%
    (49_999, 2, 0 + 0),  # 1¢ at 20% (0.2) + 1¢ at 10% (0.1) = 0.3¢ → 0, rounded once
    (49_998, 5, 1),  # 2¢×20% + 3¢×10% = 0.7¢ → 1
    (900_000, 200_000, 10_000 + 5_000),  # $9,000 + $2,000: $1,000 at 10% + $1,000 at 5%
    (1_000_000, 100_000, 5_000),  # above $10,000: 5%
    (0, 2_000_000, 10_000 + 95_000 + 50_000),  # across both boundaries at once
    (49_990, 950_020, 2 + 95_000 + 1),  # 10¢×20% + $9,500×10% + 10¢×5% = 2 + 95,000 + 0.5 → 1
]


@pytest.mark.parametrize(("prior", "release", "fee"), SLIDING_CASES)
def test_sliding_scale_2016(prior: int, release: int, fee: int) -> None:
    split = service_fee(prior, release, SLIDING_2016)
    assert split.fee == fee
    assert split.fee + split.net == release


def test_rounding_happens_once_not_per_piece() -> None:
    # Per piece: 0.4¢ → 0 and 0.3¢ → 0 would give 0; summed first, 0.7¢ → 1.
    assert service_fee(49_998, 5, SLIDING_2016).fee == 1


@pytest.mark.parametrize(
    "schedule",
    [
        (),
        ((50_000, 2000),),
        ((None, 1000), (None, 500)),
        ((100, 1), (50, 1), (None, 1)),
        ((0, 1), (None, 1)),
        ((None, 10_001),),
        ((None, -1),),
    ],
)
def test_malformed_schedules_are_refused(schedule) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        service_fee(0, 100, schedule)


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        service_fee(-1, 100, FLAT_10)
    with pytest.raises(ValueError):
        service_fee(0, -100, FLAT_10)


# spec: marketplace.md §6.2 — "3% of the amount funded or invoiced, rounded half up"
CLIENT_FEE_CASES = [(10_000, 300), (50, 2), (49, 1), (149, 4), (150, 5), (1, 0), (17, 1), (0, 0)]


@pytest.mark.parametrize(("amount", "fee"), CLIENT_FEE_CASES)
def test_client_fee_three_percent_half_up(amount: int, fee: int) -> None:
    assert client_fee(amount) == fee
    assert client_fee(amount, 300) == fee


# spec: marketplace.md §6.2 — "refunded in proportion when escrow is refunded"
PROPORTIONAL_CASES = [
    # (part refunded, whole funded, fee charged, fee refunded)
    (10_000, 10_000, 300, 300),
    (5_000, 10_000, 300, 150),
    (50, 100, 3, 2),  # 1.5 → 2
    (1, 3, 1, 0),  # 0.33 → 0
    (2, 3, 1, 1),  # 0.67 → 1
    (0, 10_000, 300, 0),
    (100, 0, 0, 0),  # nothing funded, nothing to return
]


@pytest.mark.parametrize(("part", "whole", "fee", "back"), PROPORTIONAL_CASES)
def test_proportional_refund(part: int, whole: int, fee: int, back: int) -> None:
    assert proportional_refund(part, whole, fee) == back


schedules = st.sampled_from([FLAT_10, SLIDING_2016, ((10_000, 1500), (None, 700))])
cents = st.integers(min_value=0, max_value=10**10)


@given(prior=cents, release=cents, schedule=schedules)
def test_fee_plus_net_is_the_release_and_the_fee_is_within_the_tier_rates(
    prior: int, release: int, schedule
) -> None:  # type: ignore[no-untyped-def]
    split = service_fee(prior, release, schedule)
    assert split.fee + split.net == release
    rates = [bp for _, bp in schedule]
    # Rounded once: within half a cent of somewhere between the lowest and highest rate.
    assert release * min(rates) / 10_000 - 0.5 <= split.fee <= release * max(rates) / 10_000 + 0.5
    assert 0 <= split.fee <= release


@given(prior=cents, first=cents, second=cents)
def test_two_releases_cost_about_one_release_of_their_sum(
    prior: int, first: int, second: int
) -> None:
    """Splitting a release in two never changes the fee by more than the two roundings."""
    a = service_fee(prior, first, SLIDING_2016).fee
    b = service_fee(prior + first, second, SLIDING_2016).fee
    whole = service_fee(prior, first + second, SLIDING_2016).fee
    assert abs(a + b - whole) <= 1


@given(whole=st.integers(1, 10**9), fee_bp=st.integers(0, 1000), data=st.data())
def test_refunds_in_parts_never_return_more_fee_than_charged(whole: int, fee_bp: int, data) -> None:  # type: ignore[no-untyped-def]
    fee = client_fee(whole, fee_bp)
    cuts = sorted(data.draw(st.lists(st.integers(0, whole), max_size=5)))
    # The service refunds cumulatively: after refunding r in all, fee back = share of r.
    back = [proportional_refund(r, whole, fee) for r in [*cuts, whole]]
    assert back == sorted(back)
    assert back[-1] == fee
