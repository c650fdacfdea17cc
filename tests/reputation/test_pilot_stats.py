"""Pilot report statistics (reputation.md §3.2): hand-checked numbers."""

from __future__ import annotations

import pytest

from workhall.reputation.pilot import mean, median, proportion, two_proportion_difference


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "diff", "se", "low", "high"),
    [
        # p1 = .30, p2 = .20; SE = √(.3·.7/100 + .2·.8/100) = √.0037 = .060828;
        # 1.959964 × .060828 = .119220
        (30, 100, 20, 100, 0.10, 0.060828, -0.019220, 0.219220),
        # p1 = .90, p2 = .25; SE = √(.09/50 + .1875/40) = √.0064875 = .080545; × z = .157865
        (45, 50, 10, 40, 0.65, 0.080545, 0.492135, 0.807865),
        # p1 = .9, p2 = 0; SE = √(.09/10) = .094868; .9 + .185939 > 1 → clipped to 1
        (9, 10, 0, 2, 0.90, 0.094868, 0.714061, 1.0),
        # both 0 or both 1: SE 0, the interval is the point
        (0, 10, 0, 5, 0.0, 0.0, 0.0, 0.0),
        (4, 4, 0, 3, 1.0, 0.0, 1.0, 1.0),
    ],
)
def test_two_proportion_difference(
    x1: int, n1: int, x2: int, n2: int, diff: float, se: float, low: float, high: float
) -> None:
    r = two_proportion_difference(x1, n1, x2, n2)
    assert r.difference == pytest.approx(diff, abs=1e-9)
    assert r.standard_error == pytest.approx(se, abs=1e-6)
    assert (r.low, r.high) == (pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6))
    assert r.p1 == x1 / n1 and r.p2 == x2 / n2


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(0, 0, 1, 2), (1, 2, 0, 0), (0, 0, 0, 0)])
def test_empty_arm_has_no_difference(x1: int, n1: int, x2: int, n2: int) -> None:
    r = two_proportion_difference(x1, n1, x2, n2)
    assert r.difference is None and r.low is None and r.high is None
    assert (r.p1 is None) is (n1 == 0) and (r.p2 is None) is (n2 == 0)


@pytest.mark.parametrize(("x", "n"), [(3, 2), (-1, 2), (0, -1)])
def test_proportion_refuses_nonsense(x: int, n: int) -> None:
    with pytest.raises(ValueError):
        proportion(x, n)


@pytest.mark.parametrize(
    ("values", "expected_median", "expected_mean"),
    [
        ([], None, None),
        ([7], 7.0, 7.0),
        ([3, 1, 2], 2.0, 2.0),
        ([4, 1, 3, 2], 2.5, 2.5),
        ([10, 0, 0, 0, 90], 0.0, 20.0),
        ([150_000, 0], 75_000.0, 75_000.0),
    ],
)
def test_median_and_mean(
    values: list[float], expected_median: float | None, expected_mean: float | None
) -> None:
    assert median(values) == expected_median
    assert mean(values) == expected_mean
