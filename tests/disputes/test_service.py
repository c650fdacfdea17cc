"""Disputes through the service (marketplace.md §5): filing, answering, each outcome with the
ledger following, the default after exactly 5 days, and the money frozen meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.disputes.conftest import T0, balances, file_on_milestone
from workhall.audit.models import AuditEvent
from workhall.contracts import returns
from workhall.contracts import service as contracts
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.disputes import service, tasks
from workhall.disputes.models import Dispute
from workhall.disputes.service import Subject
from workhall.ledger import service as ledger
from workhall.notifications.models import Notification
from workhall.payments.models import Payment

DEFAULT = next(t for t in tasks.TASKS if t.name == "default-disputes")
DAY = timedelta(days=1)


def fees(db) -> int:
    return ledger.balance(db, ledger.get_account(db, None, "fees").id)


def kinds(db, user) -> list[str]:
    return list(
        db.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .where(Notification.kind.like("dispute%"))
            .order_by(Notification.id)
        )
    )


def test_filing_records_the_dispute_and_tells_both(db, settings, case, disputed):
    assert disputed.status == "awaiting_client"
    assert disputed.subject_kind == "milestone" and disputed.milestone_id == case.milestone.id
    assert disputed.at_stake_cents == 10_000
    assert disputed.filed_at == T0 and disputed.answer_due == T0 + 5 * DAY
    assert kinds(db, case.w.client) == ["dispute_opened"]
    assert kinds(db, case.w.freelancer) == ["dispute_opened"]
    assert service.has_open_dispute(db, milestone_id=case.milestone.id)


def test_one_open_dispute_per_subject(db, settings, case, disputed):
    with pytest.raises(Conflict):
        file_on_milestone(db, settings, case)
    assert db.scalar(select(func.count()).select_from(Dispute)) == 1


def test_only_after_the_second_request_and_within_7_days(db, settings, world):
    from tests.disputes.conftest import hire

    _, (m, *_) = hire(db, settings, world, 10_000)
    contracts.fund_milestone(db, settings, world.client, m.id)
    contracts.submit_work(db, settings, world.freelancer, m.id, "Done.")
    contracts.request_changes(db, settings, world.client, m.id, "Once.")
    with pytest.raises(Conflict, match="second time"):
        service.file_dispute(db, settings, world.freelancer, Subject(milestone_id=m.id), "Unfair.")
    contracts.submit_work(db, settings, world.freelancer, m.id, "Fixed.")
    contracts.request_changes(db, settings, world.client, m.id, "Twice.")
    clock.advance(7 * DAY)  # exactly 7 days after the second request: too late
    with pytest.raises(Conflict, match="7 days"):
        service.file_dispute(db, settings, world.freelancer, Subject(milestone_id=m.id), "Unfair.")
    clock.advance(-timedelta(seconds=1))  # one second before: still in time
    d = service.file_dispute(db, settings, world.freelancer, Subject(milestone_id=m.id), "Unfair.")
    assert d.status == "awaiting_client"


def test_only_the_freelancer_files(db, settings, case, agent):
    with pytest.raises(Forbidden):
        service.file_dispute(
            db, settings, case.w.client, Subject(milestone_id=case.milestone.id), "x"
        )
    with pytest.raises(NotFound):
        service.file_dispute(db, settings, agent, Subject(milestone_id=case.milestone.id), "x")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 5001])
def test_bad_reason_stores_nothing(db, settings, case, reason):
    with pytest.raises(Unprocessable):
        service.file_dispute(
            db, settings, case.w.freelancer, Subject(milestone_id=case.milestone.id), reason
        )
    assert db.scalar(select(func.count()).select_from(Dispute)) == 0


def test_freelancer_won_releases_the_escrow(db, settings, case, answered, agent):
    d = service.decide_dispute(db, settings, agent, answered.id, outcome="freelancer_won")
    assert (d.status, d.outcome, d.freelancer_cents, d.client_cents) == (
        "decided",
        "freelancer_won",
        10_000,
        0,
    )
    assert d.decided_by_id == agent.id and d.open_key is None
    assert balances(db, case.w.client)["escrow"] == 0
    assert balances(db, case.w.freelancer)["freelancer_pending"] == 9_000  # 10% fee
    assert fees(db) == 300 + 1_000
    payment = db.scalar(select(Payment).where(Payment.milestone_id == case.milestone.id))
    assert payment is not None and payment.available_at == d.decided_at + 5 * DAY
    db.refresh(case.milestone)
    assert case.milestone.status == "approved"
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "dispute.decided"))
    assert audit is not None and audit.actor_id == agent.id
    assert kinds(db, case.w.client)[-1] == "dispute_decided"
    assert kinds(db, case.w.freelancer)[-1] == "dispute_decided"
    assert not service.has_open_dispute(db, milestone_id=case.milestone.id)


def test_client_won_refunds_the_escrow(db, settings, case, answered, agent):
    service.decide_dispute(db, settings, agent, answered.id, outcome="client_won")
    assert balances(db, case.w.client)["escrow"] == 0
    assert balances(db, case.w.client)["client_funds"] == 0  # back to the card, fee included
    assert balances(db, case.w.freelancer)["freelancer_pending"] == 0
    assert fees(db) == 0
    db.refresh(case.milestone)
    assert case.milestone.status == "refunded"


def test_split_applies_the_fee_to_the_freelancers_share(db, settings, case, answered, agent):
    d = service.decide_dispute(
        db,
        settings,
        agent,
        answered.id,
        outcome="split",
        freelancer_cents=6_000,
        client_cents=4_000,
        notes="Half the work was delivered.",
    )
    assert (d.freelancer_cents, d.client_cents, d.notes) == (
        6_000,
        4_000,
        "Half the work was delivered.",
    )
    assert balances(db, case.w.client)["escrow"] == 0
    assert balances(db, case.w.freelancer)["freelancer_pending"] == 5_400
    assert fees(db) == 300 - 120 + 600  # client fee refunded in proportion; 10% of 6,000


@pytest.mark.parametrize(
    ("outcome", "f", "c"),
    [("split", 6_000, 3_000), ("split", 10_000, 0), ("split", None, None), ("client_won", 1, 2)],
)
def test_bad_amounts_move_nothing(db, settings, case, answered, agent, outcome, f, c):
    with pytest.raises(Unprocessable):
        service.decide_dispute(
            db, settings, agent, answered.id, outcome=outcome, freelancer_cents=f, client_cents=c
        )
    db.refresh(answered)
    assert answered.status == "in_mediation"
    assert balances(db, case.w.client)["escrow"] == 10_000


def test_only_trust_safety_decides_and_only_after_the_answer(
    db, settings, case, disputed, agent, support
):
    with pytest.raises(Forbidden):
        service.decide_dispute(db, settings, support, disputed.id, outcome="client_won")
    with pytest.raises(Forbidden):
        service.decide_dispute(db, settings, case.w.client, disputed.id, outcome="client_won")
    with pytest.raises(Conflict):  # the client may still answer
        service.decide_dispute(db, settings, agent, disputed.id, outcome="client_won")
    service.answer_dispute(db, settings, case.w.client, disputed.id, "No.")
    service.decide_dispute(db, settings, agent, disputed.id, outcome="client_won")
    with pytest.raises(Conflict):  # decided once
        service.decide_dispute(db, settings, agent, disputed.id, outcome="freelancer_won")


def test_answer_window_is_5_days(db, settings, case, disputed):
    clock.set_now(T0 + 5 * DAY)
    with pytest.raises(Conflict):
        service.answer_dispute(db, settings, case.w.client, disputed.id, "Too late.")
    with pytest.raises(Forbidden):
        service.answer_dispute(db, settings, case.w.freelancer, disputed.id, "Not mine.")


def test_default_after_exactly_5_days(db, settings, case, disputed):
    clock.set_now(T0 + 5 * DAY - timedelta(seconds=1))
    assert DEFAULT.fn(db, settings) == 0
    assert balances(db, case.w.client)["escrow"] == 10_000
    clock.set_now(T0 + 5 * DAY)
    assert DEFAULT.fn(db, settings) == 1
    db.refresh(disputed)
    assert (disputed.status, disputed.outcome, disputed.decided_by_id) == (
        "decided",
        "freelancer_won",
        None,
    )
    assert disputed.decided_at == T0 + 5 * DAY and disputed.freelancer_cents == 10_000
    assert balances(db, case.w.client)["escrow"] == 0
    assert balances(db, case.w.freelancer)["freelancer_pending"] == 9_000
    # idempotent: a second run (or a second worker) finds nothing to do
    assert DEFAULT.fn(db, settings) == 0
    assert db.scalar(select(func.count()).select_from(Payment)) == 1
    assert kinds(db, case.w.client)[-1] == "dispute_decided"


def test_an_answered_dispute_does_not_default(db, settings, case, answered):
    clock.set_now(T0 + 30 * DAY)
    assert DEFAULT.fn(db, settings) == 0
    assert balances(db, case.w.client)["escrow"] == 10_000


def test_messages_from_parties_and_agent(db, settings, case, disputed, agent, support):
    service.post_message(db, settings, case.w.freelancer, disputed.id, "See the attached brief.")
    service.post_message(db, settings, agent, disputed.id, "Please both send the brief.")
    with pytest.raises(NotFound):
        service.post_message(db, settings, support, disputed.id, "Hello")
    with pytest.raises(Unprocessable):
        service.post_message(db, settings, case.w.client, disputed.id, " ")
    assert [m.body for m in service.messages_of(db, disputed.id)] == [
        "See the attached brief.",
        "Please both send the brief.",
    ]
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "dispute.message"))


# --- escrow returns -------------------------------------------------------------------------


def test_disputing_an_escrow_return_freezes_its_timeout(db, settings, return_case):
    rc = return_case
    d = service.file_dispute(
        db,
        settings,
        rc.w.freelancer,
        Subject(escrow_return_id=rc.request.id),
        "The work was delivered.",
    )
    db.refresh(rc.request)
    assert rc.request.status == "disputed" and rc.request.dispute_id == d.id
    assert d.at_stake_cents == 30_000
    assert service.has_open_dispute(db, escrow_return_id=rc.request.id)
    assert service.has_open_dispute(db, milestone_id=rc.milestones[0].id)
    clock.set_now(T0 + 30 * DAY)  # far past respond_by and auto-approval
    assert returns.return_unanswered_escrow(db, settings) == 0
    assert contracts.auto_approve_due_milestones(db, settings) == 0
    assert balances(db, rc.w.client)["escrow"] == 30_000


def test_escrow_return_split_across_milestones(db, settings, return_case, agent):
    rc = return_case
    d = service.file_dispute(
        db,
        settings,
        rc.w.freelancer,
        Subject(escrow_return_id=rc.request.id),
        "Part two was delivered.",
    )
    service.answer_dispute(db, settings, rc.w.client, d.id, "Nothing was delivered.")
    service.decide_dispute(
        db, settings, agent, d.id, outcome="split", freelancer_cents=15_000, client_cents=15_000
    )
    assert balances(db, rc.w.client)["escrow"] == 0
    assert balances(db, rc.w.freelancer)["freelancer_pending"] == 13_500
    for m in rc.milestones:
        db.refresh(m)
    assert [m.status for m in rc.milestones] == ["approved", "approved"]
    db.refresh(rc.request)
    assert rc.request.status == "refunded" and rc.request.refunded_cents == 15_000
    assert returns.open_escrow_return(db, rc.contract.id) is None


def test_escrow_return_default_goes_to_the_freelancer(db, settings, return_case):
    rc = return_case
    service.file_dispute(
        db, settings, rc.w.freelancer, Subject(escrow_return_id=rc.request.id), "Delivered."
    )
    clock.set_now(T0 + 5 * DAY)
    assert DEFAULT.fn(db, settings) == 1
    assert balances(db, rc.w.client)["escrow"] == 0
    assert balances(db, rc.w.freelancer)["freelancer_pending"] == 27_000


def test_escrow_return_too_late(db, settings, return_case):
    clock.set_now(T0 + 7 * DAY)
    with pytest.raises(Conflict):
        service.file_dispute(
            db,
            settings,
            return_case.w.freelancer,
            Subject(escrow_return_id=return_case.request.id),
            "x",
        )
