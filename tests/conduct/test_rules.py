"""The conduct rules, table-driven (trust.md §1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from workhall.conduct import rules
from workhall.conduct.rules import ClientFacts, ContractFacts, Thresholds

T = datetime(2026, 6, 1, tzinfo=UTC)
TH = Thresholds()
ME = 1
DAY = timedelta(days=1)


def contract(
    n: int,
    *,
    freelancer: int | None = None,
    ended: datetime = T - 30 * DAY,
    given: Fraction | int | None = None,
    work_again: int | None = None,
    unprofessional: bool = False,
) -> ContractFacts:
    return ContractFacts(
        id=n,
        freelancer_id=freelancer if freelancer is not None else 100 + n,
        ended_at=ended,
        given=None if given is None else Fraction(given),
        given_at=None if given is None else ended + DAY,
        work_again=work_again,
        unprofessional=unprofessional,
        received_at=None if work_again is None else ended + DAY,
    )


def rated_by_others(freelancers: list[int], *scores: Fraction | int) -> dict:
    return {
        f: tuple((900 + i, T - 10 * DAY, Fraction(s)) for i, s in enumerate(scores))
        for f in freelancers
    }


def facts(contracts: list[ContractFacts], *, others=None, lost=(), last_closed=None) -> ClientFacts:
    if others is None:
        others = rated_by_others([c.freelancer_id for c in contracts], 5, 5)
    return ClientFacts(ME, last_closed, tuple(contracts), tuple(lost), others)


# --- §1.1 harsh -------------------------------------------------------------------------------


# spec: trust.md §1.1 — "harsh: < 3.00 while that freelancer's average public score from other
# clients over the last 365 days (at least 2 scores) is ≥ 4.50".
@pytest.mark.parametrize(
    ("given", "others", "harsh"),
    [
        (Fraction(299, 100), (5, 4), True),  # 4.50 exactly from others: harsh
        (3, (5, 5), False),  # 3.00 is not below 3.00
        (Fraction(17, 6), (5, 5), True),  # a criteria mean of 2.83
        (2, (5, Fraction(399, 100)), False),  # others average 4.495 < 4.50
        (2, (5,), False),  # only one score from others
        (1, (), False),
    ],
)
def test_harsh_definition(given, others, harsh) -> None:
    c = contract(1, given=given)
    f = facts([c], others=rated_by_others([c.freelancer_id], *others))
    assert rules.is_harsh(f, c, T, TH) is harsh


def test_the_clients_own_scores_and_old_scores_do_not_make_the_others_average() -> None:
    c = contract(1, given=2)
    own = {c.freelancer_id: ((ME, T - DAY, Fraction(5)), (ME, T - DAY, Fraction(5)))}
    assert not rules.is_harsh(facts([c], others=own), c, T, TH)
    old = {c.freelancer_id: ((7, T - 366 * DAY, Fraction(5)), (8, T - 365 * DAY, Fraction(5)))}
    assert not rules.is_harsh(facts([c], others=old), c, T, TH)


# --- §1.1 signals and §1.2 flag -------------------------------------------------------------------


def five_ended(**kw) -> list[ContractFacts]:
    return [contract(i, **kw) for i in range(1, 6)]


# spec: trust.md §1.2 — "flagged when `ended` ≥ 5 and (`harsh_given` ≥ 40% or `poor_received`
# ≥ 40% or `disputes_lost` ≥ 2), and it has no open case".
@pytest.mark.parametrize(
    ("name", "contracts", "lost", "flag"),
    [
        ("4 ended, 2 lost", [contract(i) for i in range(1, 5)], 2, False),
        ("5 ended, 2 lost", five_ended(), 2, True),
        ("5 ended, 1 lost", five_ended(), 1, False),
        (
            "harsh 2 of 5 = 40%",
            [contract(i, given=2 if i <= 2 else 5) for i in range(1, 6)],
            0,
            True,
        ),
        (
            "harsh 1 of 5 = 20%",
            [contract(i, given=2 if i <= 1 else 5) for i in range(1, 6)],
            0,
            False,
        ),
        (
            "poor 2 of 5 = 40%",
            [contract(i, work_again=4 if i <= 2 else 9) for i in range(1, 6)],
            0,
            True,
        ),
        (
            "work again 5 is not poor",
            [contract(i, work_again=5) for i in range(1, 6)],
            0,
            False,
        ),
        (
            "unprofessional flag is poor",
            [contract(i, work_again=10, unprofessional=i <= 2) for i in range(1, 6)],
            0,
            True,
        ),
        (
            "harsh shares over 2 distinct freelancers only: not defined",
            [contract(i, freelancer=100 + i % 2, given=2) for i in range(1, 6)],
            0,
            False,
        ),
        (
            "poor over 2 distinct freelancers only: not defined",
            [contract(i, freelancer=100 + i % 2, work_again=0) for i in range(1, 6)],
            0,
            False,
        ),
        (
            "poor over 3 distinct freelancers: defined",
            [contract(i, freelancer=100 + i % 3, work_again=0) for i in range(1, 6)],
            0,
            True,
        ),
    ],
)
def test_flag_rule(name, contracts, lost, flag) -> None:
    f = facts(contracts, lost=[(1, T - 10 * DAY)] * lost)
    s = rules.signals(f, T, TH)
    assert rules.flagged(s, TH, has_open_case=False) is flag, name
    assert not rules.flagged(s, TH, has_open_case=True)


def test_share_boundary_39_and_40_percent() -> None:
    assert not rules.at_least_share(39, 100, 40)
    assert rules.at_least_share(40, 100, 40)
    assert not rules.at_least_share(0, 0, 40)
    many = [contract(i, given=2 if i <= 39 else 5) for i in range(1, 101)]
    s = rules.signals(facts(many), T, TH)
    assert (s.harsh, s.scores_given, str(s.harsh_share)) == (39, 100, "39.00")
    assert not rules.flagged(s, TH, has_open_case=False)
    many = [contract(i, given=2 if i <= 40 else 5) for i in range(1, 101)]
    assert rules.flagged(rules.signals(facts(many), T, TH), TH, has_open_case=False)


def test_window_is_half_open_365_days() -> None:
    edge = [contract(i, ended=T - 365 * DAY) for i in range(1, 6)]
    assert rules.signals(facts(edge), T, TH).ended == 0
    inside = [contract(i, ended=T - 365 * DAY + timedelta(seconds=1)) for i in range(1, 6)]
    assert rules.signals(facts(inside), T, TH).ended == 5
    at_t = [contract(i, ended=T) for i in range(1, 6)]
    assert rules.signals(facts(at_t), T, TH).ended == 5
    later = [contract(i, ended=T + DAY) for i in range(1, 6)]
    assert rules.signals(facts(later), T, TH).ended == 0


def test_contracts_before_the_last_closed_case_are_ignored() -> None:
    """spec: trust.md §1.1 — "Only contracts that ended after the client's last conduct case
    closed (resolved or reinstated) count"."""
    closed = T - 100 * DAY
    cs = [contract(i, ended=closed - DAY, work_again=0) for i in range(1, 4)] + [
        contract(i, ended=closed + DAY, work_again=0) for i in range(4, 7)
    ]
    lost = [(1, closed - DAY), (2, closed - DAY), (4, closed + DAY)]
    s = rules.signals(facts(cs, lost=lost, last_closed=closed), T, TH)
    assert (s.ended, s.private_received, s.poor, s.disputes_lost) == (3, 3, 3, 1)
    s = rules.signals(facts(cs, lost=lost), T, TH)
    assert (s.ended, s.disputes_lost) == (6, 3)


def test_feedback_counts_only_when_revealed_by_t() -> None:
    c = ContractFacts(1, 101, T - DAY, Fraction(2), T + DAY, 0, False, T + DAY)
    s = rules.signals(facts([c]), T, TH)
    assert (s.scores_given, s.private_received) == (0, 0)


# --- §1.3 monitoring ------------------------------------------------------------------------------

SINCE = T - 100 * DAY


def after(n: int, **kw) -> ContractFacts:
    return contract(n, ended=SINCE + n * DAY, **kw)


# spec: trust.md §1.3 — "with 3 or more, → restricted if harsh_given ≥ 40% or poor_received ≥
# 40% or disputes_lost ≥ 2 among them, else resolved; with fewer than 3, → resolved if none of
# them is harsh, poor or a lost dispute, else monitoring is extended once by 90 days; at the end
# of the extension ... with still fewer than 3 contracts any harsh, poor or lost one →
# restricted".
@pytest.mark.parametrize(
    ("name", "contracts", "lost", "extended", "outcome"),
    [
        ("3 clean", [after(i, given=5, work_again=9) for i in (1, 2, 3)], [], False, "resolved"),
        (
            "3, one poor of 3 = 33%",
            [after(1, work_again=2), after(2, work_again=9), after(3, work_again=9)],
            [],
            False,
            "resolved",
        ),
        (
            "3, two poor of 3",
            [after(1, work_again=2), after(2, work_again=2), after(3, work_again=9)],
            [],
            False,
            "restricted",
        ),
        ("3, two lost", [after(i) for i in (1, 2, 3)], [1, 2], False, "restricted"),
        ("3, one lost", [after(i) for i in (1, 2, 3)], [1], False, "resolved"),
        (
            "3, harsh 1 of 2 scores",
            [after(1, given=2), after(2, given=5), after(3)],
            [],
            False,
            "restricted",
        ),
        ("none", [], [], False, "resolved"),
        ("2 clean", [after(1, given=5), after(2)], [], False, "resolved"),
        ("2, one lost", [after(1), after(2)], [1], False, "extended"),
        ("2, one harsh", [after(1, given=1), after(2)], [], False, "extended"),
        (
            "2, one poor, after the extension",
            [after(1, work_again=0), after(2)],
            [],
            True,
            "restricted",
        ),
        ("2 clean after the extension", [after(1), after(2)], [], True, "resolved"),
        (
            "ended before the contact",
            [contract(1, ended=SINCE, work_again=0)],
            [],
            True,
            "resolved",
        ),
    ],
)
def test_monitoring_outcome(name, contracts, lost, extended, outcome) -> None:
    f = facts(contracts, lost=[(cid, T - DAY) for cid in lost])
    result = rules.monitoring_outcome(f, SINCE, T, TH, extended=extended)
    assert result.outcome == outcome, name


# --- §1.3 state machine and clock ---------------------------------------------------------------

ALLOWED = [
    ("open", "contacted", "agent"),
    ("contacted", "monitoring", "client"),
    ("contacted", "monitoring", "system"),
    ("monitoring", "monitoring", "system"),
    ("monitoring", "resolved", "system"),
    ("monitoring", "restricted", "system"),
    ("restricted", "appealed", "client"),
    ("restricted", "banned", "system"),
    ("appealed", "reinstated", "agent"),
    ("appealed", "banned", "agent"),
]


def test_every_transition_of_the_table_and_nothing_else() -> None:
    states = (
        "open",
        "contacted",
        "monitoring",
        "resolved",
        "restricted",
        "appealed",
        "reinstated",
        "banned",
    )
    for a in states:
        for b in states:
            for who in ("agent", "client", "system"):
                allowed = (a, b, who) in ALLOWED
                assert (rules.transition_problem(a, b, who) is None) is allowed, (a, b, who)


def test_overdue_after_more_than_7_days_open() -> None:
    opened = T
    assert not rules.is_overdue("open", opened, T + 7 * DAY, 7)
    assert rules.is_overdue("open", opened, T + 7 * DAY + timedelta(seconds=1), 7)
    assert not rules.is_overdue("contacted", opened, T + 30 * DAY, 7)


def test_auto_monitoring_at_7_days_and_monitoring_end_at_90() -> None:
    assert not rules.auto_monitoring_due(T, T + 7 * DAY - timedelta(seconds=1), 7)
    assert rules.auto_monitoring_due(T, T + 7 * DAY, 7)
    due = T + 90 * DAY
    assert not rules.monitoring_ends(due, due - timedelta(seconds=1))
    assert rules.monitoring_ends(due, due)


def test_appeal_window_and_ban() -> None:
    closes = T + 30 * DAY
    assert rules.appeal_problem("restricted", T, None, closes - timedelta(seconds=1), 30) is None
    assert "passed" in (rules.appeal_problem("restricted", T, None, closes, 30) or "")
    assert "already" in (rules.appeal_problem("appealed", T, T + DAY, T + 2 * DAY, 30) or "")
    assert rules.appeal_problem("monitoring", None, None, T, 30) is not None
    assert not rules.ban_due(T, closes - timedelta(seconds=1), 30)
    assert rules.ban_due(T, closes, 30)


def test_thresholds_come_from_the_settings() -> None:
    from workhall.core.settings import Settings

    th = Thresholds.of(Settings())
    assert th == Thresholds()
