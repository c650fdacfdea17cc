"""Top Rated, Top Rated Plus, levels and grace, table-driven (reputation.md §2.1–§2.4, §6)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from tests.reputation.rule_facts import contract, d, dollars, freelancer, paid_once
from workhall.core.settings import Settings
from workhall.reputation.facts import (
    ClientStatuses,
    ContractHistory,
    FreelancerHistory,
    Hold,
    PreviousResult,
)
from workhall.reputation.rules import (
    BadgeResult,
    RuleNumbers,
    evaluate,
    evaluation_instants,
    recent_mondays,
)

T = d("2026-06-01T00:00")  # a Monday
NONE = ClientStatuses()
FIRST = PreviousResult()
TR = PreviousResult("top_rated", False)
BIG, FEB, MAR = "big", "2026-02-01", "2026-03-01"


def weekly_positive(weeks: int = 110, amount: str = "100") -> list[ContractHistory]:
    """One positive $100 contract a week from two alternating clients, the last ending the
    day before T: a JSS of 100 on every Monday of the last two years."""
    out = []
    for i in range(weeks):
        end = (T - timedelta(days=1 + 7 * i)).date().isoformat()
        out.append(paid_once(f"w{i}", f"c{i % 2}", amount, end, public="5.00"))
    return out


def top_rated(*extra: ContractHistory, **fields: object) -> FreelancerHistory:
    """A freelancer meeting all eight Top Rated criteria at T (not Plus: $5,200 a year)."""
    fields.setdefault("completeness", ((d("2020-01-01"), 100),))
    fields.setdefault("identity_verified_at", d("2020-01-02"))
    fields.setdefault("phone_verified_at", d("2020-01-02"))
    return freelancer(*weekly_positive(), *extra, **fields)


def plus_contracts() -> list[ContractHistory]:
    """$5,000 from one client over two contracts and $5,000 more elsewhere in the last year."""
    return [
        paid_once("big1", "big", "2500", "2026-02-01", public="5.00"),
        paid_once("big2", "big", "2500", "2026-03-01", public="5.00"),
        paid_once("other", "c9", "5000", "2026-04-01", public="5.00"),
    ]


def criteria(result: BadgeResult) -> dict[str, tuple[bool, object]]:
    return {c.name: (c.met, c.value) for c in (*result.top_rated, *result.plus)}


def test_baseline_meets_every_top_rated_criterion() -> None:
    result = evaluate(top_rated(), T, FIRST, NONE)
    assert [c.name for c in result.top_rated] == [
        "jss",
        "eligible_weeks",
        "earnings_365d",
        "tenure",
        "active_90d",
        "profile_complete",
        "identity_verified",
        "good_standing",
    ]
    assert all(c.met for c in result.top_rated), criteria(result)
    assert result.jss == 100 and result.eligible_weeks == 16
    assert (result.earned, result.level, result.at_risk) == ("top_rated", "top_rated", False)
    assert criteria(result)["earnings_365d"] == (True, dollars("5200"))
    assert len(result.weekly_jss) == 16 and set(result.weekly_jss.values()) == {100}
    assert not result.rising_talent_eligible


def test_top_rated_plus() -> None:
    """§2.3: ≥ $10,000 in 365 days and one client ≥ $5,000 summed over their contracts."""
    result = evaluate(top_rated(*plus_contracts()), T, FIRST, NONE)
    assert criteria(result)["earnings_365d_plus"] == (True, dollars("15200"))
    assert criteria(result)["large_client"] == (True, dollars("5000"))
    assert (result.earned, result.level) == ("top_rated_plus", "top_rated_plus")


# --- §2.2 each criterion and its edges ---------------------------------------------------------


def criterion(history: FreelancerHistory, name: str, **kw: object) -> tuple[bool, object]:
    return criteria(evaluate(history, T, FIRST, NONE, **kw))[name]  # type: ignore[arg-type]


def weeks(scores: list[int | None]) -> dict[datetime, int | None]:
    return dict(zip(recent_mondays(T), scores, strict=True))


@pytest.mark.parametrize(
    ("scores", "met", "count"),
    [
        ([90] * 13 + [None] * 3, True, 13),  # 13 of 16: enough
        ([95] * 12 + [89] * 4, False, 12),  # 12 of 16: not enough
        ([None] * 3 + [90] * 13, True, 13),
        ([100] * 16, True, 16),
    ],
)
def test_eligible_weeks(scores: list[int | None], met: bool, count: int) -> None:
    """§2.2 criterion 2: JSS ≥ 90 on at least 13 of the 16 most recent Mondays; a Monday
    without a JSS is not an eligible week (§6)."""
    assert criterion(top_rated(), "eligible_weeks", weekly_jss=weeks(scores)) == (met, count)


def test_eligible_weeks_computes_only_missing_mondays_from_history() -> None:
    mondays = recent_mondays(T)
    given = {m: 0 for m in mondays[:3]}  # stored (wrong on purpose: proves they are used)
    result = evaluate(top_rated(), T, FIRST, NONE, weekly_jss=given)
    assert result.eligible_weeks == 13
    assert [result.weekly_jss[m] for m in mondays] == [0, 0, 0] + [100] * 13


def test_monday_jss_is_computed_from_history_at_that_monday() -> None:
    """A freelancer whose only history is recent has no JSS on the older Mondays."""
    history = top_rated()
    recent = dataclasses.replace(
        history,
        contracts=tuple(c for c in history.contracts if c.ended_at > T - timedelta(50)),  # type: ignore[operator]
    )
    result = evaluate(recent, T, FIRST, NONE)
    assert result.jss == 100
    assert sum(1 for s in result.weekly_jss.values() if s is None) >= 8
    assert result.eligible_weeks < 13 and result.earned == "none"


@pytest.mark.parametrize(
    ("amount", "when", "met", "value"),
    [
        ("1000.00", "2026-05-01", True, "1000.00"),  # exactly $1,000: enough
        ("999.99", "2026-05-01", False, "999.99"),
        ("1000.00", "2025-06-02", True, "1000.00"),  # 364 days before T: inside
        ("1000.00", "2025-06-01", False, "0"),  # exactly 365 days: outside (T − 365, T]
        ("1000.00", "2026-06-02", False, "0"),  # after T
    ],
)
def test_earnings_last_365_days(amount: str, when: str, met: bool, value: str) -> None:
    history = freelancer(contract(1, "c", payments=((when, amount),)))
    assert criterion(history, "earnings_365d") == (met, dollars(value))


@pytest.mark.parametrize(
    ("started", "met"),
    [("2026-03-03", True), ("2026-03-04", False), ("2020-01-01", True)],
)
def test_tenure_first_contract_at_least_90_days_before(started: str, met: bool) -> None:
    """§2.2 criterion 4, inclusive (§6): 2026-03-03 is exactly 90 days before T."""
    history = freelancer(contract(1, "c", started=started), contract(2, "c", started="2026-05-01"))
    assert criterion(history, "tenure") == (met, started)


def test_tenure_without_contracts_fails() -> None:
    assert criterion(freelancer(), "tenure") == (False, None)


@pytest.mark.parametrize(
    ("proposals", "payment", "met"),
    [
        (("2026-03-04",), None, True),  # 89 days before T
        (("2026-03-03",), None, False),  # exactly 90 days: outside (T − 90, T]
        ((), "2026-05-30", True),  # a payment received
        ((), "2026-03-03", False),
        (("2026-06-02",), None, False),  # after T
    ],
)
def test_active_in_last_90_days(proposals: tuple[str, ...], payment: str | None, met: bool) -> None:
    contracts = (contract(1, "c", payments=((payment, "10"),)),) if payment else ()
    history = freelancer(*contracts, proposals=tuple(d(p) for p in proposals))
    assert criterion(history, "active_90d")[0] is met


@pytest.mark.parametrize(
    ("records", "value"),
    [
        ((), 0),  # none recorded: 0
        ((("2026-01-01", 100),), 100),
        ((("2026-01-01", 100), ("2026-05-01", 90)), 90),  # the latest at or before T
        ((("2026-01-01", 100), ("2026-06-01T00:00", 80)), 80),  # at T counts
        ((("2026-01-01", 100), ("2026-06-02", 80)), 100),  # after T does not
    ],
)
def test_profile_completeness_latest_record(
    records: tuple[tuple[str, int], ...], value: int
) -> None:
    history = freelancer(completeness=tuple((d(a), v) for a, v in records))
    assert criterion(history, "profile_complete") == (value == 100, value)


@pytest.mark.parametrize(
    ("verified_at", "met"), [(None, False), ("2026-06-01T00:00", True), ("2026-06-02", False)]
)
def test_identity_verified_at_or_before_t(verified_at: str | None, met: bool) -> None:
    history = freelancer(identity_verified_at=d(verified_at) if verified_at else None)
    assert criterion(history, "identity_verified") == (met, met)


@pytest.mark.parametrize(
    ("holds", "suspended", "value"),
    [
        ((), None, "ok"),
        ((("2026-01-01", None),), None, "on_hold"),  # open hold
        ((("2026-01-01", "2026-06-02"),), None, "on_hold"),  # until > T
        ((("2026-01-01", "2026-06-01T00:00"),), None, "ok"),  # until = T: no longer on hold
        ((("2026-03-04", "2026-03-10"),), None, "recent_hold"),  # began 89 days before T
        ((("2026-03-03", "2026-03-10"),), None, "ok"),  # began exactly 90 days before T
        ((("2026-06-05", None),), None, "ok"),  # a future hold
        ((), "2026-05-01", "suspended"),
        ((), "2026-06-02", "ok"),
    ],
)
def test_good_standing(
    holds: tuple[tuple[str, str | None], ...], suspended: str | None, value: str
) -> None:
    history = freelancer(
        holds=tuple(Hold(d(a), d(b) if b else None) for a, b in holds),
        suspended_at=d(suspended) if suspended else None,
    )
    assert criterion(history, "good_standing") == (value == "ok", value)


# --- §2.3 large client relationship ------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "met", "value"),
    [
        # $5,000.00 summed over two contracts with one client: met
        (
            (
                ("b1", "big", "2500", "2026-02-01", "5.00"),
                ("b2", "big", "2500", "2026-03-01", "5.00"),
            ),
            True,
            "5000",
        ),
        # $4,999.99: not met
        (
            (
                ("b1", "big", "2500", "2026-02-01", "5.00"),
                ("b2", "big", "2499.99", "2026-03-01", "5.00"),
            ),
            False,
            "4999.99",
        ),
        # a negative counted contract with that client dated in the 365 days: not met
        (
            (
                ("b1", "big", "5000", "2026-02-01", "5.00"),
                ("b2", "big", "10", "2026-03-01", "1.00"),
            ),
            False,
            "0",
        ),
        # … a negative one dated before the 365 days does not matter
        (
            (
                ("b1", "big", "5000", "2026-02-01", "5.00"),
                ("b2", "big", "10", "2025-05-01", "1.00"),
            ),
            True,
            "5000",
        ),
        # a payment exactly 365 days before T is outside the window
        (
            (
                ("b1", "big", "4000", "2026-02-01", "5.00"),
                ("b2", "big", "1000", "2025-06-01", "5.00"),
            ),
            False,
            "4000",
        ),
    ],
)
def test_large_client_relationship(
    extra: tuple[tuple[str, str, str, str, str], ...], met: bool, value: str
) -> None:
    contracts = [paid_once(i, c, a, e, public=p) for i, c, a, e, p in extra]
    history = freelancer(*contracts)
    assert criterion(history, "large_client") == (met, dollars(value))


def test_large_client_excluded_at_t_does_not_count() -> None:
    """§6: contracts of clients restricted or banned at T are not counted anywhere (Plus)."""
    history = freelancer(paid_once(1, "big", "6000", "2026-02-01", public="5.00"))
    statuses = ClientStatuses(changes={"big": ((d("2026-05-01"), "banned"),)})
    assert criteria(evaluate(history, T, FIRST, statuses))["large_client"] == (False, 0)
    assert criteria(evaluate(history, T, FIRST, NONE))["large_client"] == (True, dollars("6000"))


@pytest.mark.parametrize(("amount", "met"), [("10000.00", True), ("9999.99", False)])
def test_plus_earnings(amount: str, met: bool) -> None:
    history = freelancer(contract(1, "c", payments=(("2026-05-01", amount),)))
    assert criterion(history, "earnings_365d_plus") == (met, dollars(amount))


# --- §2.4 levels and grace ---------------------------------------------------------------------


def incomplete(**fields: object) -> FreelancerHistory:
    """Top Rated except the profile (JSS 100, good standing): earned none, grace possible."""
    return top_rated(completeness=((d("2020-01-01"), 90),), **fields)


def jss_history(positive: int, neutral: int) -> FreelancerHistory:
    """Otherwise Top Rated, with a JSS of 100·positive/(positive+neutral) from the last month
    (the weekly history is over a year old, so only recent contracts set the score)."""
    recent = [
        paid_once(f"p{i}", f"r{i % 2}", "100", f"2026-05-{10 + i:02d}", public="5.00")
        for i in range(positive)
    ] + [
        paid_once(f"n{i}", f"s{i % 2}", "100", f"2026-05-{10 + i:02d}", public="4.20")
        for i in range(neutral)
    ]
    return freelancer(
        *recent, completeness=((d("2020-01-01"), 100),), identity_verified_at=d("2020-01-02")
    )


@pytest.mark.parametrize(
    ("history", "previous", "level", "at_risk"),
    [
        # earned ≥ P → level = earned, not at risk
        (top_rated(), PreviousResult("none", False), "top_rated", False),
        (top_rated(), PreviousResult("top_rated", True), "top_rated", False),
        (top_rated(*plus_contracts()), PreviousResult("top_rated", False), "top_rated_plus", False),
        # P = top_rated, earned none, not at risk → stays top_rated, at risk
        (incomplete(), PreviousResult("top_rated", False), "top_rated", True),
        # … next time (R) → drops
        (incomplete(), PreviousResult("top_rated", True), "none", False),
        # criterion 8 failing → drops at once
        (
            incomplete(holds=(Hold(d("2026-05-01"), d("2026-05-02")),)),
            PreviousResult("top_rated", False),
            "none",
            False,
        ),
        (
            incomplete(suspended_at=d("2026-05-31")),
            PreviousResult("top_rated", False),
            "none",
            False,
        ),
        # JSS undefined → drops at once
        (freelancer(), PreviousResult("top_rated", False), "none", False),
        # JSS 80 → grace; JSS 79 (15/19 = 78.95, rounded) → drops
        (jss_history(4, 1), PreviousResult("top_rated", False), "top_rated", True),
        (jss_history(15, 4), PreviousResult("top_rated", False), "none", False),
        # Plus: earned top_rated → one evaluation of grace at Plus, then top_rated
        (top_rated(), PreviousResult("top_rated_plus", False), "top_rated_plus", True),
        (top_rated(), PreviousResult("top_rated_plus", True), "top_rated", False),
        # grace running out drops straight to the earned level: Plus may fall to none (§6)
        (incomplete(), PreviousResult("top_rated_plus", False), "top_rated_plus", True),
        (incomplete(), PreviousResult("top_rated_plus", True), "none", False),
    ],
)
def test_levels_and_grace(
    history: FreelancerHistory, previous: PreviousResult, level: str, at_risk: bool
) -> None:
    result = evaluate(history, T, previous, NONE)
    assert (result.level, result.at_risk) == (level, at_risk)


def test_jss_80_and_79_histories_have_those_scores() -> None:
    assert evaluate(jss_history(4, 1), T, FIRST, NONE).jss == 80
    assert evaluate(jss_history(15, 4), T, FIRST, NONE).jss == 79


def test_at_risk_reasons_name_the_failing_criteria() -> None:
    result = evaluate(incomplete(), T, PreviousResult("top_rated", False), NONE)
    assert result.at_risk_reasons == ("Profile 100% complete",)
    plus = evaluate(top_rated(), T, PreviousResult("top_rated_plus", False), NONE)
    assert [r.split(" ")[0] for r in plus.at_risk_reasons] == ["At", "One"]
    assert evaluate(top_rated(), T, FIRST, NONE).at_risk_reasons == ()


def test_grace_sequence_over_three_evaluations() -> None:
    """Gained, then at risk once, then lost; each step feeds the next as P and R."""
    first = evaluate(top_rated(), T, FIRST, NONE)
    second = evaluate(incomplete(), T, PreviousResult(first.level, first.at_risk), NONE)
    third = evaluate(incomplete(), T, PreviousResult(second.level, second.at_risk), NONE)
    assert [(r.level, r.at_risk) for r in (first, second, third)] == [
        ("top_rated", False),
        ("top_rated", True),
        ("none", False),
    ]


# --- §2.1 instants, Mondays, settings ----------------------------------------------------------


def test_evaluation_instants_are_the_1st_and_15th() -> None:
    instants = evaluation_instants(d("2025-12-15T00:00"), d("2026-02-15T00:00"))
    assert instants == [
        d("2025-12-15"),
        d("2026-01-01"),
        d("2026-01-15"),
        d("2026-02-01"),
        d("2026-02-15"),
    ]
    assert evaluation_instants(d("2026-01-01T00:00:01"), d("2026-01-14T23:59")) == []


@pytest.mark.parametrize(
    ("at", "latest"),
    [
        ("2026-06-01T00:00", "2026-06-01"),  # a Monday at 00:00 counts
        ("2026-05-31T23:59", "2026-05-25"),
        ("2026-06-03T12:00", "2026-06-01"),
    ],
)
def test_recent_mondays(at: str, latest: str) -> None:
    mondays = recent_mondays(d(at))
    assert len(mondays) == 16 and mondays[-1] == d(latest)
    assert mondays[0] == d(latest) - timedelta(weeks=15)
    assert all(m.weekday() == 0 and m.tzinfo == UTC for m in mondays)


def test_rule_numbers_from_settings() -> None:
    settings = Settings(
        environment="test",
        secret_key="k",
        jss_top_rated_min=91,
        top_rated_eligible_weeks=12,
        pilot_seed="s",
        pilot_control_percent=50,
        _env_file=None,
    )  # type: ignore[call-arg]
    numbers = RuleNumbers.from_settings(settings)
    assert (numbers.jss_top_rated_min, numbers.eligible_weeks) == (91, 12)
    assert (numbers.pilot_seed, numbers.pilot_control_percent) == ("s", 50)
    plain = Settings(environment="test", secret_key="k", _env_file=None)  # type: ignore[call-arg]
    defaults = RuleNumbers.from_settings(plain)
    assert defaults == RuleNumbers()


@hyp_settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["none", "top_rated", "top_rated_plus"]),
    st.booleans(),
    st.sampled_from([90, 100]),
    st.booleans(),
    st.booleans(),
)
def test_property_grace_keeps_at_most_one_evaluation(
    level: str, at_risk: bool, completeness: int, plus: bool, held: bool
) -> None:
    """Whatever the inputs: the level is the earned one or the previous one; it is kept above
    the earned level only at risk, only once, and never without a JSS of at least 80."""
    holds = (Hold(d("2026-05-01"), d("2026-05-02")),) if held else ()
    extra = plus_contracts() if plus else []
    history = top_rated(*extra, completeness=((d("2020-01-01"), completeness),), holds=holds)
    result = evaluate(history, T, PreviousResult(level, at_risk), NONE)
    assert result.level in (result.earned, level)
    if result.at_risk:
        assert result.level == level != result.earned and not at_risk
        assert result.jss is not None and result.jss >= 80 and not held
        assert result.at_risk_reasons
    else:
        assert result.level == result.earned and result.at_risk_reasons == ()
