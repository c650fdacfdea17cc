"""Reads for the offer and contract pages and API. Nothing here writes.

Who may read: an offer or a contract is seen by its two parties, and by staff with the
``trust_safety`` or ``admin`` role; anyone else gets 404 (no hint that it exists).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts import rules
from workhall.contracts.models import (
    Contract,
    ContractEvent,
    EscrowReturn,
    Milestone,
    Offer,
    OfferMilestone,
)
from workhall.contracts.offers import offer_milestones
from workhall.contracts.returns import open_escrow_return
from workhall.contracts.service import EscrowSummary, can_read, contract_for, escrow_summary
from workhall.core.clock import utcnow
from workhall.core.errors import NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.jobs.models import Job

CONTRACT_TABS = ("active", "ended")
OFFER_BOXES = ("received", "sent")
LIST_LIMIT = 200


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


# --- offers -----------------------------------------------------------------------------------


@dataclass
class OfferView:
    offer: Offer
    status: str  # effective: a lapsed pending offer reads "expired"
    milestones: list[OfferMilestone]
    client: User
    freelancer: User
    job: Job | None
    viewer_role: str  # client | freelancer | staff

    @property
    def total_cents(self) -> int:
        return sum(m.amount_cents for m in self.milestones)


def _offer_view(session: Session, offer: Offer, viewer: User, users: dict[int, User]) -> OfferView:
    role = (
        "client"
        if viewer.id == offer.client_id
        else "freelancer"
        if viewer.id == offer.freelancer_id
        else "staff"
    )
    return OfferView(
        offer=offer,
        status=rules.effective_offer_status(offer.status, offer.expires_at, utcnow()),
        milestones=offer_milestones(session, offer.id),
        client=users[offer.client_id],
        freelancer=users[offer.freelancer_id],
        job=session.get(Job, offer.job_id) if offer.job_id else None,
        viewer_role=role,
    )


def offer_for(session: Session, user: User, offer_id: int) -> OfferView:
    offer = session.get(Offer, offer_id)
    staff = user.is_staff and user.has_staff_role("trust_safety")
    if offer is None or (user.id not in (offer.client_id, offer.freelancer_id) and not staff):
        raise NotFound("There is no such offer.")
    users = _users(session, {offer.client_id, offer.freelancer_id})
    return _offer_view(session, offer, user, users)


def my_offers(
    session: Session, user: User, *, box: str | None = None, status: str | None = None
) -> list[OfferView]:
    """A freelancer's received offers or a client's sent offers, newest first; ``status``
    filters on the effective status (pending, accepted, declined, withdrawn, expired)."""
    if status is not None and status not in (
        "pending",
        "accepted",
        "declined",
        "withdrawn",
        "expired",
    ):
        raise Unprocessable(
            "status is one of pending, accepted, declined, withdrawn, expired.", field="status"
        )
    box = box or ("sent" if user.is_client else "received")
    if box not in OFFER_BOXES:
        raise Unprocessable("box is received or sent.", field="box")
    column = Offer.client_id if box == "sent" else Offer.freelancer_id
    offers = list(
        session.scalars(
            select(Offer)
            .where(column == user.id)
            .order_by(Offer.created_at.desc(), Offer.id.desc())
            .limit(LIST_LIMIT)
        )
    )
    users = _users(session, {o.client_id for o in offers} | {o.freelancer_id for o in offers})
    views = [_offer_view(session, o, user, users) for o in offers]
    return [v for v in views if status is None or v.status == status]


# --- contracts --------------------------------------------------------------------------------


@dataclass
class ContractRow:
    contract: Contract
    client: User
    freelancer: User
    other: User
    milestones: int
    in_escrow_cents: int
    needs_you: int  # milestones waiting for the viewer


def _waiting_for(m: Milestone, role: str, active: bool) -> bool:
    if role == "client":
        return m.status == "submitted" or (active and m.status == "pending")
    return active and m.status in ("funded", "changes_requested")


def my_contracts(session: Session, user: User, tab: str = "active") -> list[ContractRow]:
    if tab not in CONTRACT_TABS:
        raise Unprocessable("tab is active or ended.", field="tab")
    contracts = list(
        session.scalars(
            select(Contract)
            .where(
                or_(Contract.client_id == user.id, Contract.freelancer_id == user.id),
                Contract.status == tab,
            )
            .order_by(Contract.started_at.desc(), Contract.id.desc())
            .limit(LIST_LIMIT)
        )
    )
    ids = [c.id for c in contracts]
    by_contract: dict[int, list[Milestone]] = {i: [] for i in ids}
    if ids:
        for m in session.scalars(select(Milestone).where(Milestone.contract_id.in_(ids))):
            by_contract[m.contract_id].append(m)
    users = _users(session, {c.client_id for c in contracts} | {c.freelancer_id for c in contracts})
    rows = []
    for c in contracts:
        role = "client" if c.client_id == user.id else "freelancer"
        ms = by_contract[c.id]
        rows.append(
            ContractRow(
                contract=c,
                client=users[c.client_id],
                freelancer=users[c.freelancer_id],
                other=users[c.freelancer_id if role == "client" else c.client_id],
                milestones=len(ms),
                in_escrow_cents=sum(m.amount_cents for m in ms if m.holds_escrow),
                needs_you=sum(_waiting_for(m, role, c.is_active) for m in ms),
            )
        )
    return rows


def tab_counts(session: Session, user: User) -> dict[str, int]:
    out = dict.fromkeys(CONTRACT_TABS, 0)
    for status in session.scalars(
        select(Contract.status).where(
            or_(Contract.client_id == user.id, Contract.freelancer_id == user.id)
        )
    ):
        out[status] = out.get(status, 0) + 1
    return out


@dataclass
class MilestoneRow:
    milestone: Milestone
    actions: list[str]
    fee_cents: int  # client fee if the client funds it now
    charge_cents: int
    auto_approve_at: datetime | None


@dataclass
class TimelineItem:
    event: ContractEvent
    actor: User | None
    milestone: Milestone | None


@dataclass
class ContractView:
    contract: Contract
    client: User
    freelancer: User
    job: Job | None
    viewer_role: str  # client | freelancer | staff
    milestones: list[MilestoneRow]
    escrow: EscrowSummary
    escrow_return: EscrowReturn | None
    past_returns: list[EscrowReturn]
    timeline: list[TimelineItem] = field(default_factory=list)
    card_last4: str | None = None

    @property
    def total_cents(self) -> int:
        return sum(r.milestone.amount_cents for r in self.milestones)

    def can(self, action: str) -> bool:
        return any(action in r.actions for r in self.milestones)


def milestones_of(session: Session, contract_id: int) -> list[Milestone]:
    return list(
        session.scalars(
            select(Milestone)
            .where(Milestone.contract_id == contract_id)
            .order_by(Milestone.position, Milestone.id)
        )
    )


def contract_view(
    session: Session, settings: Settings, user: User, contract_id: int
) -> ContractView:
    contract = contract_for(session, user, contract_id)
    role = (
        "client"
        if user.id == contract.client_id
        else "freelancer"
        if user.id == contract.freelancer_id
        else "staff"
    )
    returns = list(
        session.scalars(
            select(EscrowReturn)
            .where(EscrowReturn.contract_id == contract.id)
            .order_by(EscrowReturn.requested_at.desc())
        )
    )
    open_request = open_escrow_return(session, contract.id)
    rows = []
    for m in milestones_of(session, contract.id):
        covered = open_request is not None and m.escrow_return_id == open_request.id
        actions = (
            rules.allowed_actions(
                m.status, role, contract_active=contract.is_active, return_pending=covered
            )
            if role != "staff"
            else []
        )
        fee, charge = rules.funding_charge(m.amount_cents, settings.client_fee_basis_points)
        rows.append(
            MilestoneRow(
                milestone=m,
                actions=actions,
                fee_cents=fee,
                charge_cents=charge,
                auto_approve_at=(
                    rules.auto_approve_at(m.submitted_at, settings.auto_approve_days)
                    if m.status == "submitted" and m.submitted_at and not covered
                    else None
                ),
            )
        )
    users = _users(session, {contract.client_id, contract.freelancer_id})
    events = list(
        session.scalars(
            select(ContractEvent)
            .where(ContractEvent.contract_id == contract.id)
            .order_by(ContractEvent.at.desc(), ContractEvent.id.desc())
        )
    )
    by_id = {r.milestone.id: r.milestone for r in rows}
    client = users[contract.client_id]
    profile = client.client_profile
    return ContractView(
        contract=contract,
        client=client,
        freelancer=users[contract.freelancer_id],
        job=session.get(Job, contract.job_id) if contract.job_id else None,
        viewer_role=role,
        milestones=rows,
        escrow=escrow_summary(session, contract.id),
        escrow_return=open_request,
        past_returns=[r for r in returns if open_request is None or r.id != open_request.id],
        timeline=[
            TimelineItem(
                e,
                users.get(e.actor_id) if e.actor_id else None,
                by_id.get(e.milestone_id) if e.milestone_id else None,
            )
            for e in events
        ],
        card_last4=profile.payment_method_last4 if profile is not None else None,
    )


def escrow_return_for(session: Session, user: User, request_id: int) -> EscrowReturn:
    request = session.get(EscrowReturn, request_id)
    contract = session.get(Contract, request.contract_id) if request else None
    if request is None or contract is None or not can_read(user, contract):
        raise NotFound("There is no such escrow-return request.")
    return request


def contracts_between(session: Session, client_id: int, freelancer_id: int) -> list[Contract]:
    """For the feedback and messages features: the pair's contracts, oldest first."""
    return list(
        session.scalars(
            select(Contract)
            .where(Contract.client_id == client_id, Contract.freelancer_id == freelancer_id)
            .order_by(Contract.started_at, Contract.id)
        )
    )
