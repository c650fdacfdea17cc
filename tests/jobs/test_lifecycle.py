"""Job states over time (marketplace.md §2): hires, keeping hiring, expiry, the worker task,
closing a restricted client's jobs, and the ``job_closed`` event every close publishes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_client, make_job
from workhall.audit.models import AuditEvent
from workhall.core import clock
from workhall.core.errors import Conflict
from workhall.jobs import service
from workhall.jobs.models import Job
from workhall.jobs.search import JobFilters, search_jobs
from workhall.worker import all_tasks, run_once

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def searchable(db, settings) -> set[int]:
    return {j.id for j in search_jobs(db, settings, JobFilters(q="booking")).items}


def test_a_first_hire_fills_the_job_unless_the_client_keeps_hiring(db, settings, closed_events):
    # spec: marketplace.md §2 — "A first hire leaves the job `open` only if the client asks to
    # keep hiring."
    clock.set_now(T0)
    job = make_job(db, settings)
    clock.set_now(T0 + DAY)
    service.record_hire(db, settings, job.id)
    assert job.status == "filled" and job.first_hire_at == T0 + DAY == job.closed_at
    assert closed_events == [{"job_id": job.id, "status": "filled", "reason": "filled"}]
    with pytest.raises(Conflict):
        service.record_hire(db, settings, job.id)

    keeps = make_job(db, settings)
    service.record_hire(db, settings, keeps.id, keep_hiring=True)
    clock.set_now(T0 + 5 * DAY)
    service.record_hire(db, settings, keeps.id)
    assert keeps.status == "open" and keeps.first_hire_at == T0 + DAY
    assert keeps.last_hire_at == T0 + 5 * DAY
    assert len(closed_events) == 1


def test_expiry_and_filling_by_time_run_once(db, settings, closed_events):
    clock.set_now(T0)
    lonely = make_job(db, settings, title="A booking job nobody takes")
    hiring = make_job(db, settings, title="A booking job that keeps hiring")
    service.record_hire(db, settings, hiring.id, keep_hiring=True)  # last hire at T0
    fresh = make_job(db, settings, title="A booking job posted later", posted_at=T0 + 20 * DAY)
    assert searchable(db, settings) == {lonely.id, hiring.id, fresh.id}

    # one second before 30 days: nothing is due
    assert service.expire_due_jobs(db, settings, T0 + 30 * DAY - timedelta(seconds=1)) == 0
    clock.set_now(T0 + 30 * DAY)
    assert service.expire_due_jobs(db, settings) == 2
    assert service.expire_due_jobs(db, settings) == 0  # run twice → one change
    db.expire_all()
    # spec: marketplace.md §2 — `expired` "30 days after posting with no hire"; `filled` "30
    # days after its last hire".
    assert db.get(Job, lonely.id).status == "expired"
    assert db.get(Job, hiring.id).status == "filled"
    assert db.get(Job, fresh.id).status == "open"
    assert db.get(Job, lonely.id).closed_at == T0 + 30 * DAY
    assert sorted((e["job_id"], e["reason"]) for e in closed_events) == sorted(
        [(lonely.id, "expired"), (hiring.id, "filled")]
    )
    assert searchable(db, settings) == {fresh.id}
    audits = db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action.in_(["job.expired", "job.filled"]))
    )
    assert audits == 2


def test_a_hire_that_lands_before_the_claim_wins(db, settings, closed_events):
    clock.set_now(T0)
    job = make_job(db, settings)
    clock.set_now(T0 + 30 * DAY)
    # the job hires just before the task claims it: it is no longer "no hire"
    db.execute(
        Job.__table__.update()
        .where(Job.id == job.id)
        .values(first_hire_at=T0 + 30 * DAY, last_hire_at=T0 + 30 * DAY, keep_hiring=True)
    )
    assert service.expire_due_jobs(db, settings) == 0
    db.expire_all()
    assert db.get(Job, job.id).status == "open"
    assert closed_events == []


def test_the_worker_knows_the_task(db, settings):
    assert "expire-jobs" in {t.name for t in all_tasks()}


@pytest.mark.concurrency
def test_two_workers_expire_a_job_once(committed_db, settings):
    with committed_db.unit_of_work() as session:
        job_id = make_job(session, settings, posted_at=datetime.now(UTC) - 31 * DAY).id
    task = [t for t in all_tasks() if t.name == "expire-jobs"]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def work() -> None:
        barrier.wait()
        results.append(run_once(committed_db, settings, task)["expire-jobs"])

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    with committed_db.unit_of_work(write=False) as session:
        assert session.get(Job, job_id).status == "expired"
        changes = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "job.expired", AuditEvent.subject_id == str(job_id))
        )
        assert changes == 1


def test_a_restricted_clients_open_jobs_close(db, settings, closed_events):
    # spec: trust.md §1.3 — "their open jobs are closed with Connects refunded"
    client = make_client(db, settings)
    open_a = make_job(db, settings, client)
    open_b = make_job(db, settings, client, visibility="invite_only")
    cancelled = make_job(db, settings, client)
    service.cancel_job(db, settings, client, cancelled.id)
    other = make_job(db, settings)
    closed_events.clear()
    assert service.close_jobs_of_restricted_client(db, settings, client.id) == 2
    assert {open_a.status, open_b.status} == {"removed"}
    assert open_a.close_reason == "client_restricted"
    assert cancelled.status == "cancelled" and other.status == "open"
    assert sorted(e["job_id"] for e in closed_events) == sorted([open_a.id, open_b.id])
    assert {e["reason"] for e in closed_events} == {"client_restricted"}


def test_every_close_is_published_once_with_its_reason(db, settings, closed_events):
    from tests.factories import make_user

    client = make_client(db, settings)
    agent = make_user(db, settings, "staff", staff_roles="trust_safety")
    cancelled = make_job(db, settings, client)
    removed = make_job(db, settings, client)
    filled = make_job(db, settings, client)
    service.cancel_job(db, settings, client, cancelled.id)
    service.remove_job(db, settings, agent, removed.id, "Off-platform payment request.")
    service.record_hire(db, settings, filled.id, keep_hiring=True)
    service.close_job(db, settings, client, filled.id)
    assert closed_events == [
        {"job_id": cancelled.id, "status": "cancelled", "reason": "cancelled"},
        {"job_id": removed.id, "status": "removed", "reason": "removed"},
        {"job_id": filled.id, "status": "filled", "reason": "filled"},
    ]
    with pytest.raises(Conflict):
        service.remove_job(db, settings, agent, cancelled.id, "Already closed anyway.")
