"""The money of a dispute moves once under real concurrency (quality.md §2): two workers
running ``default-disputes`` at once, and the client's answer racing the default at the due
instant — real threads, each with its own transaction (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.contracts.conftest import T0, make_world
from tests.contracts.test_concurrency import race
from tests.disputes.conftest import file_on_milestone, sent_back_twice
from workhall.accounts.models import User
from workhall.core import clock
from workhall.core.db import Database
from workhall.disputes import service
from workhall.disputes.models import Dispute
from workhall.ledger import service as ledger
from workhall.payments.models import Payment

pytestmark = pytest.mark.concurrency


def filed(committed_db: Database, settings) -> tuple[int, int, int]:
    clock.set_now(T0)
    with committed_db.unit_of_work() as db:
        case = sent_back_twice(db, settings, make_world(db, settings))
        d = file_on_milestone(db, settings, case)
        return case.w.client.id, case.w.freelancer.id, d.id


def test_two_workers_default_once(committed_db, settings):
    client_id, freelancer_id, dispute_id = filed(committed_db, settings)
    clock.set_now(T0 + timedelta(days=5))
    outcomes = race(committed_db, [lambda s: service.default_unanswered_disputes(s, settings)] * 2)
    assert sorted(outcomes.elements()) == ["ok:0", "ok:1"], outcomes
    with committed_db.unit_of_work(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Payment)) == 1
        assert ledger.user_balances(db, client_id)["escrow"] == 0
        assert ledger.user_balances(db, freelancer_id)["freelancer_pending"] == 9_000
        assert db.get(Dispute, dispute_id).outcome == "freelancer_won"  # type: ignore[union-attr]
        assert ledger.ledger_problems(db) == []


def test_answer_and_default_at_once_just_before_the_due_instant(committed_db, settings):
    client_id, _, dispute_id = filed(committed_db, settings)
    clock.set_now(T0 + timedelta(days=5) - timedelta(microseconds=1))

    def answer(session):
        service.answer_dispute(
            session, settings, session.get(User, client_id), dispute_id, "We disagree."
        )

    def default(session):
        return service.default_unanswered_disputes(session, settings)

    race(committed_db, [answer, default])
    with committed_db.unit_of_work(write=False) as db:
        d = db.get(Dispute, dispute_id)
        assert d is not None
        # Before the due instant the answer wins and nothing is defaulted.
        assert d.status == "in_mediation"
        assert db.scalar(select(func.count()).select_from(Payment)) == 0
        assert ledger.ledger_problems(db) == []
