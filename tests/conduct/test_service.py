"""The conduct case workflow with the clock (trust.md §1.3): every step allowed or refused,
its event and audit record, the client told in the app and by email, and the restriction's
effects on jobs, Connects, offers and the account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conduct.conftest import (
    DAY,
    T,
    agent,
    contacted_case,
    monitored_case,
    new_case,
    restricted_case,
)
from tests.contracts.conftest import draft, hire, make_world
from tests.factories import make_client, make_job
from workhall.audit.models import AuditEvent
from workhall.conduct import queries, service
from workhall.conduct.models import ClientStatusChange, ConductCaseEvent
from workhall.connects.service import connects_balance
from workhall.contracts import offers
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.jobs import service as jobs
from workhall.jobs.rules import JobDraft
from workhall.notifications.models import Notification, OutboxEmail

SECOND = timedelta(seconds=1)


def events(db, case) -> list[ConductCaseEvent]:
    return list(
        db.scalars(
            select(ConductCaseEvent)
            .where(ConductCaseEvent.case_id == case.id)
            .order_by(ConductCaseEvent.id)
        )
    )


def statuses(db, client) -> list[str]:
    return list(
        db.scalars(
            select(ClientStatusChange.status)
            .where(ClientStatusChange.client_id == client.id)
            .order_by(ClientStatusChange.id)
        )
    )


def test_open_case_is_unique_per_client_and_instant(db, settings):
    client = make_client(db, settings)
    case = new_case(db, client)
    assert service.open_case(db, client.id, T, queries_signals()) is None
    assert service.open_case(db, client.id, T + DAY, queries_signals()) is None  # still open
    assert case.status == "open"


def queries_signals():
    from tests.conduct.conftest import SIGNALS

    return SIGNALS


def test_an_agent_contacts_the_client_in_the_app_and_by_email(db, settings):
    client = make_client(db, settings)
    case = new_case(db, client)
    staff = agent(db, settings)
    clock.set_now(T + DAY)
    service.contact(db, settings, staff, case.id, "  We noticed harsh scores.  ")
    assert (case.status, case.contacted_at, case.contact_message) == (
        "contacted",
        T + DAY,
        "We noticed harsh scores.",
    )
    note = db.scalars(select(Notification).where(Notification.user_id == client.id)).one()
    assert note.link == "/account/standing"
    mail = db.scalars(
        select(OutboxEmail).where(OutboxEmail.user_id == client.id).order_by(OutboxEmail.id.desc())
    ).first()
    assert "Trust & safety" in mail.subject and "We noticed harsh scores." in mail.body
    last = events(db, case)[-1]
    assert (last.kind, last.actor_id, last.at, last.note) == (
        "contacted",
        staff.id,
        T + DAY,
        "We noticed harsh scores.",
    )
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "conduct.contacted")).one()
    assert audit.actor_id == staff.id and audit.subject_id == str(case.id)
    with pytest.raises(Conflict):
        service.contact(db, settings, staff, case.id, "Again")


@pytest.mark.parametrize("role", ["support", ""])
def test_only_trust_and_safety_contacts(db, settings, role):
    case = new_case(db, make_client(db, settings))
    with pytest.raises(Forbidden):
        service.contact(db, settings, agent(db, settings, role), case.id, "Hello")
    admin = agent(db, settings, "admin")
    with pytest.raises(Unprocessable):
        service.contact(db, settings, admin, case.id, "   ")
    with pytest.raises(Unprocessable):
        service.contact(db, settings, admin, case.id, "x" * 5001)
    with pytest.raises(NotFound):
        service.contact(db, settings, admin, case.id + 1000, "Hello")
    service.contact(db, settings, admin, case.id, "Hello")
    assert case.status == "contacted"


def test_overdue_when_open_more_than_7_days(db, settings):
    client = make_client(db, settings)
    case = new_case(db, client)
    staff = agent(db, settings)
    assert not queries.overdue(case, T + 7 * DAY, settings)
    assert queries.overdue(case, T + 7 * DAY + SECOND, settings)
    rows = queries.staff_queue(db, settings, staff, T + 8 * DAY, only_overdue=True)
    assert [r.case.id for r in rows] == [case.id] and rows[0].overdue
    assert queries.staff_queue(db, settings, staff, T + 6 * DAY, only_overdue=True) == []


def test_the_client_acknowledges_and_monitoring_starts(db, settings):
    client = make_client(db, settings)
    case = contacted_case(db, settings, client)
    clock.set_now(T + 2 * DAY)
    service.acknowledge(db, settings, client)
    assert (case.status, case.acknowledged_at, case.monitoring_started_at) == (
        "monitoring",
        T + 2 * DAY,
        T + 2 * DAY,
    )
    assert case.monitoring_due_at == T + 92 * DAY
    assert events(db, case)[-1].actor_id == client.id
    with pytest.raises(Conflict):
        service.acknowledge(db, settings, client)


def test_monitoring_starts_by_itself_7_days_after_contact(db, settings):
    client = make_client(db, settings)
    case = contacted_case(db, settings, client)
    clock.set_now(T + 7 * DAY - SECOND)
    assert service.start_due_monitoring(db, settings) == 0
    clock.set_now(T + 7 * DAY)
    assert service.start_due_monitoring(db, settings) == 1
    assert service.start_due_monitoring(db, settings) == 0
    assert case.status == "monitoring" and case.acknowledged_at is None
    assert events(db, case)[-1].actor_id is None


def test_nobody_acknowledges_or_appeals_another_clients_case(db, settings):
    client = make_client(db, settings)
    case = contacted_case(db, settings, client)
    other = make_client(db, settings)
    with pytest.raises(NotFound):
        service.acknowledge(db, settings, other)
    with pytest.raises(NotFound):
        service.appeal(db, settings, other, "Not mine")
    assert case.status == "contacted"


def test_a_restriction_closes_jobs_with_connects_back_and_refuses_posting_and_offers(db, settings):
    clock.set_now(T - 120 * DAY)
    w = make_world(db, settings)
    contract, _ = hire(db, settings, w, 10_000)
    job = make_job(db, settings, w.client)
    from workhall.proposals.service import submit_proposal

    other = make_world(db, settings)  # a freelancer to spend Connects on the client's job
    before = connects_balance(db, other.freelancer.id)
    submit_proposal(db, settings, other.freelancer, job.id, "I can help with this job." * 3, 5_000)
    spent = before - connects_balance(db, other.freelancer.id)
    assert spent > 0
    case = restricted_case(db, settings, w.client, T - 100 * DAY)
    assert case.status == "restricted"
    assert w.client.status == "restricted"
    assert job.status == "removed" and job.close_reason == "client_restricted"
    assert connects_balance(db, other.freelancer.id) == before
    assert contract.status == "active"  # existing contracts continue
    assert statuses(db, w.client) == ["restricted"]
    with pytest.raises(Forbidden, match="restricted"):
        jobs.post_job(
            db,
            settings,
            w.client,
            JobDraft(
                title="Another booking app",
                description="A small booking web application with an admin and e-mails.",
                category="web-dev",
                skills=("python",),
                budget_type="fixed",
                budget_cents=10_000,
                duration="lt1m",
                experience_level="intermediate",
            ),
        )
    with pytest.raises(Forbidden, match="restricted"):
        offers.send_offer(db, settings, w.client, draft(5_000), freelancer=other.freelancer.id)
    mail = db.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.user_id == w.client.id)
        .order_by(OutboxEmail.id.desc())
    ).first()
    assert "restricted" in mail.subject


def test_appeal_once_within_30_days_then_the_agent_reinstates(db, settings):
    client = make_client(db, settings)
    case = restricted_case(db, settings, client)
    restricted_at = case.restricted_at
    clock.set_now(restricted_at + 30 * DAY - SECOND)
    with pytest.raises(Unprocessable):
        service.appeal(db, settings, client, "  ")
    service.appeal(db, settings, client, "I was under pressure; it will not happen again.")
    assert case.status == "appealed" and case.appeal_text.startswith("I was")
    with pytest.raises(Conflict, match="already"):
        service.appeal(db, settings, client, "Again")
    clock.set_now(restricted_at + 40 * DAY)
    assert service.ban_unappealed(db, settings) == 0  # appealed: waits for the agent
    staff = agent(db, settings)
    with pytest.raises(Unprocessable):
        service.decide_appeal(db, settings, staff, case.id, "maybe", "Note")
    with pytest.raises(Unprocessable):
        service.decide_appeal(db, settings, staff, case.id, "reinstated", "")
    with pytest.raises(Forbidden):
        service.decide_appeal(db, settings, agent(db, settings, "support"), case.id, "banned", "x")
    service.decide_appeal(db, settings, staff, case.id, "reinstated", "Accepted; be kind.")
    assert (case.status, case.open_key, case.closed_at) == (
        "reinstated",
        None,
        restricted_at + 40 * DAY,
    )
    assert client.status == "active"
    assert statuses(db, client) == ["restricted", "active"]
    with pytest.raises(Conflict):
        service.decide_appeal(db, settings, staff, case.id, "banned", "Changed my mind")


def test_the_agent_may_ban_on_appeal(db, settings):
    client = make_client(db, settings)
    case = restricted_case(db, settings, client)
    service.appeal(db, settings, client, "Please reconsider.")
    service.decide_appeal(db, settings, agent(db, settings), case.id, "banned", "Refused.")
    assert case.status == "banned" and client.status == "suspended"
    assert statuses(db, client) == ["restricted", "banned"]


def test_appeal_window_closes_at_30_days_and_the_ban_follows(db, settings):
    client = make_client(db, settings)
    case = restricted_case(db, settings, client)
    closes = case.restricted_at + 30 * DAY
    clock.set_now(closes - SECOND)
    assert service.ban_unappealed(db, settings) == 0
    clock.set_now(closes)
    with pytest.raises(Conflict, match="passed"):
        service.appeal(db, settings, client, "Too late")
    assert service.ban_unappealed(db, settings) == 1
    assert service.ban_unappealed(db, settings) == 0
    assert (case.status, client.status) == ("banned", "suspended")
    assert statuses(db, client) == ["restricted", "banned"]
    assert events(db, case)[-1].actor_id is None


def test_refused_steps_write_nothing(db, settings):
    client = make_client(db, settings)
    case = monitored_case(db, settings, client)
    n = db.scalar(select(func.count()).select_from(ConductCaseEvent))
    with pytest.raises(Conflict):
        service.appeal(db, settings, client, "Not restricted")
    with pytest.raises(Conflict):
        service.decide_appeal(db, settings, agent(db, settings), case.id, "reinstated", "x")
    assert db.scalar(select(func.count()).select_from(ConductCaseEvent)) == n
    assert case.status == "monitoring"


def test_freelancers_reports_of_the_clients_jobs_show_on_the_case(db, settings):
    from tests.factories import make_freelancer

    client = make_client(db, settings)
    case = new_case(db, client)
    job = make_job(db, settings, client)
    reporter = make_freelancer(db, settings)
    jobs.report_job(db, reporter, job.id, "The client insulted me in the messages.")
    jobs.report_job(db, make_client(db, settings), job.id, "Spam job")  # not a freelancer
    [row] = queries.reports_on(db, client.id)
    assert row.reporter.id == reporter.id and row.job.id == job.id
    [queued] = queries.staff_queue(db, settings, agent(db, settings), T)
    assert queued.case.id == case.id and queued.reports == 1
