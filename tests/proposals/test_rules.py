"""Pure proposal rules, table by table (marketplace.md §3, §4.4, §4.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workhall.connects.rules import Bid
from workhall.proposals.rules import (
    BOOST_CLOSE_NOTE,
    PRICE_NOTES,
    CloseFacts,
    IllegalTransition,
    RankFacts,
    decide_on_close,
    match_percent,
    minimum_to_enter,
    outcome_of_bid,
    plan_transition,
    proposal_price,
    rank_proposals,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# spec: marketplace.md §3 — "submitted → viewed (...) → shortlisted / interviewing → hired |
# declined | withdrawn | archived (job closed). Each transition is time-stamped".
@pytest.mark.parametrize(
    ("current", "stamped", "target", "status", "stamp"),
    [
        ("submitted", {"submitted"}, "viewed", "viewed", ("viewed",)),
        ("viewed", {"submitted", "viewed"}, "viewed", "viewed", ()),  # a view counts once
        ("viewed", {"submitted", "viewed"}, "shortlisted", "shortlisted", ("shortlisted",)),
        # messaging or an offer counts as a view (§3): viewed_at is stamped too
        ("submitted", {"submitted"}, "interviewing", "interviewing", ("viewed", "interviewing")),
        ("submitted", {"submitted"}, "shortlisted", "shortlisted", ("viewed", "shortlisted")),
        (
            "shortlisted",
            {"submitted", "viewed", "shortlisted"},
            "interviewing",
            "interviewing",
            ("interviewing",),
        ),
        # shortlisting a proposal already in interview stamps the time, the status stays
        (
            "interviewing",
            {"submitted", "viewed", "interviewing"},
            "shortlisted",
            "interviewing",
            ("shortlisted",),
        ),
        (
            "interviewing",
            {"submitted", "viewed", "interviewing", "shortlisted"},
            "shortlisted",
            "interviewing",
            (),
        ),
        ("submitted", {"submitted"}, "hired", "hired", ("viewed", "hired")),
        ("interviewing", {"submitted", "viewed", "interviewing"}, "hired", "hired", ("hired",)),
        # "appearing in a list is not a view": declining from the list is not one either
        ("submitted", {"submitted"}, "declined", "declined", ("declined",)),
        ("submitted", {"submitted"}, "withdrawn", "withdrawn", ("withdrawn",)),
        (
            "shortlisted",
            {"submitted", "viewed", "shortlisted"},
            "withdrawn",
            "withdrawn",
            ("withdrawn",),
        ),
        ("viewed", {"submitted", "viewed"}, "archived", "archived", ("archived",)),
        ("declined", {"submitted", "declined"}, "declined", "declined", ()),
    ],
)
def test_allowed_transitions(current, stamped, target, status, stamp):
    plan = plan_transition(current, target, stamped)
    assert (plan.status, plan.stamp) == (status, stamp)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("hired", "declined"),
        ("hired", "withdrawn"),
        ("declined", "shortlisted"),
        ("withdrawn", "viewed"),
        ("archived", "hired"),
        ("withdrawn", "archived"),
        ("viewed", "submitted"),
        ("submitted", "nonsense"),
    ],
)
def test_final_states_never_change(current, target):
    with pytest.raises(IllegalTransition):
        plan_transition(current, target, {"submitted", current})


# spec: marketplace.md §3 — "a proposal answering an invitation costs no Connects"; §4.2 price.
@pytest.mark.parametrize(
    ("cost", "invited", "price"), [(2, False, 2), (16, False, 16), (16, True, 0), (0, False, 0)]
)
def test_proposal_price(cost, invited, price):
    assert proposal_price(cost, invited) == price


@pytest.mark.parametrize(
    ("job", "profile", "pct"),
    [
        (["python", "django"], ["python", "django", "react"], 100),
        (["python", "django", "sql"], ["python"], 33),
        (["python"], [], 0),
        ([], ["python"], 0),
    ],
)
def test_match_percent(job, profile, pct):
    assert match_percent(job, profile) == pct


def test_ranking_boosted_slot_holders_first_then_match():
    """spec: §3 "boosted first (§4.5), then by match (skill overlap, JSS, badges,
    verification)"; §4.5 "The 4 highest bids hold the boosted slots; ties go to the earlier
    bid"."""
    facts = [
        RankFacts(1, at(0), match=100),
        RankFacts(2, at(1), match=10, boost_connects=5, boost_placed_at=at(1), boost_live=True),
        RankFacts(3, at(2), match=0, boost_connects=9, boost_placed_at=at(2), boost_live=True),
        RankFacts(4, at(3), match=50, boost_connects=5, boost_placed_at=at(0), boost_live=True),
        RankFacts(5, at(4), match=50, phone_verified=True),
        RankFacts(6, at(5), match=50, identity_verified=True),
        RankFacts(7, at(6), match=50, jss=90),
        RankFacts(8, at(7), match=100, boost_connects=7, boost_placed_at=at(7), boost_live=False),
        RankFacts(9, at(8), match=0, boost_connects=1, boost_placed_at=at(8), boost_live=True),
        RankFacts(10, at(9), match=0, boost_connects=1, boost_placed_at=at(9), boost_live=True),
    ]
    ranked = rank_proposals(facts, slots=4)
    # slots: 9 Connects, then the two 5s (earlier bid first), then the earlier 1-Connect bid
    assert ranked[:4] == [(3, True), (4, True), (2, True), (9, True)]
    # then match; within equal match JSS, then verification (identity > phone), then time;
    # a returned boost (8) is ranked by match only
    assert [pid for pid, _ in ranked[4:]] == [1, 8, 7, 6, 5, 10]
    assert all(not slot for _, slot in ranked[4:])


def test_badges_rank_before_verification_and_after_jss():
    facts = [
        RankFacts(1, at(0), match=50, identity_verified=True, phone_verified=True),
        RankFacts(2, at(1), match=50, badge_rank=2),
        RankFacts(3, at(2), match=50, badge_rank=2, jss=95),
    ]
    assert [pid for pid, _ in rank_proposals(facts)] == [3, 2, 1]


@pytest.mark.parametrize(
    ("others", "minimum"),
    [
        ([], 1),
        ([Bid(1, 5, at(0)), Bid(2, 3, at(1)), Bid(3, 2, at(2))], 1),  # a free slot
        ([Bid(1, 5, at(0)), Bid(2, 3, at(1)), Bid(3, 2, at(2)), Bid(4, 2, at(3))], 3),
        ([Bid(i, 10, at(i)) for i in range(1, 7)], 11),  # ties go to the earlier bid
    ],
)
def test_minimum_to_enter_the_top_4(others, minimum):
    assert minimum_to_enter(others, slots=4, min_bid=1) == minimum


def test_outbid_holders_lose_their_slot_and_spent_boosts_are_not_returned():
    """spec: §4.5 "returned at once when the proposal loses its slot before that view"."""
    before = [Bid(1, 2, at(0)), Bid(2, 3, at(1)), Bid(3, 4, at(2)), Bid(4, 2, at(3))]
    outcome = outcome_of_bid(before, Bid(5, 3, at(9)), held={1, 2, 3, 4, 5}, slots=4)
    assert outcome.holders == [3, 2, 5, 1]
    assert outcome.lost_slot == [4]
    # 1 was spent (viewed while holding a slot): losing the slot later returns nothing
    outcome = outcome_of_bid(before, Bid(5, 3, at(9)), held={2, 3, 4, 5}, slots=4)
    assert outcome.lost_slot == [4]
    # raising a bid replaces the proposal's previous one
    outcome = outcome_of_bid(before, Bid(4, 5, at(9)), held={1, 2, 3, 4}, slots=4)
    assert outcome.holders == [4, 3, 2, 1] and outcome.lost_slot == []


# spec: marketplace.md §4.4 — "Every proposal's price and held boost: the job is cancelled, or
# removed by moderation, or closed because its client was restricted. Ghost-job protection:
# when a job becomes expired, or filled without hiring that freelancer, every proposal the
# client never viewed gets its price back. Not refunded: the price of a withdrawn, declined or
# viewed proposal (beyond the cases above)." §4.5 — a held boost "is returned at once when ...
# the job closes before that view".
@pytest.mark.parametrize(
    ("reason", "status", "viewed", "boost", "archive", "price", "return_boost"),
    [
        ("cancelled", "submitted", False, "held", True, True, True),
        ("cancelled", "viewed", True, "spent", True, True, False),
        ("cancelled", "withdrawn", False, "returned", False, True, False),
        ("cancelled", "declined", True, "none", False, True, False),
        ("removed", "shortlisted", True, "none", True, True, False),
        ("removed", "hired", True, "spent", False, True, False),
        ("client_restricted", "interviewing", True, "none", True, True, False),
        ("client_restricted", "submitted", False, "held", True, True, True),
        ("expired", "submitted", False, "none", True, True, False),
        ("expired", "submitted", False, "held", True, True, True),
        ("expired", "viewed", True, "spent", True, False, False),
        ("expired", "withdrawn", False, "returned", False, False, False),
        ("expired", "declined", False, "none", False, False, False),
        ("filled", "submitted", False, "held", True, True, True),
        ("filled", "shortlisted", True, "none", True, False, False),
        ("filled", "hired", True, "spent", False, False, False),
        ("filled", "declined", True, "none", False, False, False),
    ],
)
def test_refunds_when_a_job_closes(reason, status, viewed, boost, archive, price, return_boost):
    decision = decide_on_close(reason, CloseFacts(status, viewed, boost))
    assert (decision.archive, decision.refund_price, decision.return_boost) == (
        archive,
        price,
        return_boost,
    )
    if price:
        key = "ghost" if reason in ("expired", "filled") else reason
        assert decision.price_note == PRICE_NOTES[key]


def test_unknown_close_reason_is_refused():
    with pytest.raises(ValueError):
        decide_on_close("paused", CloseFacts("submitted", False, "none"))
    assert "boost returned" in BOOST_CLOSE_NOTE
