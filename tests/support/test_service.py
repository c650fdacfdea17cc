"""Support tickets through the service (reputation.md §2.5 "Premium support"): the priority is
fixed at opening from the standing, the first staff reply sets the first response, the user's
reply reopens, and agents see the queue ordered by due time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_client, make_freelancer
from tests.support.conftest import T0, count, evaluate, make_staff, make_top_rated
from workhall.audit.models import AuditEvent
from workhall.core import clock
from workhall.core.errors import Forbidden, NotFound, Unprocessable
from workhall.notifications.models import Notification
from workhall.support import service
from workhall.support.models import SupportMessage, SupportTicket


@pytest.fixture(autouse=True)
def _frozen():
    clock.set_now(T0)


def test_top_rated_ticket_is_priority_due_in_4_hours(db, settings):
    user = make_top_rated(db, settings)
    t = service.open_ticket(db, settings, user, "Payout", "payments", "Where is my payout?")
    assert t.priority == "priority" and t.status == "open"
    assert t.first_response_due_at == T0 + timedelta(hours=4)
    assert t.response_due_at == t.first_response_due_at
    assert [m.body for m in service.messages_of(db, t.id)] == ["Where is my payout?"]


@pytest.mark.parametrize("maker", [make_freelancer, make_client])
def test_everyone_else_is_standard_due_in_24_hours(db, settings, maker):
    user = maker(db, settings)
    t = service.open_ticket(db, settings, user, "Question", "account", "How do I…?")
    assert t.priority == "standard"
    assert t.first_response_due_at == T0 + timedelta(hours=24)


def test_plus_is_priority_and_lost_badge_is_not(db, settings):
    plus = make_top_rated(db, settings, "top_rated_plus")
    former = make_top_rated(db, settings)
    evaluate(db, former, "none", at=T0 - timedelta(hours=1))  # the latest evaluation holds
    a = service.open_ticket(db, settings, plus, "A", "other", "a")
    b = service.open_ticket(db, settings, former, "B", "other", "b")
    assert (a.priority, b.priority) == ("priority", "standard")


def test_priority_is_fixed_at_creation(db, settings):
    user = make_freelancer(db, settings)
    t = service.open_ticket(db, settings, user, "Q", "other", "q")
    evaluate(db, user, "top_rated", at=T0)
    clock.set_now(T0 + timedelta(hours=1))
    service.post_reply(db, settings, user, t.id, "Any news?")
    assert t.priority == "standard"


def test_settings_change_the_targets(db, settings):
    settings.support_priority_response_hours = 2
    user = make_top_rated(db, settings)
    t = service.open_ticket(db, settings, user, "Q", "other", "q")
    assert t.first_response_due_at == T0 + timedelta(hours=2)


def test_staff_do_not_open_tickets(db, settings):
    agent = make_staff(db, settings, "support")
    with pytest.raises(Forbidden):
        service.open_ticket(db, settings, agent, "Q", "other", "q")


@pytest.mark.parametrize(
    ("subject", "category", "body"),
    [("", "other", "q"), ("x" * 151, "other", "q"), ("Q", "refunds", "q"), ("Q", "other", "")],
)
def test_bad_input_writes_nothing(db, settings, subject, category, body):
    user = make_freelancer(db, settings)
    with pytest.raises(Unprocessable):
        service.open_ticket(db, settings, user, subject, category, body)
    assert count(db, SupportTicket) == 0 and count(db, SupportMessage) == 0


def test_first_staff_reply_sets_first_response_and_notifies(db, settings):
    user = make_top_rated(db, settings)
    agent = make_staff(db, settings, "support")
    t = service.open_ticket(db, settings, user, "Payout", "payments", "Where?")
    clock.set_now(T0 + timedelta(hours=3))
    service.post_reply(db, settings, agent, t.id, "On its way.")
    assert t.status == "answered" and t.first_response_at == T0 + timedelta(hours=3)
    assert t.response_due_at is None and t.assigned_to_id == agent.id
    clock.set_now(T0 + timedelta(hours=5))
    service.post_reply(db, settings, agent, t.id, "Arrived?")
    assert t.first_response_at == T0 + timedelta(hours=3)  # only the first reply sets it
    notes = db.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert len(notes) == 2 and notes[0].link == f"/support/{t.id}"
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "support_ticket")
    )
    assert list(actions) == ["support.reply", "support.reply"]


def test_user_reply_reopens_with_a_new_target(db, settings):
    user = make_freelancer(db, settings)
    agent = make_staff(db, settings, "support")
    t = service.open_ticket(db, settings, user, "Q", "other", "q")
    service.post_reply(db, settings, user, t.id, "More detail.")  # still open: target unchanged
    assert t.response_due_at == T0 + timedelta(hours=24)
    service.post_reply(db, settings, agent, t.id, "Answer.")
    service.close_ticket(db, user, t.id)
    assert t.status == "closed" and t.closed_at == T0
    clock.set_now(T0 + timedelta(days=2))
    service.post_reply(db, settings, user, t.id, "It happened again.")
    assert t.status == "open" and t.closed_at is None
    assert t.response_due_at == T0 + timedelta(days=3)
    assert t.first_response_at == T0  # the first response stays recorded


def test_only_the_owner_and_agents_reach_a_ticket(db, settings):
    owner = make_freelancer(db, settings)
    t = service.open_ticket(db, settings, owner, "Q", "other", "q")
    other = make_freelancer(db, settings)
    trust = make_staff(db, settings, "trust_safety")
    for outsider in (other, make_client(db, settings), trust):
        with pytest.raises(NotFound):
            service.ticket_for(db, outsider, t.id)
        with pytest.raises(NotFound):
            service.post_reply(db, settings, outsider, t.id, "hi")
    assert service.ticket_for(db, make_staff(db, settings, "admin"), t.id) is t
    assert service.my_tickets(db, other) == []


def test_queue_is_ordered_by_due_time(db, settings):
    agent = make_staff(db, settings, "support")
    plain = make_freelancer(db, settings)
    star = make_top_rated(db, settings)
    standard = service.open_ticket(db, settings, plain, "Standard", "other", "s")  # due T0+24h
    clock.set_now(T0 + timedelta(hours=10))
    priority = service.open_ticket(db, settings, star, "Priority", "other", "p")  # due T0+14h
    clock.set_now(T0 + timedelta(hours=11))
    later = service.open_ticket(db, settings, star, "Later", "other", "l")  # due T0+15h
    answered = service.open_ticket(db, settings, plain, "Answered", "other", "a")
    service.post_reply(db, settings, agent, answered.id, "Done.")
    queue = service.staff_queue(db, agent, status="open")
    assert [t.subject for t in queue] == ["Priority", "Later", "Standard"]
    assert [t.subject for t in service.staff_queue(db, agent, status="answered")] == ["Answered"]
    assert [t.id for t in service.staff_queue(db, agent, status="open", mine=True)] == []
    service.assign_to_self(db, agent, later.id)
    assert [t.id for t in service.staff_queue(db, agent, mine=True)] == [later.id]
    assert standard.id and priority.id


def test_queue_and_assignment_need_support_or_admin(db, settings):
    user = make_freelancer(db, settings)
    t = service.open_ticket(db, settings, user, "Q", "other", "q")
    for outsider in (make_staff(db, settings, "trust_safety"), user):
        with pytest.raises(Forbidden):
            service.staff_queue(db, outsider)
        with pytest.raises(Forbidden):
            service.assign_to_self(db, outsider, t.id)
    assert service.staff_queue(db, make_staff(db, settings, "admin")) == [t]
