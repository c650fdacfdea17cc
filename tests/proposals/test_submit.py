"""Submitting proposals and invitations through the service (marketplace.md §3, §4.3)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer, make_user
from tests.proposals.conftest import make_job
from workhall.accounts.models import User
from workhall.connects.models import ConnectsEvent, ConnectsSpend
from workhall.connects.service import connects_balance
from workhall.core.errors import Conflict, Forbidden, NotFound, PaymentRequired, Unprocessable
from workhall.jobs.models import Job
from workhall.proposals import service
from workhall.proposals.models import Invitation, Proposal

LETTER = "I have built many dashboards like this one with Django and Chart.js."


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_submit_spends_the_price_in_the_same_transaction(db, settings):
    job = make_job(db, settings)  # $100 fixed → 4 Connects (§4.2)
    freelancer = make_freelancer(db, settings)  # 10 Connects at sign-up (§4.1)
    done = service.submit_proposal(db, settings, freelancer, job.id, f"  {LETTER}  ", 25_000)
    p = done.proposal
    assert (p.status, p.connects_price, p.bid_cents, p.cover_letter) == (
        "submitted",
        4,
        25_000,
        LETTER,
    )
    assert p.submitted_at is not None and p.viewed_at is None
    assert (done.connects_spent, done.balance) == (4, 6)
    assert connects_balance(db, freelancer.id) == 6
    assert db.get(Job, job.id).proposal_count == 1
    event = db.scalar(select(ConnectsEvent).where(ConnectsEvent.proposal_id == p.id))
    assert (event.kind, event.amount, event.job_id) == ("proposal", -4, job.id)


def test_not_enough_connects_is_402_with_price_and_balance_and_stores_nothing(db, settings):
    job = make_job(db, settings, budget_cents=600_000)  # ≥ $5,000 → 16 Connects
    freelancer = make_freelancer(db, settings)
    with pytest.raises(PaymentRequired) as caught, db.begin_nested():
        service.submit_proposal(db, settings, freelancer, job.id, LETTER, 500_000)
    assert caught.value.extra["price"] == 16 and caught.value.extra["balance"] == 10
    assert count(db, Proposal) == 0 and count(db, ConnectsSpend) == 0
    assert connects_balance(db, freelancer.id) == 10
    assert db.get(Job, job.id).proposal_count == 0


def test_boost_counts_in_the_balance_check(db, settings):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings)
    with pytest.raises(PaymentRequired) as caught, db.begin_nested():
        service.submit_proposal(db, settings, freelancer, job.id, LETTER, 5_000, 7)
    assert caught.value.extra == {"price": 4, "balance": 10, "boost": 7, "needed": 11}
    assert count(db, Proposal) == 0


def test_one_proposal_per_freelancer_per_job(db, settings):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings)
    service.submit_proposal(db, settings, freelancer, job.id, LETTER, 5_000)
    with pytest.raises(Conflict):
        service.submit_proposal(db, settings, freelancer, job.id, LETTER, 6_000)
    assert connects_balance(db, freelancer.id) == 6


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"status": "on_hold"}, Forbidden),
        ({"status": "restricted"}, Forbidden),
        ({"phone_verified_at": None}, Forbidden),  # trust.md §2: a verified phone
        ({"email_verified_at": None}, Forbidden),
    ],
)
def test_account_gates(db, settings, change, error):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings, **change)
    with pytest.raises(error):
        service.submit_proposal(db, settings, freelancer, job.id, LETTER, 5_000)


def test_clients_cannot_propose_and_unknown_jobs_are_404(db, settings):
    job = make_job(db, settings)
    with pytest.raises(Forbidden):
        service.submit_proposal(db, settings, make_client(db, settings), job.id, LETTER, 5_000)
    with pytest.raises(NotFound):
        service.submit_proposal(db, settings, make_freelancer(db, settings), 999_999, LETTER, 500)


def test_linked_accounts_cannot_propose_to_each_other(db, settings):
    """spec: §1 — accounts sharing a verified phone cannot propose to each other."""
    client = make_client(db, settings)
    job = make_job(db, settings, client)
    twin = make_freelancer(db, settings)
    twin.phone_e164 = client.phone_e164
    with pytest.raises(Forbidden):
        service.submit_proposal(db, settings, twin, job.id, LETTER, 5_000)


def test_closed_and_full_jobs_refuse_proposals_with_409(db, settings):
    closed = make_job(db, settings, status="cancelled")
    full = make_job(db, settings, proposal_count=settings.job_max_proposals)
    freelancer = make_freelancer(db, settings)
    for job in (closed, full):
        with pytest.raises(Conflict):
            service.submit_proposal(db, settings, freelancer, job.id, LETTER, 5_000)
    assert connects_balance(db, freelancer.id) == 10


@pytest.mark.parametrize(
    ("letter", "bid", "boost"),
    [
        ("", 5_000, 0),
        ("   \n ", 5_000, 0),
        ("x" * 5_001, 5_000, 0),
        ("nul \x00 byte", 5_000, 0),
        ("lone \ud800 surrogate", 5_000, 0),
        (LETTER, 99, 0),
        (LETTER, 100_000_001, 0),
        (LETTER, True, 0),
        (LETTER, 5_000, -1),
        (LETTER, 5_000, 10**9),
    ],
)
def test_bad_input_is_422(db, settings, letter, bid, boost):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings)
    with pytest.raises(Unprocessable):
        service.submit_proposal(db, settings, freelancer, job.id, letter, bid, boost)
    assert count(db, Proposal) == 0


def test_5000_characters_is_the_most_a_letter_holds(db, settings):
    job = make_job(db, settings)
    done = service.submit_proposal(
        db, settings, make_freelancer(db, settings), job.id, "y" * 5_000, 5_000
    )
    assert len(done.proposal.cover_letter) == 5_000


# --- invitations (marketplace.md §3) -----------------------------------------------------------


def test_answering_an_invitation_costs_nothing_and_accepts_it(db, settings):
    client = make_client(db, settings)
    job = make_job(db, settings, client)
    freelancer = make_freelancer(db, settings)
    inv = service.invite_freelancer(db, settings, client, job.id, freelancer.handle, "Hi!")
    assert inv.status == "pending"
    done = service.submit_proposal(db, settings, freelancer, job.id, LETTER, 5_000)
    assert done.connects_spent == 0 and done.proposal.connects_price == 0
    assert done.proposal.invitation_id == inv.id
    assert connects_balance(db, freelancer.id) == 10
    db.refresh(inv)
    assert inv.status == "accepted" and inv.responded_at is not None


def test_invite_only_jobs_take_only_invited_freelancers(db, settings):
    client = make_client(db, settings)
    job = make_job(db, settings, client, visibility="invite_only")
    stranger = make_freelancer(db, settings)
    with pytest.raises(Forbidden):
        service.submit_proposal(db, settings, stranger, job.id, LETTER, 5_000)
    invited = make_freelancer(db, settings)
    service.invite_freelancer(db, settings, client, job.id, invited.id, "")
    assert service.submit_proposal(db, settings, invited, job.id, LETTER, 5_000).connects_spent == 0


def test_a_declined_invitation_no_longer_opens_the_job(db, settings):
    client = make_client(db, settings)
    private = make_job(db, settings, client, visibility="invite_only")
    public = make_job(db, settings, client)
    freelancer = make_freelancer(db, settings)
    for job in (private, public):
        inv = service.invite_freelancer(db, settings, client, job.id, freelancer.handle, "")
        service.respond_to_invitation(db, freelancer, inv.id)
        assert inv.status == "declined"
    with pytest.raises(Forbidden):
        service.submit_proposal(db, settings, freelancer, private.id, LETTER, 5_000)
    # a public job still takes the proposal, at its normal price
    assert (
        service.submit_proposal(db, settings, freelancer, public.id, LETTER, 5_000).connects_spent
        == 4
    )


def test_invitation_rules(db, settings):
    client = make_client(db, settings)
    other_client = make_client(db, settings)
    job = make_job(db, settings, client)
    freelancer = make_freelancer(db, settings)
    with pytest.raises(Forbidden):
        service.invite_freelancer(db, settings, other_client, job.id, freelancer.handle, "")
    with pytest.raises(NotFound):
        service.invite_freelancer(db, settings, client, job.id, "nobody-here", "")
    with pytest.raises(NotFound):  # clients are not freelancers
        service.invite_freelancer(db, settings, client, job.id, other_client.handle, "")
    with pytest.raises(Unprocessable):
        service.invite_freelancer(db, settings, client, job.id, freelancer.handle, "m" * 2001)
    service.invite_freelancer(db, settings, client, job.id, freelancer.handle, "Hello")
    with pytest.raises(Conflict):
        service.invite_freelancer(db, settings, client, job.id, freelancer.id, "again")
    proposer = make_freelancer(db, settings)
    service.submit_proposal(db, settings, proposer, job.id, LETTER, 5_000)
    with pytest.raises(Conflict):
        service.invite_freelancer(db, settings, client, job.id, proposer.handle, "")
    assert count(db, Invitation) == 1


def test_only_the_invited_freelancer_declines_and_only_once(db, settings):
    client = make_client(db, settings)
    job = make_job(db, settings, client)
    freelancer = make_freelancer(db, settings)
    inv = service.invite_freelancer(db, settings, client, job.id, freelancer.handle, "")
    with pytest.raises(Forbidden):
        service.respond_to_invitation(db, make_freelancer(db, settings), inv.id)
    with pytest.raises(Conflict):  # accepting is proposing
        service.respond_to_invitation(db, freelancer, inv.id, accept=True)
    service.respond_to_invitation(db, freelancer, inv.id)
    with pytest.raises(Conflict):
        service.respond_to_invitation(db, freelancer, inv.id)
    with pytest.raises(NotFound):
        service.respond_to_invitation(db, freelancer, 123_456)


# --- the client's moves and withdrawal (marketplace.md §3) --------------------------------------


def test_withdraw_keeps_the_price_and_is_owner_only(db, settings):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings)
    p = service.submit_proposal(db, settings, freelancer, job.id, LETTER, 5_000).proposal
    with pytest.raises(Forbidden):
        service.withdraw_proposal(db, settings, make_freelancer(db, settings), p.id)
    service.withdraw_proposal(db, settings, freelancer, p.id)
    assert p.status == "withdrawn" and p.withdrawn_at is not None
    assert connects_balance(db, freelancer.id) == 6  # §4.4: not refunded
    with pytest.raises(Conflict):
        service.withdraw_proposal(db, settings, freelancer, p.id)


def test_views_shortlist_interview_decline_and_hire_are_time_stamped(db, settings):
    client = make_client(db, settings)
    job = make_job(db, settings, client)
    a, b, c = (make_freelancer(db, settings) for _ in range(3))
    pa = service.submit_proposal(db, settings, a, job.id, LETTER, 5_000).proposal
    pb = service.submit_proposal(db, settings, b, job.id, LETTER, 5_000).proposal
    pc = service.submit_proposal(db, settings, c, job.id, LETTER, 5_000).proposal
    with pytest.raises(Forbidden):
        service.view_proposal(db, make_client(db, settings), pa.id, settings)
    service.view_proposal(db, client, pa.id, settings)
    first_view = pa.viewed_at
    service.view_proposal(db, client, pa.id, settings)
    assert pa.status == "viewed" and pa.viewed_at == first_view
    service.shortlist(db, client, pa.id, settings)
    service.mark_interviewing(db, pa, settings)
    assert pa.status == "interviewing" and pa.shortlisted_at and pa.interviewing_at
    service.mark_interviewing(db, pb, settings)  # a first message counts as a view
    assert pb.status == "interviewing" and pb.viewed_at is not None
    service.decline(db, settings, client, pc.id)
    assert pc.status == "declined" and pc.viewed_at is None  # declining is not a view
    with pytest.raises(Conflict):
        service.shortlist(db, client, pc.id, settings)
    service.mark_hired(db, pa, settings)
    assert pa.status == "hired" and pa.hired_at is not None
    with pytest.raises(Conflict):
        service.decline(db, settings, client, pa.id)
    with pytest.raises(Forbidden):
        service.decline(db, settings, make_client(db, settings), pb.id)


def test_find_freelancer_by_handle_or_id(db, settings):
    freelancer = make_freelancer(db, settings)
    staff = make_user(db, settings, "staff", staff_roles="support")
    assert service.find_freelancer(db, freelancer.handle) is freelancer
    assert service.find_freelancer(db, freelancer.handle.upper()) is freelancer
    assert service.find_freelancer(db, freelancer.id) is freelancer
    assert service.find_freelancer(db, str(freelancer.id)) is freelancer
    assert service.find_freelancer(db, staff.handle) is None
    assert service.find_freelancer(db, "9" * 40) is None
    assert isinstance(db.get(User, freelancer.id), User)


def test_is_invited(db, settings):
    client = make_client(db, settings)
    job = make_job(db, settings, client)
    freelancer = make_freelancer(db, settings)
    assert not service.is_invited(db, job.id, freelancer.id)
    service.invite_freelancer(db, settings, client, job.id, freelancer.handle, "")
    assert service.is_invited(db, job.id, freelancer.id)
