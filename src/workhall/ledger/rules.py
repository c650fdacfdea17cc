"""Pure money rules: the freelancer service fee over tiers, the client fee (marketplace.md §6.2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from workhall.core.money import basis_points_of, round_half_up

# (exclusive upper bound of lifetime billings in cents or None, fee in basis points)
FeeSchedule = Sequence[tuple[int | None, int]]

FLAT_10: FeeSchedule = ((None, 1000),)
# spec: marketplace.md §6.2 — "20% on the first $500, 10% on $500.01–$10,000, 5% above".
SLIDING_2016: FeeSchedule = ((50_000, 2000), (1_000_000, 1000), (None, 500))


@dataclass(frozen=True)
class FeeSplit:
    gross: int
    fee: int
    net: int


def service_fee(prior_billings: int, release: int, schedule: FeeSchedule) -> FeeSplit:
    """The freelancer service fee on ``release`` cents, given the pair's lifetime billings
    before it (gross released, net of refunds).

    spec: marketplace.md §6.2 — "A release that crosses a tier boundary is split at the
    boundary; the exact fee is summed over the pieces and rounded once" (half up), and
    "fee + net always equals the released amount exactly".
    """
    if release < 0 or prior_billings < 0:
        raise ValueError("amounts are not negative")
    check_schedule(schedule)
    exact = Fraction(0)
    start, end = prior_billings, prior_billings + release
    lower = 0
    for upper, bp in schedule:
        top = end if upper is None else min(end, upper)
        bottom = max(start, lower)
        if top > bottom:
            exact += Fraction((top - bottom) * bp, 10_000)
        if upper is None or upper >= end:
            break
        lower = upper
    fee = round_half_up(exact)
    return FeeSplit(gross=release, fee=fee, net=release - fee)


def check_schedule(schedule: FeeSchedule) -> None:
    """A schedule's bounds rise, its last tier is unbounded, its rates are 0–100%: otherwise a
    misconfigured operator setting would charge nothing above the last bound."""
    if not schedule or schedule[-1][0] is not None:
        raise ValueError("the last tier of a fee schedule has no upper bound")
    bounds = [upper for upper, _ in schedule[:-1]]
    if any(b is None or b <= 0 for b in bounds) or bounds != sorted(set(bounds)):  # type: ignore[type-var]
        raise ValueError("fee schedule bounds are positive and rising")
    if not all(0 <= bp <= 10_000 for _, bp in schedule):
        raise ValueError("fee rates are 0–10,000 basis points")


def client_fee(amount: int, basis_points: int = 300) -> int:
    """spec: marketplace.md §6.2 — 3% of the amount funded or invoiced, rounded half up."""
    return basis_points_of(amount, basis_points)


def proportional_refund(part: int, whole: int, amount: int) -> int:
    """The share of ``amount`` that ``part`` of ``whole`` refunds (client fee refunded in
    proportion, §6.2), rounded half up."""
    if whole <= 0:
        return 0
    return round_half_up(Fraction(amount * part, whole))
