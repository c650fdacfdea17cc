"""Money is integer cents in one currency (USD); rounding happens here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


@dataclass(frozen=True, order=True, slots=True)
class Money:
    cents: int

    def __post_init__(self) -> None:
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise TypeError("Money holds integer cents")

    def __add__(self, other: Money) -> Money:
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        return Money(self.cents - other.cents)

    def __neg__(self) -> Money:
        return Money(-self.cents)

    def __str__(self) -> str:
        return format_cents(self.cents)


def round_half_up(value: Fraction | Decimal | int) -> int:
    """Round an exact amount of cents half up (away from zero for halves) to whole cents."""
    if isinstance(value, int):
        return value
    dec = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else value
    )
    return int(dec.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def basis_points_of(cents: int, basis_points: int) -> int:
    """``basis_points``/10,000 of ``cents``, rounded half up (e.g. the 3% client fee)."""
    return round_half_up(Fraction(cents * basis_points, 10_000))


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{frac:02d}"


def parse_dollars(text: str) -> int:
    """Parse a user-typed amount like ``1,250.5`` or ``$40`` into cents; ValueError if malformed."""
    cleaned = text.strip().replace(",", "").removeprefix("$").strip()
    if not cleaned:
        raise ValueError("empty amount")
    try:
        amount = Decimal(cleaned)
    except ArithmeticError as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("amounts have at most two decimals")
    return int(amount * 100)
