"""Two workers evaluating the same instant open one case, and two running the ban task ban
once (real threads, each with its own transaction; SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conduct.conftest import DAY, T, flaggable_client, restricted_case
from tests.contracts.test_concurrency import race
from tests.factories import make_client
from workhall.conduct import service
from workhall.conduct.evaluation import evaluate_clients
from workhall.conduct.models import ClientStatusChange, ConductCase
from workhall.core import clock

pytestmark = pytest.mark.concurrency


def test_two_workers_open_one_case(committed_db, settings):
    clock.set_now(T)
    with committed_db.unit_of_work() as db:
        flaggable_client(db, settings)
    outcomes = race(committed_db, [lambda s: evaluate_clients(s, settings, T)] * 2)
    assert sorted(outcomes.elements()) == ["ok:0", "ok:1"], outcomes
    with committed_db.unit_of_work(write=False) as db:
        assert db.scalar(select(func.count()).select_from(ConductCase)) == 1


def test_two_workers_ban_once(committed_db, settings):
    with committed_db.unit_of_work() as db:
        restricted_case(db, settings, make_client(db, settings))
    clock.set_now(T + 31 * DAY)
    outcomes = race(committed_db, [lambda s: service.ban_unappealed(s, settings)] * 2)
    assert sorted(outcomes.elements()) == ["ok:0", "ok:1"], outcomes
    with committed_db.unit_of_work(write=False) as db:
        statuses = db.scalars(select(ClientStatusChange.status)).all()
        assert sorted(statuses) == ["banned", "restricted"]
