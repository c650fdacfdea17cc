"""Money is integer cents; rounding is half up in one place (marketplace.md §6.2)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workhall.core.money import Money, basis_points_of, format_cents, parse_dollars, round_half_up


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(1, 2), 1),
        (Fraction(3, 2), 2),
        (Fraction(5, 2), 3),
        (Fraction(-1, 2), -1),
        (Fraction(149, 100), 1),
        (Fraction(151, 100), 2),
        (7, 7),
    ],
)
def test_round_half_up(value, expected):
    assert round_half_up(value) == expected


@pytest.mark.parametrize(
    ("cents", "bp", "expected"),
    [(10_000, 300, 300), (50, 300, 2), (16, 300, 0), (17, 300, 1), (1_999, 300, 60)],
)
def test_client_fee_three_percent_half_up(cents, bp, expected):
    # spec: marketplace.md §6.2 — 3% of the amount funded, rounded half up
    assert basis_points_of(cents, bp) == expected


@pytest.mark.parametrize(
    ("text", "cents"),
    [("40", 4000), ("$1,250.50", 125050), ("0.15", 15), (" 7.5 ", 750)],
)
def test_parse_dollars(text, cents):
    assert parse_dollars(text) == cents


@pytest.mark.parametrize("text", ["", "abc", "1.234", "NaN", "inf", "$"])
def test_parse_dollars_refuses(text):
    with pytest.raises(ValueError):
        parse_dollars(text)


def test_format_and_type():
    assert format_cents(123456) == "$1,234.56"
    assert format_cents(-5) == "-$0.05"
    assert str(Money(1499)) == "$14.99"
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=10**12))
def test_format_parse_round_trip(cents):
    assert parse_dollars(format_cents(cents)) == cents
