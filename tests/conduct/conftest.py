"""Helpers for the conduct tests: ended contracts with revealed feedback of both sides,
freelancers rated by other clients, lost disputes, cases at each step, staff users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from tests.factories import make_client, make_freelancer, make_user
from tests.messages.support import make_contract
from workhall.accounts.models import User
from workhall.conduct import rules, service
from workhall.conduct.models import ConductCase
from workhall.contracts.models import Contract
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.disputes.models import Dispute
from workhall.feedback.models import CLIENT_CRITERIA, FREELANCER_CRITERIA, Feedback, FeedbackPrivate

# An evaluation instant (the 1st of a month, 00:00 UTC).
T = datetime(2026, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def ended(
    db: Session,
    settings: Settings,
    client: User,
    freelancer: User | None = None,
    *,
    at: datetime,
    given: int | None = None,
    work_again: int | None = None,
    unprofessional: bool = False,
    imported_score: str | None = None,
) -> Contract:
    """A contract of ``client`` that ended at ``at``; the client's public score ``given`` (all
    six criteria) and the freelancer's private ``work_again`` revealed a day later."""
    freelancer = freelancer or make_freelancer(db, settings)
    contract = make_contract(db, settings, client, freelancer, ended_at=at)
    reveal = at + DAY
    if given is not None or imported_score is not None:
        fb = Feedback(
            contract_id=contract.id,
            author_role="client",
            author_id=client.id,
            recipient_id=freelancer.id,
            submitted_at=at,
            updated_at=at,
            reveal_at=reveal,
            imported=imported_score is not None,
            public_score=Decimal(imported_score) if imported_score else None,
            **({n: given for n in CLIENT_CRITERIA} if imported_score is None else {}),
        )
        db.add(fb)
    if work_again is not None:
        fb = Feedback(
            contract_id=contract.id,
            author_role="freelancer",
            author_id=freelancer.id,
            recipient_id=client.id,
            submitted_at=at,
            updated_at=at,
            reveal_at=reveal,
            **{n: 3 for n in FREELANCER_CRITERIA},
        )
        db.add(fb)
        db.flush()
        db.add(
            FeedbackPrivate(
                feedback_id=fb.id,
                likelihood=work_again,
                unprofessional=unprofessional,
                unprofessional_reason="rude" if unprofessional else "",
            )
        )
    db.flush()
    return contract


def rated_highly(db: Session, settings: Settings, freelancer: User, at: datetime) -> None:
    """Two other clients gave ``freelancer`` 5.00 (revealed before ``at``)."""
    for _ in range(2):
        ended(db, settings, make_client(db, settings), freelancer, at=at - 20 * DAY, given=5)


def lose_dispute(db: Session, contract: Contract, at: datetime) -> Dispute:
    d = Dispute(
        contract_id=contract.id,
        client_id=contract.client_id,
        freelancer_id=contract.freelancer_id,
        subject_kind="milestone",
        at_stake_cents=10_000,
        reason="The client asked for changes a second time.",
        filed_at=at - 6 * DAY,
        answer_due=at - DAY,
        status="decided",
        outcome="freelancer_won",
        decided_at=at,
    )
    db.add(d)
    db.flush()
    return d


def flaggable_client(db: Session, settings: Settings, at: datetime = T) -> User:
    """Five contracts ended in the window and two disputes lost: flagged at ``at``."""
    client = make_client(db, settings)
    contracts = [ended(db, settings, client, at=at - (30 + i) * DAY) for i in range(5)]
    lose_dispute(db, contracts[0], at - 20 * DAY)
    lose_dispute(db, contracts[1], at - 10 * DAY)
    return client


def agent(db: Session, settings: Settings, role: str = "trust_safety") -> User:
    return make_user(db, settings, "staff", staff_roles=role)


SIGNALS = rules.Signals(5, 0, 0, 0, 0, 0, 0, 2, False, False)


def new_case(db: Session, client: User, at: datetime = T) -> ConductCase:
    clock.set_now(at)
    case = service.open_case(db, client.id, at, SIGNALS)
    assert case is not None
    return case


def contacted_case(db: Session, settings: Settings, client: User, at: datetime = T) -> ConductCase:
    case = new_case(db, client, at)
    return service.contact(db, settings, agent(db, settings), case.id, "Please be kind.")


def monitored_case(db: Session, settings: Settings, client: User, at: datetime = T) -> ConductCase:
    contacted_case(db, settings, client, at)
    return service.acknowledge(db, settings, client)


def restricted_case(db: Session, settings: Settings, client: User, at: datetime = T) -> ConductCase:
    case = monitored_case(db, settings, client, at)
    service.restrict(db, settings, case, "Monitoring ended.", clock.utcnow())
    db.flush()
    return case
