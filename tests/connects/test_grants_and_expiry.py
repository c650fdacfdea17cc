"""Monthly grants and the expiry history, through the worker tasks (marketplace.md §4.1)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.connects.conftest import events_of, lots_of
from tests.factories import make_client, make_freelancer
from workhall.connects.models import ConnectsLot, ConnectsPlanCharge
from workhall.connects.service import connects_balance, issue_lot, spend_connects
from workhall.connects.tasks import TASKS, grant_current_month, record_expiries
from workhall.core import clock
from workhall.worker import all_tasks, run_once

OCT_20 = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
NOV_1 = datetime(2026, 11, 1, 0, 5, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)


def grant_lots(db, user_id):
    return [(lot.source, lot.original) for lot in lots_of(db, user_id) if lot.kind == "grant"]


def test_tasks_are_registered_with_the_worker():
    names = {t.name for t in all_tasks()}
    assert {t.name for t in TASKS} <= names


def test_monthly_grant_once_per_month_even_when_run_twice(db, settings):
    clock.set_now(OCT_20)
    user = make_freelancer(db, settings)
    clock.set_now(NOV_1)
    assert grant_current_month(db, settings) == 10
    assert grant_current_month(db, settings) == 0  # run twice → granted once
    assert grant_lots(db, user.id) == [("signup", 10), ("grant:2026-11", 10)]
    assert connects_balance(db, user.id) == 20
    event = events_of(db, user.id)[-1]
    assert (event.kind, event.amount, event.balance_after) == ("grant", 10, 20)
    assert "November 2026" in event.note


def test_mid_month_sign_up_gets_the_next_first_of_month_grant(db, settings):
    clock.set_now(datetime(2026, 11, 18, tzinfo=UTC))
    user = make_freelancer(db, settings)
    assert grant_current_month(db, settings) == 0  # the sign-up grant is November's
    clock.set_now(DEC_1)
    assert grant_current_month(db, settings) == 10
    assert grant_lots(db, user.id) == [("signup", 10), ("grant:2026-12", 10)]


def test_who_gets_a_grant(db, settings):
    clock.set_now(OCT_20)
    active = make_freelancer(db, settings)
    on_hold = make_freelancer(db, settings, status="on_hold")
    suspended = make_freelancer(db, settings, status="suspended")
    closed = make_freelancer(db, settings, status="closed")
    client = make_client(db, settings)
    clock.set_now(NOV_1)
    assert grant_current_month(db, settings) == 20
    assert len(grant_lots(db, active.id)) == 2
    assert len(grant_lots(db, on_hold.id)) == 2
    assert len(grant_lots(db, suspended.id)) == 1
    assert len(grant_lots(db, closed.id)) == 1
    assert lots_of(db, client.id) == []


def test_grants_are_processed_in_batches(db, settings):
    settings.connects_task_batch_size = 2
    clock.set_now(OCT_20)
    users = [make_freelancer(db, settings) for _ in range(5)]
    clock.set_now(NOV_1)
    assert grant_current_month(db, settings) == 50
    assert all(connects_balance(db, u.id) == 20 for u in users)


def test_plus_month_grants_80_and_an_unpaid_month_falls_back_to_basic(db, settings):
    clock.set_now(OCT_20)
    user = make_freelancer(db, settings)
    for period in ("2026-11",):
        db.add(
            ConnectsPlanCharge(
                user_id=user.id,
                period=period,
                plan="plus",
                amount_cents=1499,
                provider_reference="test_x",
                card_last4="4242",
                created_at=OCT_20,
            )
        )
    user.connects_plan = "plus"
    db.flush()
    clock.set_now(NOV_1)
    assert grant_current_month(db, settings) == 80
    assert user.connects_plan == "plus"
    clock.set_now(DEC_1)  # December was not paid: basic again
    assert grant_current_month(db, settings) == 10
    db.refresh(user)
    assert user.connects_plan == "basic"
    assert grant_lots(db, user.id)[1:] == [("grant:2026-11", 80), ("grant:2026-12", 10)]


def test_a_lapsed_plus_user_without_a_grant_is_still_moved_to_basic(db, settings):
    clock.set_now(OCT_20)
    user = make_freelancer(db, settings, status="suspended", connects_plan="plus")
    clock.set_now(NOV_1)
    grant_current_month(db, settings)
    db.refresh(user)
    assert user.connects_plan == "basic"


@pytest.mark.concurrency
def test_two_workers_granting_at_once_grant_once(committed_db, settings):
    clock.set_now(OCT_20)
    with committed_db.unit_of_work() as session:
        ids = [make_freelancer(session, settings).id for _ in range(6)]
    clock.set_now(NOV_1)
    task = next(t for t in TASKS if t.name == "connects-monthly-grants")
    results: list[dict[str, int]] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        results.append(run_once(committed_db, settings, [task]))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    granted = [r[task.name] for r in results]
    assert min(granted) >= 0 and sum(granted) == 60  # no task failed (-1), 10 each, once
    with committed_db.unit_of_work(write=False) as session:
        sources = session.scalars(
            select(ConnectsLot.source).where(
                ConnectsLot.user_id.in_(ids), ConnectsLot.kind == "grant"
            )
        ).all()
    assert sorted(sources) == sorted(["signup", "grant:2026-11"] * 6)


# --- expiry ---------------------------------------------------------------------------------


def test_expired_lot_writes_one_expire_event(db, settings):
    clock.set_now(OCT_20)
    user = make_freelancer(db, settings)
    lot = issue_lot(
        db,
        settings,
        user.id,
        kind="purchase",
        source="p",
        amount=5,
        expires_at=OCT_20 + timedelta(days=10),
    )
    spend_connects(db, settings, user.id, 2, purpose="price", proposal_id=1)  # from the 5-lot
    expiry = OCT_20 + timedelta(days=10)
    clock.set_now(expiry - timedelta(seconds=1))
    assert record_expiries(db, settings) == 0  # not expired yet
    clock.set_now(expiry + timedelta(days=3))
    assert record_expiries(db, settings) == 1
    assert record_expiries(db, settings) == 0  # once
    db.refresh(lot)
    assert lot.expired_recorded_at is not None
    expire = [e for e in events_of(db, user.id) if e.kind == "expire"]
    assert len(expire) == 1
    assert (expire[0].at, expire[0].amount, expire[0].balance_after) == (expiry, -3, 10)
    assert connects_balance(db, user.id) == 10


def test_expiry_balance_is_the_balance_at_the_expiry_even_if_spent_since(db, settings):
    clock.set_now(OCT_20)
    user = make_freelancer(db, settings)  # 10, expiring in a year
    issue_lot(
        db,
        settings,
        user.id,
        kind="purchase",
        source="a",
        amount=4,
        expires_at=OCT_20 + timedelta(days=5),
    )
    issue_lot(
        db,
        settings,
        user.id,
        kind="purchase",
        source="b",
        amount=6,
        expires_at=OCT_20 + timedelta(days=5),
    )
    clock.set_now(OCT_20 + timedelta(days=8))
    spend_connects(db, settings, user.id, 3, purpose="price", proposal_id=2)  # after the expiry
    record_expiries(db, settings)
    # In the order the history shows it (by time), it adds up line by line, although the
    # expiries were written after the later spend.
    chain = [
        (e.kind, e.amount, e.balance_after)
        for e in sorted(events_of(db, user.id), key=lambda e: (e.at, e.id))
    ]
    assert chain == [
        ("grant", 10, 10),
        ("purchase", 4, 14),
        ("purchase", 6, 20),
        ("expire", -4, 16),
        ("expire", -6, 10),
        ("spend", -3, 7),
    ]


def test_empty_expired_lots_are_marked_without_an_event(db, settings):
    clock.set_now(OCT_20)
    user = make_freelancer(db, settings)
    lot = issue_lot(
        db,
        settings,
        user.id,
        kind="purchase",
        source="p",
        amount=2,
        expires_at=OCT_20 + timedelta(days=1),
    )
    spend_connects(db, settings, user.id, 2, purpose="price", proposal_id=3)
    clock.set_now(OCT_20 + timedelta(days=2))
    assert record_expiries(db, settings) == 1
    db.refresh(lot)
    assert lot.expired_recorded_at is not None
    assert [e.kind for e in events_of(db, user.id)] == ["grant", "purchase", "spend"]


def test_expiry_task_works_in_batches(db, settings):
    settings.connects_task_batch_size = 2
    clock.set_now(OCT_20)
    user = make_freelancer(db, settings)
    for n in range(5):
        issue_lot(
            db,
            settings,
            user.id,
            kind="award",
            source=f"a{n}",
            amount=1,
            expires_at=OCT_20 + timedelta(days=1, minutes=n),
        )
    clock.set_now(OCT_20 + timedelta(days=2))
    assert record_expiries(db, settings) == 5
    balances = [e.balance_after for e in events_of(db, user.id) if e.kind == "expire"]
    assert balances == [14, 13, 12, 11, 10]
