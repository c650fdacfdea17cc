"""Offer and contract pages (quality.md §3): they render for the right people, every form
carries the CSRF token and needs it, errors re-render the form with the values kept, user text
is escaped, and the whole fixed-price journey works through the forms."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.contracts.conftest import count, hire
from tests.factories import sign_in_browser
from workhall.contracts import offers, service
from workhall.contracts.models import Contract, Milestone, Offer, OfferMilestone
from workhall.ledger import service as ledger
from workhall.proposals.models import Proposal

HOSTILE = "Shop <script>alert('x')</script> & more"


def well_formed(html: str, csrf: str) -> None:
    """No inline script (the CSP forbids them) and every POST form carries the CSRF token."""
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
    assert forms
    for form in forms:
        assert f'name="csrf_token" value="{csrf}"' in form, form[:300]


def as_user(client, db, settings, user) -> str:
    client.cookies.clear()
    return sign_in_browser(client, db, settings, user)


def test_offer_form_from_a_proposal(client, db, settings, world):
    csrf = as_user(client, db, settings, world.client)
    # The client's proposal page and list lead to the form.
    assert (
        f"/offers/new?proposal={world.proposal.id}"
        in client.get(f"/proposals/{world.proposal.id}").text
    )
    listing = client.get(f"/client/jobs/{world.job.id}/proposals").text
    assert f"/offers/new?proposal={world.proposal.id}" in listing
    r = client.get(f"/offers/new?proposal={world.proposal.id}")
    assert r.status_code == 200, r.text
    html = r.text
    assert world.freelancer.name in html and world.job.title in html
    assert 'name="milestone_title"' in html and 'id="milestone-template"' in html
    assert "/static/js/contracts.js" in html and 'value="100.00"' in html  # the bid
    well_formed(html, csrf)


def test_sending_an_offer_with_two_milestones(client, db, settings, world):
    csrf = as_user(client, db, settings, world.client)
    form = {
        "csrf_token": csrf,
        "proposal": str(world.proposal.id),
        "title": HOSTILE,
        "description": "Two steps.",
        "kind": "fixed",
        "milestone_title": ["Design", "Build"],
        "milestone_amount": ["1,250.50", "$500"],
        "milestone_due": ["", "2026-12-24"],
        "rate": "",
        "weekly_limit": "",
    }
    r = client.post("/offers/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    offer = db.scalar(select(Offer))
    assert r.headers["location"] == f"/offers/{offer.id}"
    amounts = db.scalars(
        select(OfferMilestone.amount_cents)
        .where(OfferMilestone.offer_id == offer.id)
        .order_by(OfferMilestone.position)
    ).all()
    assert amounts == [125_050, 50_000] and offer.keep_hiring is False
    assert db.get(Proposal, world.proposal.id).viewed_at is not None
    page = client.get(f"/offers/{offer.id}").text
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert "$1,750.50" in page
    well_formed(page, csrf)


def test_offer_form_errors_keep_the_values(client, db, settings, world):
    csrf = as_user(client, db, settings, world.client)
    form = {
        "csrf_token": csrf,
        "proposal": str(world.proposal.id),
        "title": "Booking app",
        "kind": "fixed",
        "milestone_title": ["Design"],
        "milestone_amount": ["4.99"],
        "milestone_due": [""],
    }
    r = client.post("/offers/new", data=form)
    assert r.status_code == 400
    assert "Each milestone is between $5.00" in r.text and 'value="4.99"' in r.text
    r = client.post("/offers/new", data={**form, "milestone_amount": ["lots"]})
    assert r.status_code == 400 and "in dollars" in r.text
    r = client.post(
        "/offers/new", data={**form, "csrf_token": "forged", "milestone_amount": ["50"]}
    )
    assert r.status_code == 403
    assert count(db, Offer) == 0


def test_direct_hourly_offer_from_the_form(client, db, settings, world):
    csrf = as_user(client, db, settings, world.client)
    url = f"/offers/new?freelancer={world.freelancer.handle}&job={world.job.id}"
    assert client.get(url).status_code == 200
    assert client.get("/offers/new?freelancer=nobody-at-all").status_code == 404
    form = {
        "csrf_token": csrf,
        "freelancer": world.freelancer.handle,
        "job": str(world.job.id),
        "title": "Ongoing help",
        "kind": "hourly",
        "rate": "45",
        "weekly_limit": "20",
        "keep_hiring": "1",
        "milestone_title": ["Milestone 1"],
        "milestone_amount": [""],
        "milestone_due": [""],
    }
    r = client.post("/offers/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    offer = db.scalar(select(Offer))
    assert (offer.kind, offer.hourly_rate_cents, offer.weekly_limit_hours) == ("hourly", 4_500, 20)
    assert offer.keep_hiring is True and offer.proposal_id == world.proposal.id


def test_freelancer_cannot_open_the_form_and_strangers_see_nothing(client, db, settings, world):
    as_user(client, db, settings, world.freelancer)
    assert client.get(f"/offers/new?proposal={world.proposal.id}").status_code == 403


def test_the_journey_through_the_pages(client, db, settings, world):
    offer = offers.send_offer(
        db,
        settings,
        world.client,
        offers.OfferDraft(
            title="Booking app",
            kind="fixed",
            milestones=(offers.rules.MilestoneTerms(HOSTILE, 10_000),),
        ),
        proposal_id=world.proposal.id,
    )
    # The freelancer sees and accepts the offer.
    csrf = as_user(client, db, settings, world.freelancer)
    assert "/offers" in client.get("/").text  # the menu
    listing = client.get("/offers").text
    assert f'action="/offers/{offer.id}/accept"' in listing
    well_formed(listing, csrf)
    r = client.post(f"/offers/{offer.id}/accept", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    contract = db.scalar(select(Contract))
    assert r.headers["location"] == f"/contracts/{contract.id}"
    m = db.scalar(select(Milestone))

    # The client funds it: the charge is shown as amount + 3%.
    csrf = as_user(client, db, settings, world.client)
    page = client.get(f"/contracts/{contract.id}").text
    assert "$103.00" in page and "$3.00 fee" in page and "ending 4242" in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    well_formed(page, csrf)
    r = client.post(f"/milestones/{m.id}/fund", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/contracts/{contract.id}"
    assert ledger.user_balances(db, world.client.id)["escrow"] == 10_000
    # Sent twice: the second send moves nothing and says why.
    r = client.post(f"/milestones/{m.id}/fund", data={"csrf_token": csrf})
    assert r.status_code == 200 and "cannot be funded" in r.text
    assert ledger.user_balances(db, world.client.id)["escrow"] == 10_000

    # The freelancer submits.
    csrf = as_user(client, db, settings, world.freelancer)
    page = client.get(f"/contracts/{contract.id}").text
    assert f'action="/milestones/{m.id}/submit"' in page
    r = client.post(
        f"/milestones/{m.id}/submit",
        data={"csrf_token": csrf, "message": "Here you go", "link": "https://example.com/demo"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(f"/milestones/{m.id}/submit", data={"csrf_token": csrf, "message": ""})
    assert "Write a message" in r.text

    # The client requests changes, the freelancer resubmits, the client approves.
    csrf = as_user(client, db, settings, world.client)
    page = client.get(f"/contracts/{contract.id}").text
    assert "https://example.com/demo" in page and "approved automatically" in page
    client.post(
        f"/milestones/{m.id}/request-changes", data={"csrf_token": csrf, "message": "Logo?"}
    )
    csrf = as_user(client, db, settings, world.freelancer)
    client.post(f"/milestones/{m.id}/submit", data={"csrf_token": csrf, "message": "Logo added"})
    csrf = as_user(client, db, settings, world.client)
    r = client.post(
        f"/milestones/{m.id}/approve", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    db.expire_all()
    m = db.get(Milestone, m.id)
    assert (m.status, m.submission_count, m.changes_requested_count) == ("approved", 2, 1)
    assert ledger.user_balances(db, world.freelancer.id)["freelancer_pending"] == 9_000
    timeline = client.get(f"/contracts/{contract.id}").text
    for label in (
        "Contract started",
        "Milestone funded",
        "Work submitted",
        "Changes requested",
        "Milestone approved",
    ):
        assert label in timeline
    assert "Contracts" in client.get("/contracts").text


def test_ending_and_escrow_return_through_the_pages(client, db, settings, world):
    contract, (m,) = hire(db, settings, world, 10_000)
    service.fund_milestone(db, settings, world.client, m.id)
    csrf = as_user(client, db, settings, world.freelancer)
    r = client.post(
        f"/contracts/{contract.id}/end",
        data={"csrf_token": csrf, "reason": "Done"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    csrf = as_user(client, db, settings, world.client)
    ended = client.get("/contracts?tab=ended").text
    assert f"/contracts/{contract.id}" in ended
    page = client.get(f"/contracts/{contract.id}").text
    assert f'action="/contracts/{contract.id}/escrow-return"' in page and "Reason: " in page
    well_formed(page, csrf)
    client.post(
        f"/contracts/{contract.id}/escrow-return", data={"csrf_token": csrf, "message": "Pls"}
    )
    csrf = as_user(client, db, settings, world.freelancer)
    page = client.get(f"/contracts/{contract.id}").text
    request_id = re.search(r'action="/escrow-returns/(\d+)/refund"', page).group(1)
    r = client.post(
        f"/escrow-returns/{request_id}/refund", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert ledger.user_balances(db, world.client.id)["escrow"] == 0
    db.expire_all()
    assert db.get(Milestone, m.id).status == "refunded"


def test_add_milestone_form(client, db, settings, world):
    contract, _ = hire(db, settings, world, 10_000)
    csrf = as_user(client, db, settings, world.client)
    data = {"csrf_token": csrf, "title": "Extra", "amount": "75", "due": ""}
    r = client.post(f"/contracts/{contract.id}/milestones", data=data, follow_redirects=False)
    assert r.status_code == 303
    r = client.post(f"/contracts/{contract.id}/milestones", data={**data, "amount": "2"})
    assert "between $5.00" in r.text
    r = client.post(f"/contracts/{contract.id}/milestones", data={**data, "csrf_token": "nope"})
    assert r.status_code == 403
    assert count(db, Milestone) == 2
