"""The reveal notices (once per pair, even with two workers), the plain facts other features
read (JSS, client conduct, the client card), and the invitation when a contract ends."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from tests.factories import make_client, make_freelancer
from tests.feedback.conftest import END
from tests.messages.support import make_contract
from workhall.core.clock import set_now
from workhall.feedback import queries
from workhall.feedback.service import FeedbackDraft, leave_feedback, notify_reveals
from workhall.feedback.subscribers import invite_feedback
from workhall.notifications.models import Notification

DAY = timedelta(days=1)
CLIENT = FeedbackDraft(
    scores={
        "skills": 5,
        "quality": 4,
        "availability": 4,
        "deadlines": 5,
        "communication": 5,
        "cooperation": 5,
    },
    comment="Solid work.",
    likelihood=9,
    ending_reason="completed",
)
FREELANCER = FeedbackDraft(
    scores={
        "clarity": 2,
        "communication": 3,
        "cooperation": 3,
        "availability": 3,
        "deadlines": 2,
        "payment_promptness": 5,
    },
    likelihood=1,
    unprofessional=True,
    unprofessional_reason="Asked for unpaid extra work.",
)


def notes(db, kind: str) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.kind == kind)))


def test_reveal_notices_go_out_once_per_pair(db, settings, world):
    set_now(END + DAY)
    leave_feedback(db, settings, world["client"], world["contract"].id, CLIENT)
    assert notify_reveals(db, settings) == 0  # hidden: nothing to announce
    # The other side was told feedback is waiting for theirs.
    waiting = notes(db, "feedback_left")
    assert [n.user_id for n in waiting] == [world["freelancer"].id]
    set_now(END + 2 * DAY)
    leave_feedback(db, settings, world["freelancer"], world["contract"].id, FREELANCER)
    assert notify_reveals(db, settings) == 1
    assert notify_reveals(db, settings) == 0
    revealed = notes(db, "feedback_revealed")
    assert sorted(n.user_id for n in revealed) == sorted(world["contract"].party_ids())
    assert revealed[0].link == f"/contracts/{world['contract'].id}/feedback"


def test_a_lone_feedback_is_announced_when_the_window_ends(db, settings, world):
    set_now(END + DAY)
    leave_feedback(db, settings, world["client"], world["contract"].id, CLIENT)
    set_now(END + 14 * DAY - timedelta(seconds=1))
    assert notify_reveals(db, settings) == 0
    set_now(END + 14 * DAY)
    assert notify_reveals(db, settings) == 1
    assert len(notes(db, "feedback_revealed")) == 2


def test_two_workers_announce_each_reveal_once(committed_db, settings):
    with committed_db.unit_of_work() as s:
        set_now(END)
        client, freelancer = make_client(s, settings), make_freelancer(s, settings)
        contracts = [make_contract(s, settings, client, freelancer, ended_at=END) for _ in range(3)]
        set_now(END + DAY)
        for c in contracts:
            leave_feedback(s, settings, client, c.id, CLIENT)
            leave_feedback(s, settings, freelancer, c.id, FREELANCER)
    barrier = threading.Barrier(2)
    done: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            with committed_db.unit_of_work() as s:
                done.append(notify_reveals(s, settings))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sum(done) == 3
    with committed_db.unit_of_work(write=False) as s:
        assert len(notes(s, "feedback_revealed")) == 6  # two parties × three contracts


def test_facts_for_reputation_and_conduct(db, settings, world):
    set_now(END + DAY)
    leave_feedback(db, settings, world["client"], world["contract"].id, CLIENT)
    fid, cid = world["freelancer"].id, world["client"].id
    assert queries.revealed_feedback_for_freelancer(db, fid, END + 5 * DAY) == []
    set_now(END + 3 * DAY)
    leave_feedback(db, settings, world["freelancer"], world["contract"].id, FREELANCER)
    # Feedback takes effect at its reveal (§7; reputation.md §1.1).
    assert (
        queries.revealed_feedback_for_freelancer(db, fid, END + 3 * DAY - timedelta(microseconds=1))
        == []
    )
    [fact] = queries.revealed_feedback_for_freelancer(db, fid, END + 3 * DAY)
    assert fact == queries.ClientFeedbackFact(
        contract_id=world["contract"].id,
        client_id=cid,
        freelancer_id=fid,
        revealed_at=END + 3 * DAY,
        public=Decimal("4.67"),
        private=9,
    )
    [on_client] = queries.revealed_feedback_for_client(db, cid, END + 30 * DAY)
    assert on_client.public == Decimal("3.00") and on_client.work_again == 1
    assert on_client.unprofessional is True
    assert queries.public_scores_given_by_client(db, cid) == {world["contract"].id: Decimal("4.67")}
    bulk = queries.revealed_client_feedback(db, END + 30 * DAY)
    assert [f.contract_id for f in bulk] == [world["contract"].id]


def test_the_end_of_a_contract_invites_both_sides(db, settings, world):
    invite_feedback(session=db, settings=settings, contract=world["contract"])
    invited = notes(db, "feedback_invited")
    assert sorted(n.user_id for n in invited) == sorted(world["contract"].party_ids())
    assert "May 15, 2026" in invited[0].text
