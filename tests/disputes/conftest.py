"""Helpers for the dispute tests: a contract whose milestone had changes requested twice, and
an ended contract whose escrow the client asked back — both built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from tests.contracts.conftest import T0, World, hire, make_world
from tests.factories import api_headers, make_user
from workhall.accounts.models import User
from workhall.contracts import returns
from workhall.contracts import service as contracts
from workhall.contracts.models import Contract, EscrowReturn, Milestone
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.disputes import service
from workhall.disputes.models import Dispute
from workhall.disputes.service import Subject
from workhall.ledger import service as ledger

__all__ = ["T0", "Case", "balances", "file_on_milestone"]


@dataclass
class Case:
    w: World
    contract: Contract
    milestone: Milestone


def sent_back_twice(db: Session, settings: Settings, w: World, amount: int = 10_000) -> Case:
    """A funded milestone the client sent back for changes a second time (the contracts feature
    counts the requests on a milestone's submission: submit, changes, resubmit, changes)."""
    contract, (m, *_) = hire(db, settings, w, amount)
    contracts.fund_milestone(db, settings, w.client, m.id)
    contracts.submit_work(db, settings, w.freelancer, m.id, "Here is the booking app.")
    contracts.request_changes(db, settings, w.client, m.id, "The colours are wrong.")
    contracts.submit_work(db, settings, w.freelancer, m.id, "New colours, as asked.")
    contracts.request_changes(db, settings, w.client, m.id, "Still wrong, and the font too.")
    db.flush()
    return Case(w, contract, m)


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    clock.set_now(T0)
    return make_world(db, settings)


@pytest.fixture
def case(db: Session, settings: Settings, world: World) -> Case:
    return sent_back_twice(db, settings, world)


def file_on_milestone(db: Session, settings: Settings, c: Case) -> Dispute:
    return service.file_dispute(
        db,
        settings,
        c.w.freelancer,
        Subject(milestone_id=c.milestone.id),
        "I did what the job asked.",
    )


@pytest.fixture
def disputed(db: Session, settings: Settings, case: Case) -> Dispute:
    return file_on_milestone(db, settings, case)


@pytest.fixture
def answered(db: Session, settings: Settings, case: Case, disputed: Dispute) -> Dispute:
    clock.advance(timedelta(days=1))
    return service.answer_dispute(
        db, settings, case.w.client, disputed.id, "The work does not match the brief."
    )


@dataclass
class ReturnCase:
    w: World
    contract: Contract
    milestones: list[Milestone]
    request: EscrowReturn


@pytest.fixture
def return_case(db: Session, settings: Settings, world: World) -> ReturnCase:
    """An ended contract with $100 funded and $200 submitted; the client asks for both back."""
    contract, ms = hire(db, settings, world, 10_000, 20_000)
    for m in ms:
        contracts.fund_milestone(db, settings, world.client, m.id)
    contracts.submit_work(db, settings, world.freelancer, ms[1].id, "Part two is done.")
    contracts.end_contract(db, settings, world.client, contract.id, "Going another way.")
    request = returns.request_escrow_return(db, settings, world.client, contract.id, "Please.")
    db.flush()
    return ReturnCase(world, contract, ms, request)


@pytest.fixture
def agent(db: Session, settings: Settings) -> User:
    return make_user(db, settings, "staff", staff_roles="trust_safety")


@pytest.fixture
def support(db: Session, settings: Settings) -> User:
    return make_user(db, settings, "staff", staff_roles="support")


@pytest.fixture
def agent_headers(db: Session, settings: Settings, agent: User) -> dict[str, str]:
    return api_headers(db, settings, agent)


def balances(db: Session, user: User) -> dict[str, int]:
    return ledger.user_balances(db, user.id)
