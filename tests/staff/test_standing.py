"""Holds, suspension and reinstatement (marketplace.md §1): status, the hold rows the
reputation engine reads, audit rows with actor and reason, the user's notification, and the
effects of a hold — no proposals, no job posts, no withdrawals, existing contracts go on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.contracts.conftest import LETTER, hire, make_world
from tests.factories import make_client, make_freelancer, make_job
from tests.staff.conftest import REASON, T0, count, make_staff
from workhall.accounts.models import AccountHold, AccountStatusChange
from workhall.audit.models import AuditEvent
from workhall.conduct.models import ClientStatusChange
from workhall.contracts import service as contracts
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, Unprocessable
from workhall.jobs.service import post_job
from workhall.notifications.models import Notification, OutboxEmail
from workhall.payments.payouts import withdraw
from workhall.proposals import service as proposals
from workhall.staff import standing
from workhall.staff.tasks import TASKS


@pytest.fixture
def agent(db, settings):
    clock.set_now(T0)
    return make_staff(db, settings, "trust_safety")


def events(db, action):
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def notes(db, user):
    return [n.text for n in db.scalars(select(Notification).where(Notification.user_id == user.id))]


def test_place_hold_records_everything(db, settings, agent):
    fl = make_freelancer(db, settings)
    hold = standing.place_hold(db, settings, agent, fl.id, f"  {REASON}  ")
    assert fl.status == "on_hold"
    assert (hold.starts_at, hold.ends_at, hold.placed_by_id) == (T0, None, agent.id)
    assert hold.reason == REASON
    change = db.scalar(select(AccountStatusChange).where(AccountStatusChange.user_id == fl.id))
    assert (change.from_status, change.to_status, change.actor_id) == (
        "active",
        "on_hold",
        agent.id,
    )
    placed = events(db, "account.hold_placed")
    assert len(placed) == 1 and placed[0].actor_id == agent.id
    assert placed[0].subject_id == str(fl.id) and placed[0].data["reason"] == REASON
    assert len(events(db, "account.status")) == 1
    assert any(REASON in t and "on hold" in t for t in notes(db, fl))
    mails = db.scalars(select(OutboxEmail).where(OutboxEmail.user_id == fl.id)).all()
    assert any(REASON in m.subject and "cannot send proposals" in m.body for m in mails)


def test_hold_effects_proposals_jobs_withdrawals_refused_contracts_continue(db, settings, agent):
    clock.set_now(T0)
    w = make_world(db, settings)
    contract, (m, *_) = hire(db, settings, w, 10_000)
    other_job = make_job(db, settings)
    w.freelancer.identity_verified_at = T0
    standing.place_hold(db, settings, agent, w.freelancer.id, REASON)
    standing.place_hold(db, settings, agent, w.client.id, REASON)

    with pytest.raises(Forbidden, match="on hold; you cannot send proposals"):
        proposals.submit_proposal(db, settings, w.freelancer, other_job.id, LETTER, 10_000)
    from workhall.jobs.rules import JobDraft

    draft = JobDraft(
        title="Another booking app",
        description="We need a small booking web application with an admin and e-mails.",
        category="web-dev",
        skills=("python",),
        budget_type="fixed",
        budget_cents=10_000,
        duration="lt1m",
        experience_level="intermediate",
    )
    with pytest.raises(Forbidden, match="on hold; you cannot post a job"):
        post_job(db, settings, w.client, draft)
    with pytest.raises(Forbidden, match="on hold: withdrawals need an active account"):
        withdraw(db, settings, w.freelancer, 5_000, 1, "key-1")
    # The contract in progress goes on: fund, submit, approve.
    contracts.fund_milestone(db, settings, w.client, m.id)
    contracts.submit_work(db, settings, w.freelancer, m.id, "Done, as agreed.")
    approved = contracts.approve_milestone(db, settings, w.client, m.id)
    db.flush()
    assert approved.status == "approved"
    assert contract.status == "active"


def test_lift_hold_returns_to_active_only_when_no_other_hold(db, settings, agent):
    fl = make_freelancer(db, settings)
    first = standing.place_hold(db, settings, agent, fl.id, REASON)
    second = standing.place_hold(db, settings, agent, fl.id, "Identity documents look altered.")
    assert count(db, AccountHold) == 2 and fl.status == "on_hold"
    clock.set_now(T0 + timedelta(hours=1))
    standing.lift_hold(db, settings, agent, first.id, "Bank confirmed the cards.")
    assert first.ends_at == T0 + timedelta(hours=1) and first.lifted_by_id == agent.id
    assert first.lift_reason == "Bank confirmed the cards."
    assert fl.status == "on_hold"
    assert any("still in force" in t for t in notes(db, fl))
    standing.lift_hold(db, settings, agent, second.id, "Documents checked again: genuine.")
    assert fl.status == "active"
    assert len(events(db, "account.hold_lifted")) == 2
    with pytest.raises(Conflict, match="already ended"):
        standing.lift_hold(db, settings, agent, second.id, "Lifting twice by mistake.")


def test_timed_hold_ends_by_itself(db, settings, agent, database):
    fl = make_freelancer(db, settings)
    other = make_freelancer(db, settings)
    standing.place_hold(db, settings, agent, fl.id, REASON, T0 + timedelta(days=3))
    standing.place_hold(db, settings, agent, other.id, REASON)  # open-ended: stays
    (task,) = TASKS
    clock.set_now(T0 + timedelta(days=3) - timedelta(seconds=1))
    assert task.fn(db, settings) == 0
    assert fl.status == "on_hold"
    clock.set_now(T0 + timedelta(days=3))
    assert task.fn(db, settings) == 1
    assert fl.status == "active" and other.status == "on_hold"
    assert task.fn(db, settings) == 0  # once
    ended = events(db, "account.hold_ended")
    assert len(ended) == 1 and ended[0].actor_id is None and ended[0].subject_id == str(fl.id)
    assert "The hold on your account has ended." in notes(db, fl)


def test_suspend_and_reinstate(db, settings, agent):
    fl = make_freelancer(db, settings)
    standing.place_hold(db, settings, agent, fl.id, REASON)
    standing.suspend(db, settings, agent, fl.id, "Running several accounts.")
    assert fl.status == "suspended"
    assert events(db, "account.suspended")[0].data["reason"] == "Running several accounts."
    with pytest.raises(Conflict):
        standing.suspend(db, settings, agent, fl.id, "Running several accounts.")
    standing.reinstate(db, settings, agent, fl.id, "Appeal accepted after a call.")
    assert fl.status == "on_hold"  # the hold still covers now
    ev = events(db, "account.reinstated")[0]
    assert ev.actor_id == agent.id and ev.data["to_status"] == "on_hold"
    assert any("reinstated" in t for t in notes(db, fl))
    with pytest.raises(Conflict, match="Only a suspended account"):
        standing.reinstate(db, settings, agent, fl.id, "Appeal accepted after a call.")


def test_reinstating_a_restricted_client_restores_restricted(db, settings, agent):
    cl = make_client(db, settings, status="restricted")
    standing.suspend(db, settings, agent, cl.id, "Threatening messages.")
    standing.reinstate(db, settings, agent, cl.id, "Messages were from a hijacked session.")
    assert cl.status == "restricted"


def test_conduct_ban_is_not_reinstated_here(db, settings, agent):
    cl = make_client(db, settings)
    standing.suspend(db, settings, agent, cl.id, "Conduct case: banned.")
    db.add(ClientStatusChange(client_id=cl.id, at=T0, status="banned", note="ban"))
    db.flush()
    with pytest.raises(Conflict, match="conduct"):
        standing.reinstate(db, settings, agent, cl.id, "Trying to reinstate.")
    assert cl.status == "suspended"


@pytest.mark.parametrize(
    ("reason", "ends", "message"),
    [
        ("", None, "at least 5"),
        ("    ", None, "at least 5"),
        ("x" * 301, None, "under 301"),
        (REASON, T0 - timedelta(minutes=1), "in the future"),
        (REASON, T0, "in the future"),
        (REASON, T0 + timedelta(days=366), "within 365 days"),
    ],
)
def test_bad_input_writes_nothing(db, settings, agent, reason, ends, message):
    fl = make_freelancer(db, settings)
    with pytest.raises(Unprocessable, match=message):
        standing.place_hold(db, settings, agent, fl.id, reason, ends)
    assert count(db, AccountHold) == 0 and fl.status == "active"
    assert events(db, "account.hold_placed") == []


def test_who_may_act_on_whom(db, settings, agent):
    support = make_staff(db, settings, "support")
    fl = make_freelancer(db, settings)
    with pytest.raises(Forbidden):
        standing.place_hold(db, settings, support, fl.id, REASON)
    with pytest.raises(Forbidden, match="your own"):
        standing.suspend(db, settings, agent, agent.id, REASON)
    other_staff = make_staff(db, settings, "support")
    with pytest.raises(Forbidden, match="admin"):
        standing.place_hold(db, settings, agent, other_staff.id, REASON)
    admin = make_staff(db, settings, "admin")
    standing.place_hold(db, settings, admin, other_staff.id, REASON)
    assert other_staff.status == "on_hold"
    closed = make_freelancer(db, settings, status="closed")
    with pytest.raises(Conflict):
        standing.place_hold(db, settings, agent, closed.id, REASON)
    assert count(db, AccountHold) == 1
