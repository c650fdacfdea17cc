"""Helpers for the hourly tests: a client with a saved card hires a freelancer on an hourly
contract through the offer services; the clock is frozen by each test."""

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
from workhall.contracts.models import Contract
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.ledger.service import ledger_problems
from workhall.proposals import service as proposals

# Monday 2026-11-30 08:00 UTC: the billing week Nov 30 – Dec 6 spans a month end.
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
GOOD_CARD = "4242 4242 4242 4242"
DECLINES_ON_CHARGE = "4000 0000 0000 0341"
RATE = 5_000  # $50/hr
LIMIT_HOURS = 10


@dataclass
class Hourly:
    client: User
    freelancer: User
    contract: Contract
    ch: dict[str, str]
    fh: dict[str, str]


def hire_hourly(
    db: Session,
    settings: Settings,
    *,
    card: str = GOOD_CARD,
    rate: int = RATE,
    limit: int = LIMIT_HOURS,
    at: datetime = START,
) -> Hourly:
    clock.set_now(at)
    client = make_client(db, settings)
    profiles.add_payment_method(
        db, settings, client, number=card, exp_month=12, exp_year=2035, cvc="123"
    )
    freelancer = make_freelancer(db, settings)
    job = make_job(db, settings, client, budget_type="hourly")
    letter = "I have built three booking apps like this one; happy to help with yours."
    proposal = proposals.submit_proposal(db, settings, freelancer, job.id, letter, 5_000).proposal
    offer = offers.send_offer(
        db,
        settings,
        client,
        offers.OfferDraft(
            title="Hourly help",
            description="Ongoing work on the booking app.",
            kind="hourly",
            hourly_rate_cents=rate,
            weekly_limit_hours=limit,
        ),
        proposal_id=proposal.id,
    )
    contract = offers.accept_offer(db, settings, freelancer, offer.id)
    db.flush()
    return Hourly(
        client,
        freelancer,
        contract,
        api_headers(db, settings, client),
        api_headers(db, settings, freelancer),
    )


@pytest.fixture
def hourly(db: Session, settings: Settings) -> Hourly:
    return hire_hourly(db, settings)


def count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.fixture(autouse=True)
def _ledger_holds(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """quality.md §2 "Ledger invariant" after every test that used the database."""
    yield
    if "db" in request.fixturenames:
        assert ledger_problems(request.getfixturevalue("db")) == []
