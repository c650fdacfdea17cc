"""Helpers for the contract tests: a client with a saved card, a freelancer with a proposal on
the client's job, offers sent and accepted through the services, signed-in browsers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import api_headers, make_client, make_freelancer, make_job
from workhall.accounts import profiles
from workhall.accounts.models import User
from workhall.contracts import offers
from workhall.contracts.models import Contract, Milestone
from workhall.contracts.rules import MilestoneTerms
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.jobs.models import Job
from workhall.proposals import service as proposals
from workhall.proposals.models import Proposal

T0 = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
GOOD_CARD = "4242 4242 4242 4242"
DECLINES_ON_CHARGE = "4000 0000 0000 0341"
LETTER = "I have built three booking apps like this one; happy to help with yours."


def paying_client(db: Session, settings: Settings, card: str = GOOD_CARD) -> User:
    client = make_client(db, settings)
    profiles.add_payment_method(
        db, settings, client, number=card, exp_month=12, exp_year=2035, cvc="123"
    )
    db.flush()
    return client


def draft(*amounts: int, title: str = "Booking app", **kw: object) -> offers.OfferDraft:
    return offers.OfferDraft(
        title=title,
        description="Build the booking app described in the job.",
        kind="fixed",
        milestones=tuple(MilestoneTerms(f"Part {i}", a) for i, a in enumerate(amounts, 1)),
        **kw,  # type: ignore[arg-type]
    )


@dataclass
class World:
    client: User
    freelancer: User
    job: Job
    proposal: Proposal
    ch: dict[str, str]
    fh: dict[str, str]


def make_world(db: Session, settings: Settings, *, card: str = GOOD_CARD) -> World:
    client = paying_client(db, settings, card)
    freelancer = make_freelancer(db, settings)
    job = make_job(db, settings, client)
    proposal = proposals.submit_proposal(db, settings, freelancer, job.id, LETTER, 10_000).proposal
    db.flush()
    return World(
        client,
        freelancer,
        job,
        proposal,
        api_headers(db, settings, client),
        api_headers(db, settings, freelancer),
    )


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    clock.set_now(T0)
    return make_world(db, settings)


def hire(
    db: Session, settings: Settings, w: World, *amounts: int, **kw: object
) -> tuple[Contract, list[Milestone]]:
    """Send an offer from the world's proposal and accept it."""
    offer = offers.send_offer(
        db, settings, w.client, draft(*(amounts or (10_000,)), **kw), proposal_id=w.proposal.id
    )
    contract = offers.accept_offer(db, settings, w.freelancer, offer.id)
    db.flush()
    milestones = list(
        db.scalars(
            select(Milestone)
            .where(Milestone.contract_id == contract.id)
            .order_by(Milestone.position)
        )
    )
    return contract, milestones


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body
