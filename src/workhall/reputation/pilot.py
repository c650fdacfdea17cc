"""Statistics of the Rising Talent pilot report (reputation.md §3.2). Pure functions.

Difference of two proportions with a 95% confidence interval, by the normal approximation
(Wald, unpooled):

    p₁ = x₁ / n₁,  p₂ = x₂ / n₂,  d = p₁ − p₂
    SE = √( p₁(1 − p₁) / n₁ + p₂(1 − p₂) / n₂ )
    95% CI = d ± 1.959964 × SE, clipped to [−1, 1]

An arm with n = 0 has no proportion, and then there is no difference and no interval (None):
nothing is invented for an empty arm. With both proportions 0 or 1, SE is 0 and the interval
collapses to the point — the approximation is poor for small or extreme samples, which the
report says next to the figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959964


@dataclass(frozen=True, slots=True)
class ProportionDifference:
    """``treatment`` minus ``control``; every rate is a share in [0, 1]."""

    x1: int  # successes, first arm (treatment)
    n1: int
    x2: int  # successes, second arm (control)
    n2: int
    p1: float | None
    p2: float | None
    difference: float | None
    low: float | None
    high: float | None
    standard_error: float | None


def proportion(successes: int, total: int) -> float | None:
    if total < 0 or successes < 0 or successes > total:
        raise ValueError("need 0 <= successes <= total")
    return successes / total if total else None


def two_proportion_difference(
    x1: int, n1: int, x2: int, n2: int, z: float = Z_95
) -> ProportionDifference:
    p1, p2 = proportion(x1, n1), proportion(x2, n2)
    if p1 is None or p2 is None:
        return ProportionDifference(x1, n1, x2, n2, p1, p2, None, None, None, None)
    diff = p1 - p2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    low, high = max(-1.0, diff - z * se), min(1.0, diff + z * se)
    return ProportionDifference(x1, n1, x2, n2, p1, p2, diff, low, high, se)


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
