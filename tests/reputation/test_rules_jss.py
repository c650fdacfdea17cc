"""Job Success Score rules, table-driven (reputation.md §1.1–§1.6, §6)."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reputation.rule_facts import contract, d, dollars, freelancer, paid_once
from workhall.reputation.facts import ClientStatuses, ContractHistory, FeedbackRecord
from workhall.reputation.rules import (
    Counted,
    compute_jss,
    contract_outcome,
    jss_score,
    round_half_up,
    window_scores,
)

T = d("2026-06-01T00:00")
NONE = ClientStatuses()


def two_decimals(value: Fraction | None) -> str:
    assert value is not None
    return f"{round_half_up(value * 100) / 100:.2f}"


# --- §1.6 worked example -----------------------------------------------------------------------


def worked_example() -> list[ContractHistory]:
    return [
        paid_once("A", "C1", "300", "2026-05-01", private=10),
        paid_once("B", "C2", "2000", "2026-04-01", public="5.00"),
        paid_once("C", "C3", "100", "2026-01-10", public="4.90", private=5),
        contract("D", "C1", ended="2026-03-01", public="5.00"),
        contract(
            "E",
            "C4",
            started="2025-08-20",
            payments=(
                ("2025-09-01", "200"),
                ("2025-11-15", "200"),
                ("2026-02-01", "200"),
                ("2026-04-15", "200"),
            ),
        ),
        paid_once("G", "C5", "50", "2024-03-01", public="2.00"),
        paid_once("H", "C6", "400", "2025-08-01", public="4.20"),
    ]


def test_worked_example_classes_and_weights() -> None:
    """§1.6: the table's class and weight of each contract."""
    result = compute_jss(freelancer(*worked_example()), T, NONE)
    by_id = {o.contract.id: o for o in result.outcomes}
    expected = {
        "A": ("positive", True, Fraction(5, 4)),
        "B": ("positive", True, Fraction(3, 2)),
        "C": ("negative", True, Fraction(1)),
        "D": ("positive", False, Fraction(0)),  # not counted ($0)
        "E": ("positive", True, Fraction(13, 4)),  # 1.25 + 2 = 3.25
        "G": ("negative", True, Fraction(1)),  # counted, but outside 24 m
        "H": ("neutral", True, Fraction(5, 4)),
    }
    for cid, (klass, counted, weight) in expected.items():
        outcome = by_id[cid]
        assert (outcome.klass, outcome.counted, outcome.weight) == (klass, counted, weight), cid
    assert by_id["D"].not_counted_reason == "zero_paid"
    assert by_id["E"].long_term and by_id["E"].date == d("2026-04-15")
    assert by_id["E"].decided_by == "long_term"
    assert by_id["E"].paid == dollars("800")


def test_worked_example_windows_and_jss() -> None:
    """§1.6: 24 m and 12 m 60.61, 6 m 71.43, 3 m 100, Trending 85.71, JSS 86."""
    result = compute_jss(freelancer(*worked_example()), T, NONE)
    w = result.windows
    assert w["24m"] == w["12m"] == Fraction(100) * Fraction(5) / Fraction(33, 4)
    assert two_decimals(w["24m"]) == "60.61"
    assert two_decimals(w["12m"]) == "60.61"
    assert w["6m"] == Fraction(500, 7) and two_decimals(w["6m"]) == "71.43"
    assert w["3m"] == 100
    assert two_decimals(w["trending"]) == "85.71"
    assert result.score == 86
    assert jss_score(freelancer(*worked_example()), T, NONE) == 86


# --- §1.2 outcome class ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("private", "public", "dispute", "klass", "decided_by"),
    [
        # rule 1: dispute_lost → negative, whatever the feedback
        (10, "5.00", "client_won", "negative", "dispute"),
        (None, None, "client_won", "negative", "dispute"),
        # a dispute the freelancer won or split changes nothing
        (10, None, "freelancer_won", "positive", "private"),
        (None, "4.20", "split", "neutral", "public"),
        # rule 2: private ≥ 9 positive, ≤ 6 negative, 7–8 neutral (public ignored)
        (9, "1.00", None, "positive", "private"),
        (6, "5.00", None, "negative", "private"),
        (7, "5.00", None, "neutral", "private"),
        (8, None, None, "neutral", "private"),
        (0, None, None, "negative", "private"),
        # rule 3: public ≥ 4.50 positive, < 4.00 negative, otherwise neutral
        (None, "4.50", None, "positive", "public"),
        (None, "4.49", None, "neutral", "public"),
        (None, "4.00", None, "neutral", "public"),
        (None, "3.99", None, "negative", "public"),
    ],
)
def test_outcome_class(
    private: int | None, public: str | None, dispute: str | None, klass: str, decided_by: str
) -> None:
    c = paid_once(
        1,
        "c",
        "100",
        "2026-05-01",
        private=private,
        public=public,
        disputes=(("2026-04-20", dispute),) if dispute else (),
    )
    outcome = contract_outcome(c, T, excluded=False)
    assert (outcome.klass, outcome.decided_by) == (klass, decided_by)
    assert outcome.counted


def long_term_contract(**fields: object) -> ContractHistory:
    """Five payments 30 days apart from 2026-01-01 (120 days), ended 2026-05-20: long-term."""
    payments = tuple(
        ((d("2026-01-01") + timedelta(days=30 * i)).date().isoformat(), "100") for i in range(5)
    )
    return contract(1, "c", started="2025-12-01", ended="2026-05-20", payments=payments, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("private", "public", "klass", "decided_by"),
    [
        (None, None, "positive", "long_term"),  # rule 4: no feedback, long-term → positive
        (None, "4.20", "positive", "long_term"),  # rule 5: neutral public + long-term
        (7, None, "positive", "private"),  # rule 5, but the class came from private feedback
        (6, None, "negative", "private"),  # negative stays negative
        (None, "3.00", "negative", "public"),
    ],
)
def test_long_term_rules_4_and_5(
    private: int | None, public: str | None, klass: str, decided_by: str
) -> None:
    c = long_term_contract(private=private, public=public)
    outcome = contract_outcome(c, T, excluded=False)
    assert outcome.long_term
    assert (outcome.klass, outcome.decided_by, outcome.counted) == (klass, decided_by, True)


def test_no_feedback_not_long_term_has_no_class() -> None:
    """§1.2 rule 4: no feedback and not long-term → not counted."""
    outcome = contract_outcome(paid_once(1, "c", "500", "2026-05-01"), T, excluded=False)
    assert outcome.klass is None and not outcome.counted
    assert outcome.not_counted_reason == "no_class"


# --- §1.1 long_term, date, paid ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("payments", "ended", "long_term", "why"),
    [
        ((("2026-01-01", "1"), ("2026-04-01", "1")), None, True, "exactly 90 days apart"),
        ((("2026-01-02", "1"), ("2026-04-01", "1")), None, False, "89 days apart"),
        ((("2026-01-01", "1"),), None, False, "one payment"),
        (
            (("2025-10-01", "1"), ("2025-12-30", "1"), ("2026-03-30", "1")),
            None,
            True,
            "gaps of exactly 90 days",
        ),
        (
            (("2025-10-01", "1"), ("2025-12-31", "1"), ("2026-03-30", "1")),
            None,
            False,
            "a gap of 91 days",
        ),
        # ongoing: the last payment must be within 90 days of T (inclusive)
        ((("2025-12-03", "1"), ("2026-03-03", "1")), None, True, "last payment 90 days before T"),
        ((("2025-12-02", "1"), ("2026-03-02", "1")), None, False, "last payment 91 days before T"),
        ((("2025-06-01", "1"), ("2025-08-30", "1")), "2025-10-01", True, "ended: no recency"),
    ],
)
def test_long_term(
    payments: tuple[tuple[str, str], ...], ended: str | None, long_term: bool, why: str
) -> None:
    c = contract(1, "c", started="2025-01-01", ended=ended, payments=payments)
    assert contract_outcome(c, T, excluded=False).long_term is long_term, why


def test_only_events_at_or_before_t_count() -> None:
    """§1.1: payments, feedback and disputes after T are ignored; an end after T is ongoing."""
    c = contract(
        1,
        "c",
        ended="2026-06-02",
        payments=(("2026-05-01", "100"), ("2026-06-01T00:00:01", "900")),
        public="1.00",
        feedback_at="2026-06-01T00:00:01",
        disputes=(("2026-06-03", "client_won"),),
    )
    outcome = contract_outcome(c, T, excluded=False)
    assert outcome.paid == dollars("100") and not outcome.ended
    assert outcome.public is None and not outcome.dispute_lost
    assert outcome.date == d("2026-05-01")  # the latest payment at or before T


def test_date_of_ongoing_contract_is_latest_payment_or_dispute_decision() -> None:
    c = contract(
        1, "c", payments=(("2026-04-01", "100"),), disputes=(("2026-05-10", "client_won"),)
    )
    outcome = contract_outcome(c, T, excluded=False)
    assert outcome.date == d("2026-05-10") and outcome.counted and outcome.klass == "negative"


# --- §6 latest feedback record holds -----------------------------------------------------------


def test_latest_feedback_record_holds_with_both_scores() -> None:
    """§6: the latest record at or before T holds; a score missing in it is "not given"."""
    records = (
        FeedbackRecord(at=d("2026-05-01"), public=Fraction(5), private=2),
        FeedbackRecord(at=d("2026-05-10"), public=Fraction(47, 10), private=None),
        FeedbackRecord(at=d("2026-06-10"), public=Fraction(1), private=0),  # after T
    )
    c = contract(1, "c", ended="2026-05-01", payments=(("2026-05-01", "100"),), feedback=records)
    outcome = contract_outcome(c, T, excluded=False)
    assert (outcome.private, outcome.public) == (None, Fraction(47, 10))
    assert (outcome.klass, outcome.decided_by) == ("positive", "public")


def test_feedback_record_without_scores_is_not_ended_with_feedback() -> None:
    records = (FeedbackRecord(at=d("2026-05-01"), public=None, private=None),)
    c = contract(1, "c", ended="2026-05-01", payments=(("2026-05-01", "100"),), feedback=records)
    outcome = contract_outcome(c, T, excluded=False)
    assert not outcome.counted and outcome.not_counted_reason == "no_class"


# --- §1.3 which contracts count ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("c", "excluded", "counted", "reason"),
    [
        # feedback on an ongoing contract that is not long-term: not "ended with feedback"
        (
            contract(
                1, "c", payments=(("2026-05-01", "100"),), public="5.00", feedback_at="2026-05-02"
            ),
            False,
            False,
            "not_ended_with_feedback",
        ),
        # $0 jobs without a negative outcome have no effect
        (contract(1, "c", ended="2026-05-01", public="5.00"), False, False, "zero_paid"),
        (contract(1, "c", ended="2026-05-01", private=8), False, False, "zero_paid"),
        # … but a negative $0 job counts, with base weight 1
        (contract(1, "c", ended="2026-05-01", public="2.00"), False, True, None),
        (contract(1, "c", disputes=(("2026-05-01", "client_won"),)), False, True, None),
        # clients restricted or banned at T: not counted
        (paid_once(1, "c", "100", "2026-05-01", public="5.00"), True, False, "client_excluded"),
    ],
)
def test_which_contracts_count(
    c: ContractHistory, excluded: bool, counted: bool, reason: str | None
) -> None:
    outcome = contract_outcome(c, T, excluded=excluded)
    assert (outcome.counted, outcome.not_counted_reason) == (counted, reason)
    assert outcome.weight == (1 if counted else 0)


def test_excluded_client_at_t_counts_nowhere_and_again_when_reinstated() -> None:
    """trust.md §1.3: restricted/banned at T → not counted; reinstated → counts again."""
    history = freelancer(
        paid_once(1, "c1", "100", "2026-05-01", public="5.00"),
        paid_once(2, "c2", "100", "2026-05-02", public="1.00"),
    )
    statuses = ClientStatuses(
        changes={"c2": ((d("2026-05-15"), "restricted"), (d("2026-07-01"), "reinstated"))}
    )
    assert compute_jss(history, T, NONE).score == 0
    assert compute_jss(history, T, statuses).score is None  # one client left: undefined
    assert compute_jss(history, d("2026-07-02"), statuses).windows["24m"] == 0
    banned = ClientStatuses(changes={"c2": ((d("2026-05-15"), "banned"),)})
    assert compute_jss(history, T, banned).score is None


# --- §1.4 weight -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "weight"),
    [
        ("0.01", Fraction(1)),
        ("250.00", Fraction(1)),
        ("250.01", Fraction(5, 4)),
        ("1000.00", Fraction(5, 4)),
        ("1000.01", Fraction(3, 2)),
        ("50000", Fraction(3, 2)),
    ],
)
def test_base_weight_by_paid(amount: str, weight: Fraction) -> None:
    outcome = contract_outcome(
        paid_once(1, "c", amount, "2026-05-01", public="5.00"), T, excluded=False
    )
    assert outcome.weight == weight


@pytest.mark.parametrize(
    ("span_days", "weight"),
    [
        (89, Fraction(1)),
        (90, Fraction(2)),
        (179, Fraction(2)),
        (180, Fraction(3)),
        (720, 8),
        (1000, 8),
    ],
)
def test_weight_adds_one_per_full_90_days_capped_at_8(span_days: int, weight: Fraction) -> None:
    first = d("2020-01-01")
    last = first + timedelta(days=span_days)
    c = ContractHistory(
        id=1,
        client="c",
        started_at=first,
        ended_at=last,
        payments=((first, 100), (last, 100)),
        client_feedback=(FeedbackRecord(at=last, public=Fraction(5), private=None),),
    )
    assert contract_outcome(c, last, excluded=False).weight == weight


# --- §1.5 windows ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before_t", "windows"),
    [
        (0, {"24m", "12m", "6m", "3m"}),
        (90, {"24m", "12m", "6m", "3m"}),
        (91, {"24m", "12m", "6m"}),  # T − 91 days is not inside (T − W, T]
        (181, {"24m", "12m", "6m"}),
        (182, {"24m", "12m"}),  # exactly 182 days: outside the 6-month window
        (364, {"24m", "12m"}),
        (365, {"24m"}),
        (729, {"24m"}),
        (730, set()),
    ],
)
def test_window_edges(days_before_t: int, windows: set[str]) -> None:
    """§1.5: a contract is in window W when T − W < date ≤ T."""
    date = T - timedelta(days=days_before_t)
    counted: list[Counted] = [(date, "a", "positive", 4), (date, "b", "negative", 4)]
    scores = window_scores(counted, T)
    assert {name for name in ("24m", "12m", "6m", "3m") if scores[name] is not None} == windows


def test_window_needs_two_distinct_clients() -> None:
    one = freelancer(
        paid_once(1, "c1", "100", "2026-05-01", public="5.00"),
        paid_once(2, "c1", "100", "2026-05-02", public="5.00"),
    )
    assert compute_jss(one, T, NONE).score is None
    two = freelancer(*one.contracts, paid_once(3, "c2", "100", "2026-05-03", public="1.00"))
    result = compute_jss(two, T, NONE)
    assert result.windows["3m"] == Fraction(100, 3) and result.score == 33


def test_score_is_clamped_at_zero() -> None:
    history = freelancer(
        paid_once(1, "c1", "100", "2026-05-01", public="1.00"),
        paid_once(2, "c2", "100", "2026-05-02", public="4.20"),
    )
    result = compute_jss(history, T, NONE)
    assert result.windows["24m"] == 0 and result.score == 0


def test_trending_needs_both_6m_and_3m() -> None:
    # Two clients 120 days ago: 6 m defined, 3 m not → no Trending; JSS from the others.
    date = (T - timedelta(days=120)).date().isoformat()
    history = freelancer(
        paid_once(1, "c1", "100", date, public="5.00"),
        paid_once(2, "c2", "100", date, public="1.00"),
    )
    result = compute_jss(history, T, NONE)
    assert result.windows["3m"] is None and result.windows["trending"] is None
    assert result.score == 0


def test_jss_is_the_highest_defined_rounded_once_half_up() -> None:
    """§1.5: 24 m = 50 (old mixed), 3 m and 6 m = 100 → Trending 100 → JSS 100; rounding of
    x.5 goes up."""
    assert round_half_up(Fraction(171, 2)) == 86
    assert round_half_up(Fraction(17049, 200)) == 85
    assert round_half_up(Fraction(0)) == 0
    history = freelancer(
        paid_once(1, "c1", "100", "2025-01-01", public="1.00"),
        paid_once(2, "c2", "100", "2025-01-02", public="1.00"),
        paid_once(3, "c3", "100", "2026-05-01", public="5.00"),
        paid_once(4, "c4", "100", "2026-05-02", public="5.00"),
    )
    result = compute_jss(history, T, NONE)
    assert result.windows["24m"] == 0 and result.windows["trending"] == 100
    assert result.score == 100


def test_no_contracts_no_jss() -> None:
    result = compute_jss(freelancer(), T, NONE)
    assert result.score is None and result.outcomes == ()
    assert all(v is None for v in result.windows.values())


# --- properties --------------------------------------------------------------------------------

_days = st.integers(min_value=0, max_value=800)
_contract = st.tuples(
    st.integers(min_value=0, max_value=4),  # client
    _days,  # days before T it ended
    st.integers(min_value=0, max_value=300_000),  # paid cents
    st.one_of(st.none(), st.integers(min_value=100, max_value=500)),  # public × 100
    st.one_of(st.none(), st.integers(min_value=0, max_value=10)),  # private
)


def _build(spec: list[tuple[int, int, int, int | None, int | None]]) -> list[ContractHistory]:
    out = []
    for i, (client, days, cents, public, private) in enumerate(spec):
        end = T - timedelta(days=days)
        out.append(
            ContractHistory(
                id=i,
                client=client,
                started_at=end - timedelta(days=10),
                ended_at=end,
                payments=((end, cents),) if cents else (),
                client_feedback=(
                    FeedbackRecord(
                        at=end,
                        public=Fraction(public, 100) if public is not None else None,
                        private=private,
                    ),
                ),
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(_contract, max_size=25))
def test_property_jss_between_0_and_100_and_fast_path_agrees(
    spec: list[tuple[int, int, int, int | None, int | None]],
) -> None:
    history = freelancer(*_build(spec))
    result = compute_jss(history, T, NONE)
    assert result.score is None or 0 <= result.score <= 100
    for value in result.windows.values():
        assert value is None or 0 <= value <= 100
    assert jss_score(history, T, NONE) == result.score


@settings(max_examples=150, deadline=None)
@given(st.lists(_contract, max_size=20), st.integers(0, 4), _days, st.integers(1, 300_000))
def test_property_adding_a_positive_contract_never_lowers_a_window(
    spec: list[tuple[int, int, int, int | None, int | None]], client: int, days: int, cents: int
) -> None:
    before = compute_jss(freelancer(*_build(spec)), T, NONE).windows
    after = compute_jss(
        freelancer(*_build([*spec, (client, days, cents, 500, 10)])), T, NONE
    ).windows
    for name in ("24m", "12m", "6m", "3m"):
        if before[name] is not None:
            now, then = after[name], before[name]
            assert now is not None and then is not None and now >= then
