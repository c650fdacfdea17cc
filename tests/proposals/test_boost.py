"""The boost auction through the service (marketplace.md §4.5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_client, make_freelancer
from tests.proposals.conftest import make_job, set_balance
from workhall.connects.models import ConnectsEvent
from workhall.connects.service import connects_balance, held_connects
from workhall.core import clock
from workhall.core.errors import Conflict, PaymentRequired, Unprocessable
from workhall.jobs.service import record_hire
from workhall.proposals import queries, service

LETTER = "Experienced with exactly this kind of work; happy to start today."


@pytest.fixture
def job(db, settings):
    return make_job(db, settings)  # 4 Connects a proposal


def bidder(db, settings, job, boost: int, balance: int = 30):
    freelancer = make_freelancer(db, settings)
    set_balance(db, settings, freelancer, balance)
    done = service.submit_proposal(db, settings, freelancer, job.id, LETTER, 5_000, boost)
    return freelancer, done.proposal


def slot_ids(db, settings, job) -> list[int]:
    return [
        b.proposal_id
        for b, _ in service.live_bids(db, job.id)
        if queries.holds_slot(db, settings, db.get(service.Proposal, b.proposal_id))
    ]


def test_a_boost_is_held_at_submission(db, settings, job):
    freelancer, p = bidder(db, settings, job, 5)
    assert (p.boost_state, p.boost_connects) == ("held", 5)
    assert connects_balance(db, freelancer.id) == 30 - 4 - 5  # both leave the balance (§4.3)
    assert held_connects(db, p.id, "boost") == 5


def test_the_four_highest_bids_hold_the_slots_ties_to_the_earlier_bid(db, settings, job):
    """spec: §4.5 "The 4 highest bids hold the boosted slots; ties go to the earlier bid"."""
    clock.set_now(clock.utcnow())
    ps = []
    for amount in (3, 5, 3, 2):
        ps.append(bidder(db, settings, job, amount)[1])
        clock.advance(timedelta(minutes=1))
    assert sorted(slot_ids(db, settings, job)) == sorted(p.id for p in ps)
    # a 2 cannot enter: the lowest slot holder has 2 and ties go to the earlier bid
    assert service.minimum_boost(db, settings, job.id) == 3
    late = make_freelancer(db, settings)
    with pytest.raises(Conflict) as caught:
        service.submit_proposal(db, settings, late, job.id, LETTER, 5_000, 2)
    assert caught.value.extra["minimum"] == 3
    assert "top 4" in caught.value.detail and connects_balance(db, late.id) == 10


def test_an_outbid_holder_gets_its_boost_back_at_once(db, settings, job):
    """spec: §4.5 — returned "at once when the proposal loses its slot before that view"."""
    clock.set_now(clock.utcnow())
    bids = [(5, None), (4, None), (3, None), (2, None)]
    people = []
    for amount, _ in bids:
        people.append(bidder(db, settings, job, amount))
        clock.advance(timedelta(minutes=1))
    loser, lost = people[3]
    assert connects_balance(db, loser.id) == 30 - 4 - 2
    _, newcomer = bidder(db, settings, job, 3)  # ties with 3 but beats 2
    assert lost.boost_state == "returned"
    assert connects_balance(db, loser.id) == 30 - 4
    event = db.scalar(
        select(ConnectsEvent).where(
            ConnectsEvent.proposal_id == lost.id, ConnectsEvent.kind == "boost_return"
        )
    )
    assert event.amount == 2 and "Outbid" in event.note
    assert lost.id not in slot_ids(db, settings, job) and newcomer.id in slot_ids(db, settings, job)


def test_raising_holds_only_the_difference_and_bids_only_go_up(db, settings, job):
    freelancer, p = bidder(db, settings, job, 2)
    service.place_boost(db, settings, freelancer, p.id, 6)
    assert p.boost_connects == 6 and held_connects(db, p.id, "boost") == 6
    assert connects_balance(db, freelancer.id) == 30 - 4 - 6
    with pytest.raises(Conflict):
        service.place_boost(db, settings, freelancer, p.id, 6)
    with pytest.raises(Unprocessable):
        service.place_boost(db, settings, freelancer, p.id, 0)
    with pytest.raises(Unprocessable):
        service.place_boost(db, settings, freelancer, p.id, settings.boost_max_bid + 1)


def test_boosting_later_needs_the_connects(db, settings, job):
    freelancer, p = bidder(db, settings, job, 0, balance=5)
    with pytest.raises(PaymentRequired) as caught, db.begin_nested():
        service.place_boost(db, settings, freelancer, p.id, 2)
    assert caught.value.extra["balance"] == 1 and p.boost_state == "none"
    service.place_boost(db, settings, freelancer, p.id, 1)
    assert p.boost_state == "held" and connects_balance(db, freelancer.id) == 0


def test_spent_when_the_client_first_views_it_while_holding_a_slot(db, settings, job):
    client = db.get(service.User, job.client_id)
    freelancer, p = bidder(db, settings, job, 4)
    service.view_proposal(db, client, p.id, settings)
    assert p.boost_state == "spent" and held_connects(db, p.id, "boost") == 0
    # a spent boost is kept for good: being outbid later or the job closing returns nothing
    for _ in range(4):
        bidder(db, settings, job, 9)
    assert p.boost_state == "spent"
    assert connects_balance(db, freelancer.id) == 30 - 4 - 4
    with pytest.raises(Conflict):  # a viewed proposal is no longer boosted
        service.place_boost(db, settings, freelancer, p.id, 20)


def test_listing_is_not_a_view(db, settings, job):
    client = db.get(service.User, job.client_id)
    _, p = bidder(db, settings, job, 4)
    queries.client_proposals(db, settings, client, job.id)
    assert p.viewed_at is None and p.boost_state == "held"


def test_returned_on_withdraw_and_on_decline_before_a_view(db, settings, job):
    client = db.get(service.User, job.client_id)
    a, pa = bidder(db, settings, job, 3)
    b, pb = bidder(db, settings, job, 2)
    service.withdraw_proposal(db, settings, a, pa.id)
    service.decline(db, settings, client, pb.id)
    assert (pa.boost_state, pb.boost_state) == ("returned", "returned")
    assert connects_balance(db, a.id) == 30 - 4 and connects_balance(db, b.id) == 30 - 4
    # they left the auction: anyone can now enter with the minimum bid
    assert service.minimum_boost(db, settings, job.id) == settings.boost_min_bid


def test_the_auction_closes_after_7_days(db, settings):
    clock.set_now(clock.utcnow())
    job = make_job(db, settings)
    freelancer, p = bidder(db, settings, job, 0)
    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    service.place_boost(db, settings, freelancer, p.id, 1)
    clock.advance(timedelta(seconds=1))
    with pytest.raises(Conflict, match="auction"):
        service.place_boost(db, settings, freelancer, p.id, 2)
    with pytest.raises(Conflict, match="auction"):
        service.submit_proposal(
            db, settings, make_freelancer(db, settings), job.id, LETTER, 5_000, 1
        )


def test_the_auction_closes_at_the_first_hire(db, settings, job):
    _, ph = bidder(db, settings, job, 0)
    other, po = bidder(db, settings, job, 0)
    service.mark_hired(db, ph, settings)
    record_hire(db, settings, job.id, keep_hiring=True)
    with pytest.raises(Conflict, match="auction"):
        service.place_boost(db, settings, other, po.id, 1)
    assert ph.status == "hired"


def test_only_the_owner_boosts(db, settings, job):
    _, p = bidder(db, settings, job, 0)
    with pytest.raises(service.Forbidden):
        service.place_boost(db, settings, make_freelancer(db, settings), p.id, 1)
    with pytest.raises(service.Forbidden):
        service.place_boost(db, settings, make_client(db, settings), p.id, 1)
