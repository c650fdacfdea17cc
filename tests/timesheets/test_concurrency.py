"""Two workers at once invoice a week once and pay an invoice once (marketplace.md §5; quality.md
§2) — real threads, each with its own transaction on the real database."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.timesheets.conftest import hire_hourly
from workhall.core import clock
from workhall.core.db import Database
from workhall.ledger import service as ledger
from workhall.payments.models import ClientCharge, Payment
from workhall.timesheets import invoicing, service
from workhall.timesheets.models import HourlyInvoice

pytestmark = pytest.mark.concurrency


def race(database: Database, calls: list[Callable[..., int]]) -> Counter[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(call: Callable[..., int]) -> None:
        barrier.wait()
        try:
            with database.unit_of_work() as session:
                outcome = f"ok:{call(session)}"
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


def logged_week(committed_db: Database, settings) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with committed_db.unit_of_work() as db:
        h = hire_hourly(db, settings)
        clock.set_now(datetime(2026, 12, 2, 12, tzinfo=UTC))
        service.log_time(
            db,
            settings,
            h.freelancer,
            h.contract.id,
            work_date=date(2026, 12, 1),
            minutes=300,
            memo="API work",
        )
        return h.client.id, h.freelancer.id, h.contract.id


def test_two_workers_invoice_a_week_once(committed_db, settings):  # type: ignore[no-untyped-def]
    client_id, _, _ = logged_week(committed_db, settings)
    clock.set_now(datetime(2026, 12, 7, 0, 5, tzinfo=UTC))
    outcomes = race(committed_db, [lambda s: invoicing.invoice_due_weeks(s, settings)] * 2)
    assert outcomes == Counter({"ok:1": 1, "ok:0": 1})
    with committed_db.unit_of_work(write=False) as db:
        assert db.scalar(select(func.count()).select_from(HourlyInvoice)) == 1
        assert db.scalar(select(func.count()).select_from(ClientCharge)) == 1
        assert ledger.user_balances(db, client_id)["escrow"] == 25_000
        assert ledger.ledger_problems(db) == []


def test_two_workers_pay_an_invoice_once(committed_db, settings):  # type: ignore[no-untyped-def]
    client_id, freelancer_id, _ = logged_week(committed_db, settings)
    clock.set_now(datetime(2026, 12, 7, 0, 5, tzinfo=UTC))
    with committed_db.unit_of_work() as db:
        assert invoicing.invoice_due_weeks(db, settings) == 1
    clock.set_now(datetime(2026, 12, 12, 0, 5, tzinfo=UTC))
    outcomes = race(committed_db, [lambda s: invoicing.pay_due_invoices(s, settings)] * 2)
    assert outcomes == Counter({"ok:1": 1, "ok:0": 1})
    with committed_db.unit_of_work(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Payment)) == 1
        assert ledger.user_balances(db, client_id)["escrow"] == 0
        assert ledger.user_balances(db, freelancer_id)["freelancer_pending"] == 22_500
        assert ledger.ledger_problems(db) == []
