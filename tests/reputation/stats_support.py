"""Helpers for the My Stats and JSS page tests: contracts with payments, client feedback,
proposals moved through the funnel by the proposals service, and stored evaluations."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tests.factories import make_client, make_job
from tests.messages.support import make_contract, pay
from workhall.accounts.models import User
from workhall.connects.service import issue_lot
from workhall.contracts.models import Contract
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.feedback.models import CLIENT_CRITERIA, Feedback
from workhall.proposals import service as proposals
from workhall.proposals.models import Proposal
from workhall.reputation.models import Evaluation

LETTER = "I have built several apps like this one and can start this week."


def contract_paid(
    db: Session,
    settings: Settings,
    client: User,
    freelancer: User,
    payments: list[tuple[datetime, int]],
    *,
    ended_at: datetime | None = None,
    job_category: str | None = None,
    started_at: datetime | None = None,
) -> Contract:
    contract = make_contract(db, settings, client, freelancer, ended_at=ended_at)
    if started_at is not None:
        contract.started_at = started_at
    if job_category is not None:
        contract.job_id = make_job(db, settings, client, category=job_category).id
    for at, cents in payments:
        pay(db, contract, cents, at)
    db.flush()
    return contract


def client_feedback(
    db: Session,
    contract: Contract,
    scores: tuple[int, ...] | None,
    revealed_at: datetime,
    *,
    public_score: str | None = None,
) -> Feedback:
    """The client's feedback on the freelancer: six criteria, or one imported public score."""
    fields: dict[str, Any] = {}
    if scores is not None:
        fields = dict(zip(CLIENT_CRITERIA, scores, strict=True))
    row = Feedback(
        contract_id=contract.id,
        author_role="client",
        author_id=contract.client_id,
        recipient_id=contract.freelancer_id,
        comment="Great work.",
        imported=scores is None,
        public_score=Decimal(public_score) if public_score else None,
        submitted_at=revealed_at - timedelta(days=1),
        updated_at=revealed_at - timedelta(days=1),
        reveal_at=revealed_at,
        **fields,
    )
    db.add(row)
    db.flush()
    return row


def give_connects(db: Session, settings: Settings, user: User, amount: int, source: str) -> None:
    issue_lot(db, settings, user.id, kind="award", source=source, amount=amount)
    db.flush()


def propose(
    db: Session,
    settings: Settings,
    freelancer: User,
    at: datetime,
    *,
    category: str = "web-dev",
    client: User | None = None,
    boost: int = 0,
) -> tuple[Proposal, User]:
    """A proposal sent at ``at`` on a new job of ``category``; returns it and the job's client."""
    clock.set_now(at - timedelta(hours=1))
    client = client or make_client(db, settings)
    job = make_job(db, settings, client, category=category)
    clock.set_now(at)
    sent = proposals.submit_proposal(
        db, settings, freelancer, job.id, LETTER, 10_000, boost_connects=boost
    )
    db.flush()
    return sent.proposal, client


def view(db: Session, settings: Settings, proposal: Proposal, client: User, at: datetime) -> None:
    clock.set_now(at)
    proposals.view_proposal(db, client, proposal.id, settings)
    db.flush()


def interview(db: Session, settings: Settings, proposal: Proposal, at: datetime) -> None:
    clock.set_now(at)
    proposals.mark_interviewing(db, proposal, settings)
    db.flush()


def hire(db: Session, settings: Settings, proposal: Proposal, at: datetime) -> None:
    clock.set_now(at)
    proposals.mark_hired(db, proposal, settings)
    db.flush()


def evaluation(
    db: Session,
    user: User,
    instant: datetime,
    *,
    jss: int | None = None,
    level: str = "none",
    at_risk: bool = False,
    rising_talent: str | None = None,
    eligible_weeks: int = 0,
    details: dict[str, Any] | None = None,
) -> Evaluation:
    row = Evaluation(
        user_id=user.id,
        instant=instant,
        jss=jss,
        earned_level=level,
        level=level,
        at_risk=at_risk,
        rising_talent=rising_talent,
        eligible_weeks=eligible_weeks,
        details=details or {},
        created_at=instant,
    )
    db.add(row)
    db.flush()
    return row


def criteria(*items: tuple[str, str, bool, Any]) -> list[dict[str, Any]]:
    return [{"name": n, "label": label, "met": met, "value": v} for n, label, met, v in items]
