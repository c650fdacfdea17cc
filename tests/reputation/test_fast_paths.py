"""The badge evaluation's fast paths (quality.md §1: faster, identical results): the
whole-number score equals the ``Fraction`` windows' score, and the collector pause leaves the
collector as it found it."""

from __future__ import annotations

import gc
from datetime import timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reputation.rule_facts import d
from workhall.reputation import engine
from workhall.reputation.rules import (
    Counted,
    round_half_up,
    score_from_windows,
    score_of_counted,
    window_scores,
)

T = d("2026-06-01T00:00")

_counted = st.tuples(
    st.integers(min_value=-30, max_value=800),  # days before T (negative: after T)
    st.integers(min_value=0, max_value=5),  # client
    st.sampled_from(("positive", "neutral", "negative")),
    st.integers(min_value=4, max_value=32),  # weight in quarter points
)


def _as_counted(spec: list[tuple[int, int, str, int]]) -> list[Counted]:
    return [(T - timedelta(days=days), client, klass, w) for days, client, klass, w in spec]


@settings(max_examples=400, deadline=None)
@given(st.lists(_counted, max_size=30))
def test_whole_number_score_equals_the_fraction_windows(
    spec: list[tuple[int, int, str, int]],
) -> None:
    counted = _as_counted(spec)
    assert score_of_counted(counted, T) == score_from_windows(window_scores(counted, T))


def test_whole_number_score_rounds_halves_up_like_the_fractions() -> None:
    # 24m: 3 positive of 8 quarters → 37.5 → 38; nothing in the shorter windows.
    counted = _as_counted([(400, 1, "positive", 6), (400, 2, "neutral", 10)])
    assert window_scores(counted, T)["24m"] == Fraction(75, 2)
    assert score_of_counted(counted, T) == round_half_up(Fraction(75, 2)) == 38


def test_whole_number_score_uses_trending_not_the_three_month_window() -> None:
    # 24m = 12m = 6m = 100 (8 − 4) / 16 = 25; 3m = 100; Trending (25 + 100) / 2 = 62.5 → 63.
    counted = _as_counted([(100, 1, "negative", 4), (150, 2, "neutral", 4)])
    counted += _as_counted([(10, 3, "positive", 4), (20, 4, "positive", 4)])
    windows = window_scores(counted, T)
    assert (windows["6m"], windows["3m"], windows["trending"]) == (25, 100, Fraction(125, 2))
    assert score_of_counted(counted, T) == score_from_windows(windows) == 63
    assert score_of_counted([], T) is None


def test_gc_is_paused_only_inside_and_restored() -> None:
    assert gc.isenabled()
    with engine.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with engine.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
