"""JSS transparency and forecast (reputation.md §1.7)."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from tests.reputation.rule_facts import contract, d, freelancer, paid_once
from tests.reputation.test_rules_jss import worked_example
from workhall.reputation.facts import ClientStatuses, ContractHistory
from workhall.reputation.forecast import transparency

T = d("2026-06-01T00:00")
NONE = ClientStatuses()


def ago(days: int) -> str:
    return (T - timedelta(days=days)).date().isoformat()


def test_worked_example_lines() -> None:
    """Counted contracts in a window are listed with weight, windows and leave dates; classes
    decided by private feedback are hidden; fewer than 3 private → no totals."""
    view = transparency(freelancer(*worked_example()), T, NONE)
    lines = {line.contract_id: line for line in view.contracts}
    assert list(lines) == ["A", "E", "B", "C", "H"]  # newest first; D ($0) and G (old) absent
    a, b, c, e, h = (lines[k] for k in "ABCEH")
    assert (a.private_feedback, a.klass, a.decided_by) == (True, None, "private")
    assert (c.private_feedback, c.klass) == (True, None)
    assert (b.klass, b.decided_by, b.weight) == ("positive", "public", Fraction(3, 2))
    assert (e.klass, e.decided_by, e.weight) == ("positive", "long_term", Fraction(13, 4))
    assert (h.klass, h.decided_by) == ("neutral", "public")
    assert [s.window for s in b.windows] == ["24m", "12m", "6m", "3m"]
    assert b.leaves("3m") == d("2026-07-01") and b.leaves("6m") == d("2026-09-30")
    assert b.leaves("24m") == d("2028-03-31")
    assert [s.window for s in h.windows] == ["24m", "12m"] and h.leaves("6m") is None
    assert h.leaves("12m") == d("2026-08-01")
    assert view.private_count == 2 and view.private_totals is None


def test_worked_example_forecast_is_flat_without_private_contracts() -> None:
    """Without A and C: 6 m and 3 m are B and E (100) → base 100; B leaving 3 m (07-01), E
    leaving 3 m (07-15) and H leaving 12 m (08-01) do not move it: no upcoming change."""
    view = transparency(freelancer(*worked_example()), T, NONE)
    assert view.forecast_base == 100 and view.upcoming == ()


def scenario(private_score: int) -> list[ContractHistory]:
    return [
        paid_once("P1", "c1", "100", ago(100), public="5.00"),
        paid_once("N1", "c2", "100", ago(200), public="1.00"),
        paid_once("P2", "c3", "100", ago(10), public="5.00"),
        paid_once("X", "c4", "100", ago(5), private=private_score),
    ]


def test_upcoming_change_when_a_contract_leaves_a_window() -> None:
    """Public contracts: 24 m and 12 m = (2 − 1) ÷ 3 = 33.33; 6 m = P1, P2 = 100; 3 m = P2
    alone (undefined). Base 100. P2 leaves 3 m at T+81 (no move); P1 leaves 6 m at T+82: 6 m
    undefined → JSS 33. N1 leaves 12 m at T+165: beyond 90 days."""
    view = transparency(freelancer(*scenario(0)), T, NONE)
    assert view.forecast_base == 100
    assert len(view.upcoming) == 1
    change = view.upcoming[0]
    assert change.at == T + timedelta(days=82) and change.score == 33
    assert change.leaving == (("P1", "6m"),)
    assert change.windows["6m"] is None and change.windows["24m"] == Fraction(100, 3)
    # Over 200 days: N1 leaves 12 m at T+165 → 12 m = P1, P2 = 100 → JSS 100 again.
    longer = transparency(freelancer(*scenario(0)), T, NONE, days=200)
    assert [(c.at, c.score) for c in longer.upcoming] == [
        (T + timedelta(days=82), 33),
        (T + timedelta(days=165), 100),
    ]


def test_forecast_never_depends_on_private_feedback() -> None:
    """The same history with the private score 0 or 10 gives the same forecast and base."""
    low = transparency(freelancer(*scenario(0)), T, NONE)
    high = transparency(freelancer(*scenario(10)), T, NONE)
    assert (low.forecast_base, low.upcoming) == (high.forecast_base, high.upcoming)
    x = next(line for line in low.contracts if line.contract_id == "X")
    assert x.klass is None and x.private_feedback


def test_private_totals_from_three() -> None:
    contracts = [
        paid_once("a", "c1", "100", ago(5), private=10),
        paid_once("b", "c2", "100", ago(6), private=5),
        paid_once("c", "c3", "100", ago(7), private=8),
    ]
    view = transparency(freelancer(*contracts), T, NONE)
    assert view.private_count == 3
    assert view.private_totals == {"positive": 1, "neutral": 1, "negative": 1}
    assert transparency(freelancer(*contracts[:2]), T, NONE).private_totals is None


def test_long_term_made_positive_with_private_neutral_stays_private() -> None:
    payments = tuple((ago(150 - 30 * i), "100") for i in range(5))
    c = contract("L", "c1", ended=ago(20), payments=payments, private=7)
    line = transparency(freelancer(c), T, NONE).contracts[0]
    assert line.private_feedback and line.klass is None


def test_excluded_clients_and_no_history() -> None:
    statuses = ClientStatuses(changes={"c1": ((d("2026-01-01"), "banned"),)})
    view = transparency(freelancer(paid_once("a", "c1", "100", ago(5), public="5.00")), T, statuses)
    assert view.contracts == () and view.forecast_base is None and view.upcoming == ()
