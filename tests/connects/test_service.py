"""Spending, refunds and settlements through the service, on SQLite and PostgreSQL
(marketplace.md §4.3–§4.5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.connects.conftest import events_of, lots_of
from tests.factories import make_freelancer
from workhall.connects.models import ConnectsSpend
from workhall.connects.service import (
    connects_balance,
    held_connects,
    issue_lot,
    refund_spend,
    settle_spend,
    spend_connects,
)
from workhall.core import clock
from workhall.core.errors import PaymentRequired


def test_spend_takes_the_soonest_expiring_lots_first(db, settings, t0):
    user = make_freelancer(db, settings)  # sign-up grant: 10, expiring in 365 days
    soon = issue_lot(
        db,
        settings,
        user.id,
        kind="purchase",
        source="p1",
        amount=5,
        expires_at=t0 + timedelta(days=10),
    )
    balance = spend_connects(db, settings, user.id, 7, purpose="price", proposal_id=101, job_id=9)
    assert balance == 8
    signup = next(lot for lot in lots_of(db, user.id) if lot.source == "signup")
    assert (soon.remaining, signup.remaining) == (0, 8)
    spends = db.scalars(select(ConnectsSpend).where(ConnectsSpend.proposal_id == 101)).all()
    assert sorted((s.lot_id, s.amount) for s in spends) == sorted([(soon.id, 5), (signup.id, 2)])
    last = events_of(db, user.id)[-1]
    assert (last.kind, last.amount, last.balance_after, last.job_id, last.proposal_id) == (
        "spend",
        -7,
        8,
        9,
        101,
    )


@pytest.mark.parametrize(("amount", "price"), [(11, None), (30, 12)])
def test_short_balance_is_402_with_price_and_balance_and_writes_nothing(
    db, settings, t0, amount, price
):
    # spec: marketplace.md §4.3 — "Insufficient balance → HTTP 402 with the price and the
    # balance; nothing is stored."
    user = make_freelancer(db, settings)
    events_before = len(events_of(db, user.id))
    with pytest.raises(PaymentRequired) as caught:
        spend_connects(
            db, settings, user.id, amount, purpose="price", proposal_id=5, price_for_problem=price
        )
    problem = caught.value.to_dict()
    assert problem["status"] == 402
    assert problem["price"] == (price if price is not None else amount)
    assert problem["balance"] == 10
    assert db.scalar(select(func.count()).select_from(ConnectsSpend)) == 0
    assert [lot.remaining for lot in lots_of(db, user.id)] == [10]
    assert len(events_of(db, user.id)) == events_before


def test_expired_lots_are_not_spent(db, settings, t0):
    user = make_freelancer(db, settings)
    issue_lot(
        db,
        settings,
        user.id,
        kind="award",
        source="a",
        amount=50,
        expires_at=t0 + timedelta(days=1),
    )
    clock.set_now(t0 + timedelta(days=1))  # the award lot expires exactly now
    assert connects_balance(db, user.id) == 10
    with pytest.raises(PaymentRequired):
        spend_connects(db, settings, user.id, 11, purpose="price", proposal_id=1)
    assert spend_connects(db, settings, user.id, 10, purpose="price", proposal_id=1) == 0


def test_refund_returns_a_refund_lot_once(db, settings, t0):
    user = make_freelancer(db, settings)
    spend_connects(db, settings, user.id, 4, purpose="price", proposal_id=77, job_id=3)
    clock.set_now(t0 + timedelta(days=2))
    assert refund_spend(db, settings, user.id, 77, "price", note="Job cancelled", job_id=3) == 4
    assert connects_balance(db, user.id) == 10
    refund = lots_of(db, user.id)[-1]
    assert (refund.kind, refund.original, refund.remaining) == ("refund", 4, 4)
    # spec: §4.4 — the later of the original lots' expiry (t0 + 365 d) and 30 days after
    assert refund.expires_at == t0 + timedelta(days=365)
    assert refund_spend(db, settings, user.id, 77, "price") == 0  # once only
    assert connects_balance(db, user.id) == 10
    kinds = [(e.kind, e.amount, e.balance_after) for e in events_of(db, user.id)]
    assert kinds == [("grant", 10, 10), ("spend", -4, 6), ("refund", 4, 10)]


def test_refund_of_connects_about_to_expire_lives_30_days(db, settings, t0):
    user = make_freelancer(db, settings)
    issue_lot(
        db,
        settings,
        user.id,
        kind="purchase",
        source="p",
        amount=4,
        expires_at=t0 + timedelta(days=3),
    )
    spend_connects(db, settings, user.id, 4, purpose="price", proposal_id=8)
    refund_spend(db, settings, user.id, 8, "price")
    assert lots_of(db, user.id)[-1].expires_at == t0 + timedelta(days=30)


def test_a_settled_boost_cannot_be_refunded(db, settings, t0):
    user = make_freelancer(db, settings)
    spend_connects(db, settings, user.id, 3, purpose="boost", proposal_id=12, event_kind="boost")
    assert held_connects(db, 12, "boost") == 3
    assert settle_spend(db, 12, "boost") == 3  # the client viewed it while boosted
    assert held_connects(db, 12, "boost") == 0
    assert refund_spend(db, settings, user.id, 12, "boost") == 0
    assert settle_spend(db, 12, "boost") == 0
    assert connects_balance(db, user.id) == 7


def test_a_returned_boost_cannot_be_settled(db, settings, t0):
    user = make_freelancer(db, settings)
    spend_connects(db, settings, user.id, 3, purpose="boost", proposal_id=13)
    assert refund_spend(db, settings, user.id, 13, "boost") == 3
    assert settle_spend(db, 13, "boost") == 0
    assert connects_balance(db, user.id) == 10


def test_price_and_boost_are_refunded_separately(db, settings, t0):
    user = make_freelancer(db, settings)
    spend_connects(db, settings, user.id, 4, purpose="price", proposal_id=20)
    spend_connects(db, settings, user.id, 2, purpose="boost", proposal_id=20)
    assert refund_spend(db, settings, user.id, 20, "boost") == 2
    assert held_connects(db, 20, "price") == 4
    assert refund_spend(db, settings, user.id, 20, "price") == 4
    assert connects_balance(db, user.id) == 10


def test_refund_never_goes_to_another_user(db, settings, t0):
    owner = make_freelancer(db, settings)
    other = make_freelancer(db, settings)
    spend_connects(db, settings, owner.id, 4, purpose="price", proposal_id=30)
    assert refund_spend(db, settings, other.id, 30, "price") == 0
    assert connects_balance(db, other.id) == 10
    assert refund_spend(db, settings, owner.id, 30, "price") == 4


def test_issue_lot_is_once_per_source(db, settings, t0):
    user = make_freelancer(db, settings)
    assert issue_lot(db, settings, user.id, kind="award", source="x", amount=5) is not None
    assert issue_lot(db, settings, user.id, kind="award", source="x", amount=5) is None
    assert connects_balance(db, user.id) == 15
