"""Ranking boosts and badge notices (reputation.md §2.5, §3.2) — pure rules, table-driven."""

from __future__ import annotations

import pytest

from workhall.reputation.notices import badge_notice
from workhall.talent.ranking import (
    TalentFacts,
    badge_rank,
    boost,
    rank_talent,
    skill_match,
    text_relevance,
)


@pytest.mark.parametrize(
    ("level", "rising", "expected"),
    [
        ("none", False, 0),
        ("top_rated", False, 20),
        ("top_rated_plus", False, 30),
        # spec: §3.2 — "Treatment: the Rising Talent badge … a ranking boost in search"
        ("none", True, 15),
    ],
)
def test_boost_by_badge(level, rising, expected):
    assert boost(TalentFacts(1, 50, level=level, rising_talent=rising)) == expected


@pytest.mark.parametrize(
    ("level", "rising", "rank"),
    [("none", False, 0), ("none", True, 1), ("top_rated", False, 2), ("top_rated_plus", False, 3)],
)
def test_badge_rank_for_the_proposal_list(level, rising, rank):
    assert badge_rank(level, rising) == rank


def test_badge_holders_rise_but_relevance_comes_first():
    plain_strong = TalentFacts(1, relevance=100)
    top_rated_weaker = TalentFacts(2, relevance=85, level="top_rated")  # 85 + 20 = 105
    top_rated_irrelevant = TalentFacts(3, relevance=25, level="top_rated_plus")  # 55
    rising = TalentFacts(4, relevance=50, rising_talent=True)  # 65
    order = [
        f.user_id
        for f in rank_talent([plain_strong, top_rated_weaker, top_rated_irrelevant, rising])
    ]
    assert order == [2, 1, 4, 3]


def test_ties_go_to_jss_then_verification_then_older_account():
    a = TalentFacts(5, 50, jss=None)
    b = TalentFacts(6, 50, jss=92)
    c = TalentFacts(7, 50, jss=None, identity_verified=True)
    d = TalentFacts(4, 50, jss=None)
    assert [f.user_id for f in rank_talent([a, b, c, d])] == [6, 7, 4, 5]


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        ([], 100),  # browsing without words: everyone equally relevant
        (["django"], 100),  # a skill
        (["booking"], 100),  # the title
        (["payments"], 50),  # only the overview
        (["django", "rust"], 50),
        (["rust"], 0),
    ],
)
def test_text_relevance(terms, expected):
    got = text_relevance(
        terms,
        name="Ada Lovelace",
        title="Booking systems engineer",
        overview="I build payments and calendars.",
        skills=["django", "python"],
    )
    assert got == expected


def test_skill_match():
    assert skill_match(["python", "django"], ["python"]) == 50
    assert skill_match([], ["python"]) == 0


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        (("none", False), ("top_rated", False), "badge_gained"),
        (("top_rated", False), ("top_rated_plus", False), "badge_gained"),
        (("top_rated", False), ("top_rated", True), "badge_at_risk"),
        (("top_rated", True), ("none", False), "badge_lost"),
        # spec: §6 — "When grace runs out, the level drops straight to the earned level"
        (("top_rated_plus", True), ("none", False), "badge_lost"),
        (("top_rated", True), ("top_rated", False), "badge_safe"),
        (("top_rated", False), ("top_rated", False), None),
        (("none", False), ("none", False), None),
    ],
)
def test_badge_notices(before, after, kind):
    notice = badge_notice(*before, *after, reasons=["Job Success Score at least 90"])
    assert (notice.kind if notice else None) == kind
    if kind == "badge_at_risk":
        assert "Job Success Score at least 90" in notice.text
