"""Pure rules of offers and fixed-price milestones, table by table (marketplace.md §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workhall.contracts import rules
from workhall.contracts.rules import IllegalMove, MilestoneTerms, OfferTerms, TermLimits

T = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
TODAY = T.date()
LIMITS = TermLimits()


# --- offers: "The freelancer accepts or declines" (§5); the client withdraws; offers lapse ---

OFFER_MOVES = [
    # (status, action, actor, result or None = refused)
    ("pending", "accept", "freelancer", "accepted"),
    ("pending", "decline", "freelancer", "declined"),
    ("pending", "withdraw", "client", "withdrawn"),
    ("pending", "expire", "system", "expired"),
    ("pending", "accept", "client", None),  # only the freelancer accepts
    ("pending", "decline", "client", None),
    ("pending", "withdraw", "freelancer", None),  # only the client withdraws
    ("accepted", "decline", "freelancer", None),  # an answer is final
    ("declined", "accept", "freelancer", None),
    ("withdrawn", "accept", "freelancer", None),
    ("expired", "accept", "freelancer", None),
    ("accepted", "withdraw", "client", None),
    ("pending", "reopen", "client", None),
]


@pytest.mark.parametrize(("status", "action", "actor", "result"), OFFER_MOVES)
def test_offer_moves(status, action, actor, result):
    if result is None:
        with pytest.raises(IllegalMove):
            rules.offer_move(status, action, actor)
    else:
        assert rules.offer_move(status, action, actor) == result


@pytest.mark.parametrize(
    ("age", "status", "expired"),
    [
        (timedelta(days=14) - timedelta(seconds=1), "pending", False),
        (timedelta(days=14), "pending", True),  # lapses at exactly 14 days
        (timedelta(days=30), "pending", True),
        (timedelta(days=30), "accepted", False),  # only pending offers lapse
    ],
)
def test_offer_expiry_after_14_days(age, status, expired):
    expires = rules.offer_expires_at(T, 14)
    assert expires == T + timedelta(days=14)
    assert rules.offer_expired(status, expires, T + age) is expired
    assert rules.effective_offer_status(status, expires, T + age) == (
        "expired" if expired else status
    )


def fixed(*amounts: int, **kw) -> OfferTerms:
    ms = tuple(MilestoneTerms(f"M{i}", a) for i, a in enumerate(amounts, 1))
    return OfferTerms(
        title=kw.pop("title", "Work"),
        description=kw.pop("description", ""),
        kind="fixed",
        milestones=kw.pop("milestones", ms),
        **kw,
    )


def hourly(rate, hours, **kw) -> OfferTerms:
    return OfferTerms(
        title="Work",
        description="",
        kind="hourly",
        hourly_rate_cents=rate,
        weekly_limit_hours=hours,
        **kw,
    )


# spec: "fixed-price with ≥ 1 milestone (each ≥ $5), or hourly with rate and weekly limit in
# hours"; limits where the spec is silent: docs/contracts.md.
TERMS = [
    (fixed(500), []),
    (fixed(499), ["milestones"]),  # each ≥ $5
    (fixed(), ["milestones"]),  # ≥ 1 milestone
    (fixed(*([500] * 20)), []),
    (fixed(*([500] * 21)), ["milestones"]),  # at most 20
    (fixed(100_000_000), []),
    (fixed(100_000_001), ["milestones"]),
    (fixed(500, title=""), ["title"]),
    (fixed(500, title="x" * 121), ["title"]),
    (fixed(500, description="x" * 5001), ["description"]),
    (fixed(500, description="x" * 5000), []),
    (fixed(milestones=(MilestoneTerms("", 500),)), ["milestones"]),
    (fixed(milestones=(MilestoneTerms("x" * 121, 500),)), ["milestones"]),
    (fixed(milestones=(MilestoneTerms("Due", 500, TODAY),)), []),
    (fixed(milestones=(MilestoneTerms("Due", 500, TODAY - timedelta(days=1)),)), ["milestones"]),
    (fixed(500, hourly_rate_cents=2_000), ["kind"]),
    (hourly(100, 1), []),
    (hourly(100_000, 80), []),
    (hourly(99, 10), ["hourly_rate_cents"]),  # $1–$1,000 an hour
    (hourly(100_001, 10), ["hourly_rate_cents"]),
    (hourly(2_000, 0), ["weekly_limit_hours"]),  # 1–80 hours
    (hourly(2_000, 81), ["weekly_limit_hours"]),
    (hourly(None, None), ["hourly_rate_cents", "weekly_limit_hours"]),
    (hourly(2_000, 10, milestones=(MilestoneTerms("M", 500),)), ["milestones"]),
    (OfferTerms(title="W", description="", kind="retainer"), ["kind"]),
    (hourly(True, 10), ["hourly_rate_cents"]),  # booleans are not numbers
]


@pytest.mark.parametrize(("terms", "fields"), TERMS)
def test_offer_terms(terms, fields):
    assert [f for f, _ in rules.offer_problems(terms, LIMITS, TODAY)] == fields


# --- milestones: fund → submit → approve | request changes; 14 days → automatic approval ----

MOVES = [
    # (status, action, actor, contract active, result or None = refused)
    ("pending", "fund", "client", True, "funded"),
    ("pending", "fund", "client", False, None),  # an ended contract takes no new money
    ("pending", "fund", "freelancer", True, None),
    ("funded", "fund", "client", True, None),  # funded once
    ("funded", "submit", "freelancer", True, "submitted"),
    ("pending", "submit", "freelancer", True, None),  # work starts once funded
    ("funded", "submit", "client", True, None),
    ("funded", "submit", "freelancer", False, None),
    ("submitted", "approve", "client", True, "approved"),
    ("submitted", "approve", "client", False, "approved"),  # release after the end
    ("funded", "approve", "client", True, "approved"),  # release without a submission
    ("changes_requested", "approve", "client", True, "approved"),
    ("submitted", "approve", "freelancer", True, None),
    ("pending", "approve", "client", True, None),  # nothing in escrow
    ("approved", "approve", "client", True, None),  # money moves once
    ("submitted", "request_changes", "client", True, "changes_requested"),
    ("submitted", "request_changes", "client", False, None),
    ("funded", "request_changes", "client", True, None),  # nothing submitted yet
    ("changes_requested", "request_changes", "client", True, None),
    ("changes_requested", "submit", "freelancer", True, "submitted"),  # resubmission
    ("submitted", "submit", "freelancer", True, None),
    ("submitted", "auto_approve", "system", True, "approved"),
    ("submitted", "auto_approve", "system", False, "approved"),
    ("changes_requested", "auto_approve", "system", True, None),  # the ball is with the freelancer
    ("funded", "auto_approve", "system", True, None),
    ("funded", "refund", "system", False, "refunded"),
    ("submitted", "refund", "system", False, "refunded"),
    ("changes_requested", "refund", "system", False, "refunded"),
    ("pending", "refund", "system", False, None),
    ("approved", "refund", "system", False, None),
    ("refunded", "refund", "system", False, None),
    ("pending", "cancel", "system", False, "cancelled"),
    ("funded", "cancel", "system", False, None),  # escrow is never cancelled away
    ("cancelled", "fund", "client", True, None),
    ("funded", "dance", "client", True, None),
]


@pytest.mark.parametrize(("status", "action", "actor", "active", "result"), MOVES)
def test_milestone_moves(status, action, actor, active, result):
    if result is None:
        with pytest.raises(IllegalMove):
            rules.milestone_move(status, action, actor=actor, contract_active=active)
    else:
        assert rules.milestone_move(status, action, actor=actor, contract_active=active) == result


@pytest.mark.parametrize(
    ("status", "role", "active", "return_pending", "actions"),
    [
        ("pending", "client", True, False, ["fund"]),
        ("pending", "freelancer", True, False, []),
        ("pending", "client", False, False, []),
        ("funded", "client", True, False, ["approve"]),
        ("funded", "freelancer", True, False, ["submit"]),
        ("submitted", "client", True, False, ["request_changes", "approve"]),
        ("submitted", "client", False, False, ["approve"]),
        ("changes_requested", "freelancer", True, False, ["submit"]),
        ("submitted", "client", False, True, ["approve"]),
        ("funded", "freelancer", False, True, []),
        ("approved", "client", True, False, []),
    ],
)
def test_actions_offered_to_each_party(status, role, active, return_pending, actions):
    got = rules.allowed_actions(status, role, contract_active=active, return_pending=return_pending)
    assert sorted(got) == sorted(actions)


@pytest.mark.parametrize(
    ("after", "status", "due"),
    [
        (timedelta(days=14) - timedelta(microseconds=1), "submitted", False),
        (timedelta(days=14), "submitted", True),  # "No action within 14 days of a submission"
        (timedelta(days=20), "submitted", True),
        (timedelta(days=20), "changes_requested", False),
        (timedelta(days=20), "approved", False),
    ],
)
def test_automatic_approval_at_14_days(after, status, due):
    assert rules.auto_approve_due(status, T, T + after, 14) is due
    assert rules.auto_approve_due(status, None, T + after, 14) is False


def test_release_is_pending_5_days_and_funding_costs_3_percent():
    # §6.3 "Released fixed-price money is pending for 5 days"; §6.2 client fee 3%, half up.
    assert rules.release_available_at(T, 5) == T + timedelta(days=5)
    assert rules.funding_charge(10_000, 300) == (300, 10_300)
    assert rules.funding_charge(550, 300) == (17, 567)  # 16.5 → 17
    assert rules.funding_charge(500, 300) == (15, 515)


# --- ending and escrow returns: "the freelancer refunds it or disputes within 7 days" --------


@pytest.mark.parametrize(
    ("after", "status", "due"),
    [
        (timedelta(days=7) - timedelta(seconds=1), "pending", False),
        (timedelta(days=7), "pending", True),
        (timedelta(days=9), "disputed", False),  # a dispute stops the automatic return
        (timedelta(days=9), "refunded", False),
    ],
)
def test_escrow_returns_after_7_days_without_an_answer(after, status, due):
    by = rules.respond_by(T, 7)
    assert by == T + timedelta(days=7)
    assert rules.escrow_return_due(status, by, T + after) is due


@pytest.mark.parametrize(
    ("contract", "left", "open_request", "allowed"),
    [
        ("ended", 10_000, False, True),
        ("active", 10_000, False, False),  # end the contract first
        ("ended", 0, False, False),  # "If funded escrow is left"
        ("ended", 10_000, True, False),  # one request at a time
    ],
)
def test_when_the_client_may_ask_for_escrow_back(contract, left, open_request, allowed):
    assert (rules.can_request_escrow_return(contract, left, open_request) is None) is allowed


def test_fixed_total():
    assert rules.fixed_total([MilestoneTerms("a", 500), MilestoneTerms("b", 1_250)]) == 1_750
