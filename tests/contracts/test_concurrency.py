"""Money moves once under real concurrency (quality.md §2): two approvals of the same
milestone racing, an approval racing the automatic approval, and two workers at once — real
threads, each with its own transaction on the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.contracts.conftest import T0, hire, make_world
from workhall.accounts.models import User
from workhall.contracts import returns, service
from workhall.contracts.models import Milestone
from workhall.core import clock
from workhall.core.db import Database
from workhall.core.errors import Problem
from workhall.ledger import service as ledger
from workhall.payments.models import ClientRefund, Payment

pytestmark = pytest.mark.concurrency


def race(database: Database, calls: list[Callable[..., object]]) -> Counter[str]:
    """Run each call in its own thread and unit of work, all released at once."""
    barrier = threading.Barrier(len(calls))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(call: Callable[..., object]) -> None:
        barrier.wait()
        try:
            with database.unit_of_work() as session:
                result = call(session)
            outcome = f"ok:{result}" if isinstance(result, int) else "ok"
        except Problem as exc:
            outcome = str(exc.status)
        except Exception as exc:  # pragma: no cover - reported by the assertion
            outcome = f"crash: {exc!r}"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def submitted_milestone(committed_db: Database, settings, *, end: bool = False):
    clock.set_now(T0)
    with committed_db.unit_of_work() as db:
        w = make_world(db, settings)
        contract, (m,) = hire(db, settings, w, 25_000)
        service.fund_milestone(db, settings, w.client, m.id)
        service.submit_work(db, settings, w.freelancer, m.id, "All done.")
        if end:
            service.end_contract(db, settings, w.client, contract.id)
        return w.client.id, w.freelancer.id, contract.id, m.id


def money_moved_once(committed_db: Database, client_id: int, freelancer_id: int) -> None:
    with committed_db.unit_of_work(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Payment)) == 1
        assert ledger.user_balances(db, client_id)["escrow"] == 0
        assert ledger.user_balances(db, freelancer_id)["freelancer_pending"] == 22_500
        assert ledger.ledger_problems(db) == []


def test_two_approvals_at_once_release_once(committed_db, settings):
    client_id, freelancer_id, _, milestone_id = submitted_milestone(committed_db, settings)

    def approve(session):
        service.approve_milestone(session, settings, session.get(User, client_id), milestone_id)

    assert race(committed_db, [approve, approve]) == Counter({"ok": 1, "409": 1})
    money_moved_once(committed_db, client_id, freelancer_id)


def test_approval_racing_the_automatic_approval(committed_db, settings):
    client_id, freelancer_id, _, milestone_id = submitted_milestone(committed_db, settings)
    clock.set_now(T0 + timedelta(days=14))

    def approve(session):
        service.approve_milestone(session, settings, session.get(User, client_id), milestone_id)

    def worker(session):
        return service.auto_approve_due_milestones(session, settings)

    outcomes = race(committed_db, [approve, worker, worker])
    # Exactly one of the three approves; the others find it approved (409) or nothing due.
    assert outcomes["ok"] + outcomes["ok:1"] == 1, outcomes
    assert outcomes["ok:0"] + outcomes["409"] == 2, outcomes
    money_moved_once(committed_db, client_id, freelancer_id)
    with committed_db.unit_of_work(write=False) as db:
        assert db.get(Milestone, milestone_id).status == "approved"


def test_refund_racing_the_unanswered_return(committed_db, settings):
    client_id, freelancer_id, contract_id, _ = submitted_milestone(committed_db, settings, end=True)
    with committed_db.unit_of_work() as db:
        request_id = returns.request_escrow_return(
            db, settings, db.get(User, client_id), contract_id
        ).id
    clock.set_now(T0 + timedelta(days=7))

    def refund(session):
        returns.refund_escrow_return(
            session, settings, session.get(User, freelancer_id), request_id
        )

    def worker(session):
        return returns.return_unanswered_escrow(session, settings)

    outcomes = race(committed_db, [refund, worker, worker])
    assert outcomes["ok"] + outcomes["ok:1"] == 1, outcomes
    with committed_db.unit_of_work(write=False) as db:
        assert db.scalar(select(func.count()).select_from(ClientRefund)) == 1
        assert ledger.user_balances(db, client_id)["escrow"] == 0
        assert ledger.ledger_problems(db) == []
