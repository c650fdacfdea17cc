"""Workshop seats under real concurrency (reputation.md §2.5; quality.md §2): many Top Rated
freelancers register at once, and cancellations race registrations — each in its own thread
and transaction, on SQLite and PostgreSQL. The capacity is never exceeded and the waiting list
stays in one order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.community.conftest import make_staff, make_top_rated
from tests.contracts.test_concurrency import race
from workhall.accounts.models import User
from workhall.community import workshops
from workhall.community.models import WorkshopRegistration
from workhall.core.clock import utcnow
from workhall.core.db import Database

pytestmark = pytest.mark.concurrency

CAPACITY = 3


def setup(committed_db: Database, settings, freelancers: int) -> tuple[int, list[int]]:
    with committed_db.unit_of_work() as db:
        staff = make_staff(db, settings, "support")
        w = workshops.create_workshop(
            db,
            staff,
            workshops.WorkshopDraft(
                "Live proposal review",
                "Bring a proposal.",
                utcnow() + timedelta(days=3),
                60,
                CAPACITY,
                "https://meet.example.com/x",
            ),
        )
        ids = [make_top_rated(db, settings).id for _ in range(freelancers)]
        return w.id, ids


def states(committed_db: Database, workshop_id: int) -> dict[str, list[int]]:
    with committed_db.unit_of_work(write=False) as db:
        rows = db.scalars(
            select(WorkshopRegistration)
            .where(WorkshopRegistration.workshop_id == workshop_id)
            .order_by(WorkshopRegistration.queued_at, WorkshopRegistration.id)
        )
        found: dict[str, list[int]] = {"registered": [], "waiting": [], "cancelled": []}
        for r in rows:
            found[r.status].append(r.user_id)
        return found


def register(workshop_id: int, user_id: int):
    return lambda s: workshops.register(s, s.get(User, user_id), workshop_id) and None


def cancel(workshop_id: int, user_id: int):
    return lambda s: workshops.cancel(s, s.get(User, user_id), workshop_id) and None


def test_simultaneous_registrations_never_exceed_capacity(committed_db, settings):
    wid, ids = setup(committed_db, settings, 8)
    outcomes = race(committed_db, [register(wid, uid) for uid in ids])
    assert outcomes == {"ok": 8}, outcomes
    found = states(committed_db, wid)
    assert len(found["registered"]) == CAPACITY and len(found["waiting"]) == 5
    with committed_db.unit_of_work(write=False) as db:
        positions = sorted(
            workshops.seat_of(db, db.get(User, uid), wid).position  # type: ignore[union-attr,arg-type]
            for uid in found["waiting"]
        )
    assert positions == [1, 2, 3, 4, 5]


def test_cancellations_racing_registrations(committed_db, settings):
    wid, ids = setup(committed_db, settings, 9)
    for uid in ids[:5]:  # 3 registered, 2 waiting
        with committed_db.unit_of_work() as db:
            workshops.register(db, db.get(User, uid), wid)  # type: ignore[arg-type]
    before = states(committed_db, wid)
    first_waiting = before["waiting"][0]
    calls = [cancel(wid, uid) for uid in before["registered"][:2]]
    calls += [register(wid, uid) for uid in ids[5:]]
    outcomes = race(committed_db, calls)
    assert outcomes == {"ok": 6}, outcomes
    after = states(committed_db, wid)
    assert len(after["registered"]) == CAPACITY
    assert first_waiting in after["registered"]  # the head of the line got a freed seat
    assert len(after["waiting"]) == 9 - 2 - CAPACITY
    # a third cancellation promotes exactly one more, from the head of the line
    head = after["waiting"][0]
    with committed_db.unit_of_work() as db:
        promoted = workshops.cancel(db, db.get(User, after["registered"][0]), wid)  # type: ignore[arg-type]
        assert promoted is not None and promoted.user_id == head
    assert len(states(committed_db, wid)["registered"]) == CAPACITY
