"""Dispute rules, table-driven (marketplace.md §5 "Disputes").

spec: "the freelancer may dispute within 7 days after the client requests changes a second time
on the same submission, asks for escrow back, or disputes an hourly invoice; the client has 5
days to answer (no answer → recorded as `freelancer_won`, funds to the freelancer); then a
`trust_safety` agent mediates and decides: `freelancer_won`, `client_won` or `split` with
amounts"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workhall.disputes import rules

T = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
D, S = timedelta(days=1), timedelta(seconds=1)


@pytest.mark.parametrize(
    ("status", "count", "at", "under_return", "now", "ok"),
    [
        # "a second time on the same submission"
        ("changes_requested", 2, T, False, T, True),
        ("changes_requested", 3, T, False, T + D, True),
        ("changes_requested", 1, T, False, T, False),  # only the first request
        ("changes_requested", 0, None, False, T, False),
        # "within 7 days after": up to, not including, exactly 7 days
        ("changes_requested", 2, T, False, T + 7 * D - S, True),
        ("changes_requested", 2, T, False, T + 7 * D, False),
        ("changes_requested", 2, T, False, T + 8 * D, False),
        # the freelancer resubmitted since, or the money already moved
        ("submitted", 2, T, False, T, False),
        ("approved", 2, T, False, T, False),
        ("refunded", 2, T, False, T, False),
        # the client asked the escrow back: the request is what gets disputed
        ("changes_requested", 2, T, True, T, False),
    ],
)
def test_milestone_eligibility(status, count, at, under_return, now, ok):
    why = rules.milestone_dispute_problem(
        status=status,
        changes_requested_count=count,
        changes_requested_at=at,
        under_escrow_return=under_return,
        now=now,
        window_days=7,
    )
    assert (why is None) is ok, why


@pytest.mark.parametrize(
    ("status", "now", "ok"),
    [
        # "asks for escrow back … the freelancer refunds it or disputes within 7 days"
        ("pending", T, True),
        ("pending", T + 7 * D - S, True),
        ("pending", T + 7 * D, False),  # respond_by itself: too late
        ("disputed", T, False),
        ("refunded", T, False),
        ("returned", T, False),
    ],
)
def test_escrow_return_eligibility(status, now, ok):
    why = rules.escrow_return_dispute_problem(status=status, respond_by=T + 7 * D, now=now)
    assert (why is None) is ok, why


@pytest.mark.parametrize(
    ("status", "disputed_at", "now", "ok"),
    [
        # "or disputes an hourly invoice"
        ("disputed", T, T, True),
        ("disputed", T, T + 7 * D - S, True),
        ("disputed", T, T + 7 * D, False),
        ("invoiced", None, T, False),
        ("paid", None, T, False),
    ],
)
def test_invoice_eligibility(status, disputed_at, now, ok):
    why = rules.invoice_dispute_problem(
        status=status, disputed_at=disputed_at, now=now, window_days=7
    )
    assert (why is None) is ok, why


@pytest.mark.parametrize(
    ("status", "now", "answerable", "defaults"),
    [
        # "the client has 5 days to answer (no answer → recorded as freelancer_won)"
        ("awaiting_client", T, True, False),
        ("awaiting_client", T + 5 * D - S, True, False),
        ("awaiting_client", T + 5 * D, False, True),  # exactly 5 days: the default
        ("awaiting_client", T + 9 * D, False, True),
        ("in_mediation", T + 5 * D, False, False),  # answered in time: an agent decides
        ("decided", T + 5 * D, False, False),
    ],
)
def test_answer_and_default(status, now, answerable, defaults):
    due = rules.answer_due(T, 5)
    assert due == T + 5 * D
    assert (rules.can_answer(status, due, now) is None) is answerable
    assert rules.default_due(status, due, now) is defaults


@pytest.mark.parametrize(
    ("status", "ok"),
    [("in_mediation", True), ("awaiting_client", False), ("decided", False)],
)
def test_agent_decides_after_the_answer(status, ok):
    assert (rules.can_decide(status) is None) is ok


@pytest.mark.parametrize(
    ("outcome", "f", "c", "expected"),
    [
        ("freelancer_won", None, None, (10_000, 0)),
        ("freelancer_won", 10_000, 0, (10_000, 0)),
        ("freelancer_won", 6_000, 4_000, None),
        ("client_won", None, None, (0, 10_000)),
        ("client_won", 0, 10_000, (0, 10_000)),
        ("split", 6_000, 4_000, (6_000, 4_000)),
        ("split", 1, 9_999, (1, 9_999)),
        ("split", 6_000, 3_999, None),  # must sum to the escrow at stake
        ("split", 6_000, 4_001, None),
        ("split", 10_000, 0, None),  # a zero share is a win, not a split
        ("split", None, 4_000, None),
        ("draw", None, None, None),
    ],
)
def test_shares(outcome, f, c, expected):
    got = rules.shares(outcome, 10_000, f, c)
    if expected is None:
        assert isinstance(got, str)
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("total", "held", "expected"),
    [
        (0, [100, 200], [0, 0]),
        (100, [100, 200], [100, 0]),
        (150, [100, 200], [100, 50]),
        (300, [100, 200], [100, 200]),
    ],
)
def test_allocate(total, held, expected):
    assert rules.allocate(total, held) == expected


def test_allocate_refuses_more_than_held():
    with pytest.raises(ValueError):
        rules.allocate(301, [100, 200])
