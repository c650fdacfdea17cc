"""Refunds when a job closes, through the jobs service and the job_closed event
(marketplace.md §4.4, §4.5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_client, make_freelancer, make_user
from tests.proposals.conftest import make_job, set_balance
from workhall.connects.models import ConnectsEvent
from workhall.connects.service import connects_balance
from workhall.core import clock, events
from workhall.jobs import service as jobs
from workhall.proposals import service

LETTER = "I can deliver this within the week, with tests and documentation."
START = 20
PRICE = 4


def _close(db, settings, reason, client, job):
    if reason == "cancelled":
        jobs.cancel_job(db, settings, client, job.id)
    elif reason == "removed":
        staff = make_user(db, settings, "staff", staff_roles="trust_safety")
        jobs.remove_job(db, settings, staff, job.id, "Off-platform payment request")
    elif reason == "client_restricted":
        assert jobs.close_jobs_of_restricted_client(db, settings, client.id) == 1
    elif reason == "expired":
        clock.advance(timedelta(days=settings.job_expiry_days, seconds=1))
        assert jobs.expire_due_jobs(db, settings) == 1
    elif reason == "filled":
        jobs.close_job(db, settings, client, job.id)


# Each row: the proposal's story, then (price refunded, final status, final boost state) for
# each reason. spec: §4.4 "Every proposal's price and held boost: the job is cancelled, or
# removed by moderation, or closed because its client was restricted. Ghost-job protection:
# when a job becomes expired, or filled without hiring that freelancer, every proposal the
# client never viewed gets its price back. Not refunded: the price of a withdrawn, declined or
# viewed proposal (beyond the cases above)." §4.5: a held boost is returned "when ... the job
# closes before that view".
STORIES = [
    "unviewed",
    "unviewed_boosted",
    "viewed_boosted",
    "withdrawn",
    "declined",
    "shortlisted",
    "hired",
]
EXPECTED = {
    "cancelled": {
        "unviewed": (True, "archived", "none"),
        "unviewed_boosted": (True, "archived", "returned"),
        "viewed_boosted": (True, "archived", "spent"),
        "withdrawn": (True, "withdrawn", "none"),
        "declined": (True, "declined", "none"),
        "shortlisted": (True, "archived", "none"),
    },
    "removed": {
        "unviewed": (True, "archived", "none"),
        "unviewed_boosted": (True, "archived", "returned"),
        "viewed_boosted": (True, "archived", "spent"),
        "withdrawn": (True, "withdrawn", "none"),
        "declined": (True, "declined", "none"),
        "shortlisted": (True, "archived", "none"),
        "hired": (True, "hired", "none"),
    },
    "client_restricted": {
        "unviewed": (True, "archived", "none"),
        "unviewed_boosted": (True, "archived", "returned"),
        "viewed_boosted": (True, "archived", "spent"),
        "withdrawn": (True, "withdrawn", "none"),
        "declined": (True, "declined", "none"),
        "shortlisted": (True, "archived", "none"),
        "hired": (True, "hired", "none"),
    },
    "expired": {
        "unviewed": (True, "archived", "none"),
        "unviewed_boosted": (True, "archived", "returned"),
        "viewed_boosted": (False, "archived", "spent"),
        "withdrawn": (False, "withdrawn", "none"),
        "declined": (False, "declined", "none"),
        "shortlisted": (False, "archived", "none"),
    },
    "filled": {
        "unviewed": (True, "archived", "none"),
        "unviewed_boosted": (True, "archived", "returned"),
        "viewed_boosted": (False, "archived", "spent"),
        "withdrawn": (False, "withdrawn", "none"),
        "declined": (False, "declined", "none"),
        "shortlisted": (False, "archived", "none"),
        "hired": (False, "hired", "none"),
    },
}
BOOST = {"unviewed_boosted": 3, "viewed_boosted": 2}


@pytest.mark.parametrize("reason", list(EXPECTED))
def test_refunds_when_the_job_closes(db, settings, reason):
    clock.set_now(clock.utcnow())
    client = make_client(db, settings)
    job = make_job(db, settings, client)
    people = {}
    for story in EXPECTED[reason]:
        freelancer = make_freelancer(db, settings)
        set_balance(db, settings, freelancer, START)
        p = service.submit_proposal(
            db, settings, freelancer, job.id, LETTER, 5_000, BOOST.get(story, 0)
        ).proposal
        people[story] = (freelancer, p)
    for story, (freelancer, p) in people.items():
        if story == "viewed_boosted":
            service.view_proposal(db, client, p.id, settings)
        elif story == "withdrawn":
            service.withdraw_proposal(db, settings, freelancer, p.id)
        elif story == "declined":
            service.decline(db, settings, client, p.id)
        elif story == "shortlisted":
            service.shortlist(db, client, p.id, settings)
        elif story == "hired":
            service.mark_hired(db, p, settings)
            jobs.record_hire(db, settings, job.id, keep_hiring=True)

    _close(db, settings, reason, client, job)

    for story, (price_back, status, boost_state) in EXPECTED[reason].items():
        freelancer, p = people[story]
        db.refresh(p)
        assert (p.price_refunded_at is not None, p.status, p.boost_state) == (
            price_back,
            status,
            boost_state,
        ), story
        boost = BOOST.get(story, 0)
        boost_back = boost if boost_state == "returned" else 0
        expected = START - PRICE - boost + (PRICE if price_back else 0) + boost_back
        assert connects_balance(db, freelancer.id) == expected, story
        if status == "archived":
            assert p.archived_at is not None

    # the history says why
    _, p = people["unviewed"]
    note = db.scalar(
        select(ConnectsEvent.note).where(
            ConnectsEvent.proposal_id == p.id, ConnectsEvent.kind == "refund"
        )
    )
    if reason in ("expired", "filled"):
        assert note == "Ghost-job protection: the client never viewed your proposal"
    elif reason == "cancelled":
        assert note == "Job cancelled — Connects refunded"
    else:
        assert note and "refunded" in note

    # a second publish refunds nothing more (idempotent)
    before = {s: connects_balance(db, f.id) for s, (f, _) in people.items()}
    events.publish("job_closed", session=db, settings=settings, job=job, reason=reason)
    assert {s: connects_balance(db, f.id) for s, (f, _) in people.items()} == before


def test_unknown_close_reason_gets_ghost_job_protection(db, settings):
    client = make_client(db, settings)
    job = make_job(db, settings, client)
    fresh = make_freelancer(db, settings)
    seen = make_freelancer(db, settings)
    p_fresh = service.submit_proposal(db, settings, fresh, job.id, LETTER, 5_000).proposal
    p_seen = service.submit_proposal(db, settings, seen, job.id, LETTER, 5_000).proposal
    service.view_proposal(db, client, p_seen.id, settings)
    job.status = "expired"
    assert service.close_job_proposals(db, settings, job, "something_new") == 1
    assert p_fresh.price_refunded_at is not None and p_seen.price_refunded_at is None
    assert connects_balance(db, fresh.id) == 10 and connects_balance(db, seen.id) == 6


def test_an_invitation_answer_has_nothing_to_refund(db, settings):
    client = make_client(db, settings)
    job = make_job(db, settings, client)
    freelancer = make_freelancer(db, settings)
    service.invite_freelancer(db, settings, client, job.id, freelancer.handle, "")
    p = service.submit_proposal(db, settings, freelancer, job.id, LETTER, 5_000).proposal
    jobs.cancel_job(db, settings, client, job.id)
    assert p.status == "archived" and p.price_refunded_at is None
    assert connects_balance(db, freelancer.id) == 10
