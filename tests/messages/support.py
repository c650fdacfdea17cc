"""Helpers shared by the messages and feedback tests: a proposal sent through the proposals
service, a contract (with the offer it came from) between a client and a freelancer, payments
released on it, and signed-in browsers."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_client, make_freelancer, make_job
from workhall.accounts import service as accounts
from workhall.accounts.models import User
from workhall.contracts.models import Contract, Offer
from workhall.core.clock import utcnow
from workhall.core.settings import Settings
from workhall.core.web import SESSION_COOKIE
from workhall.payments.models import Payment
from workhall.proposals.models import Proposal
from workhall.proposals.service import submit_proposal

LETTER = "Hello! I have built three booking apps like this one; here is how I would start."


def make_proposal(
    db: Session, settings: Settings, client: User | None = None, freelancer: User | None = None
) -> Proposal:
    client = client or make_client(db, settings)
    freelancer = freelancer or make_freelancer(db, settings)
    job = make_job(db, settings, client)
    return submit_proposal(db, settings, freelancer, job.id, LETTER, 50_000).proposal


def make_contract(
    db: Session,
    settings: Settings,
    client: User | None = None,
    freelancer: User | None = None,
    *,
    ended_at: datetime | None = None,
    title: str = "Booking web app",
) -> Contract:
    """A fixed-price contract as an accepted offer leaves it; ``ended_at`` ends it then."""
    client = client or make_client(db, settings)
    freelancer = freelancer or make_freelancer(db, settings)
    now = utcnow()
    offer = Offer(
        client_id=client.id,
        freelancer_id=freelancer.id,
        title=title,
        kind="fixed",
        status="accepted",
        created_at=now - timedelta(days=40),
        expires_at=now - timedelta(days=26),
        accepted_at=now - timedelta(days=39),
    )
    db.add(offer)
    db.flush()
    contract = Contract(
        client_id=client.id,
        freelancer_id=freelancer.id,
        offer_id=offer.id,
        kind="fixed",
        title=title,
        status="ended" if ended_at else "active",
        started_at=now - timedelta(days=39),
        ended_at=ended_at,
    )
    db.add(contract)
    db.flush()
    offer.contract_id = contract.id
    db.flush()
    return contract


def end_contract(db: Session, contract: Contract, at: datetime) -> None:
    contract.status = "ended"
    contract.ended_at = at
    db.flush()


def pay(db: Session, contract: Contract, cents: int, at: datetime | None = None) -> Payment:
    """A release to the freelancer (marketplace.md §6.2), as the payments feature records it."""
    at = at or contract.started_at + timedelta(days=1)
    row = Payment(
        contract_id=contract.id,
        client_id=contract.client_id,
        freelancer_id=contract.freelancer_id,
        amount_cents=cents,
        fee_cents=cents // 10,
        at=at,
        available_at=at + timedelta(days=5),
    )
    db.add(row)
    db.flush()
    return row


def sign_in(client: TestClient, db: Session, settings: Settings, user: User) -> str:
    """Give the test browser a session for ``user``; returns the CSRF token of its forms."""
    token, ws = accounts.create_web_session(db, settings, user)
    db.flush()
    client.cookies.set(SESSION_COOKIE, token)
    return str(ws.csrf_token)


def problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body  # type: ignore[no-any-return]


def well_formed(html: str, csrf: str) -> None:
    """No inline script (the CSP forbids them) and every POST form carries the CSRF token."""
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    for form in re.findall(r'<form method="post".*?</form>', html, flags=re.S):
        assert f'name="csrf_token" value="{csrf}"' in form, form[:200]
