"""Escrow-return requests (marketplace.md §5): "If funded escrow is left, the client may ask for
it back: the freelancer refunds it or disputes within 7 days; with no answer it returns to the
client."

Lock order as in ``workhall.contracts.service``: the contract row, the request row, the
milestones, then the ledger accounts. The worker claims a request by a conditional UPDATE and
never locks a contract afterwards.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts import rules
from workhall.contracts.models import REASON_MAX, Contract, EscrowReturn, Milestone
from workhall.contracts.service import (
    add_event,
    checked_text,
    load_user,
    lock_contract,
    milestone_label,
    require_party,
)
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict, Forbidden, NotFound
from workhall.core.money import format_cents
from workhall.core.settings import Settings
from workhall.notifications.service import notify
from workhall.payments import service as payments


def open_escrow_return(session: Session, contract_id: int) -> EscrowReturn | None:
    """The contract's request still waiting for an answer or under dispute, if any."""
    return session.scalar(
        select(EscrowReturn).where(
            EscrowReturn.contract_id == contract_id,
            EscrowReturn.status.in_(("pending", "disputed")),
        )
    )


def request_escrow_return(
    session: Session, settings: Settings, client: User, contract_id: int, message: str = ""
) -> EscrowReturn:
    """The client of an ended contract asks for the escrow left on it (marketplace.md §5). The
    freelancer refunds it or disputes before ``respond_by`` (7 days); with no answer it returns
    to the client. Locks the contract row, then the milestones holding escrow."""
    text = checked_text(message, "message", REASON_MAX, required=False)
    found = session.get(Contract, contract_id)
    if found is None:
        raise NotFound("There is no such contract.")
    require_party(client, found, "client")
    contract = lock_contract(session, contract_id)
    holding = list(
        session.scalars(
            select(Milestone)
            .where(Milestone.contract_id == contract.id, Milestone.status.in_(rules.HOLDS_ESCROW))
            .order_by(Milestone.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    )
    amount = sum(payments.escrow_balance(session, contract.id, milestone_id=m.id) for m in holding)
    why = rules.can_request_escrow_return(
        contract.status, amount, open_escrow_return(session, contract.id) is not None
    )
    if why:
        raise Conflict(why)
    now = utcnow()
    request = EscrowReturn(
        contract_id=contract.id,
        client_id=contract.client_id,
        freelancer_id=contract.freelancer_id,
        amount_cents=amount,
        message=text,
        status="pending",
        requested_at=now,
        respond_by=rules.respond_by(now, settings.escrow_return_days),
    )
    session.add(request)
    session.flush()
    for m in holding:
        m.escrow_return_id = request.id
    add_event(
        session,
        contract,
        "escrow_return_requested",
        actor_id=client.id,
        amount_cents=amount,
        text=text,
    )
    notify(
        session,
        load_user(session, contract.freelancer_id),
        "escrow_return_requested",
        f"{client.name} asked for the {format_cents(amount)} left in escrow on “{contract.title}”"
        f". Refund it or open a dispute within {settings.escrow_return_days} days; with no "
        "answer it returns to the client.",
        f"/contracts/{contract.id}",
    )
    return request


def _lock_escrow_return(session: Session, request_id: int) -> EscrowReturn:
    request = session.scalar(
        select(EscrowReturn)
        .where(EscrowReturn.id == request_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise NotFound("There is no such escrow-return request.")
    return request


def _give_back(
    session: Session, settings: Settings, contract: Contract, request: EscrowReturn
) -> int:
    """Refund every milestone the request covers that still holds escrow. The caller holds the
    request's lock and moved it out of ``pending``."""
    covered = list(
        session.scalars(
            select(Milestone)
            .where(Milestone.escrow_return_id == request.id)
            .order_by(Milestone.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    )
    now = utcnow()
    total = 0
    for m in covered:
        if m.status not in rules.HOLDS_ESCROW:
            continue  # approved meanwhile: that money went to the freelancer
        held = payments.escrow_balance(session, contract.id, milestone_id=m.id)
        if held > 0:
            payments.refund_escrow(
                session,
                settings,
                client_id=contract.client_id,
                contract_id=contract.id,
                amount_cents=held,
                milestone_id=m.id,
                memo=f"Escrow return {request.id}, {milestone_label(m)}"[:300],
            )
            total += held
        m.status = rules.milestone_move(m.status, "refund", actor="system", contract_active=False)
        m.refunded_at = now
    request.refunded_cents = total
    request.resolved_at = now
    return total


def refund_escrow_return(
    session: Session, settings: Settings, freelancer: User, request_id: int
) -> EscrowReturn:
    """The freelancer agrees: the escrow the request covers goes back to the client (with the
    client fee in proportion, §6.2). Locks the contract row, the request row, the milestones,
    then the ledger accounts."""
    found = session.get(EscrowReturn, request_id)
    if found is None or freelancer.id not in (found.client_id, found.freelancer_id):
        raise NotFound("There is no such escrow-return request.")
    if freelancer.id != found.freelancer_id:
        raise Forbidden("Only the freelancer of this contract can refund the escrow.")
    contract = lock_contract(session, found.contract_id)
    request = _lock_escrow_return(session, request_id)
    if request.status != "pending":
        raise Conflict(f"This request is already {request.status}.", status_now=request.status)
    request.status = "refunded"
    total = _give_back(session, settings, contract, request)
    add_event(session, contract, "escrow_refunded", actor_id=freelancer.id, amount_cents=total)
    notify(
        session,
        load_user(session, contract.client_id),
        "escrow_refunded",
        f"{freelancer.name} refunded {format_cents(total)} of escrow on “{contract.title}”.",
        f"/contracts/{contract.id}",
    )
    return request


def escrow_return_requests_due(
    session: Session, now: datetime | None = None, limit: int = 200
) -> list[EscrowReturn]:
    """Unanswered escrow-return requests whose ``respond_by`` has come (§5 "with no answer it
    returns to the client"), oldest first. A request under dispute is not due."""
    at = now if now is not None else utcnow()
    return list(
        session.scalars(
            select(EscrowReturn)
            .where(EscrowReturn.status == "pending", EscrowReturn.respond_by <= at)
            .order_by(EscrowReturn.respond_by, EscrowReturn.id)
            .limit(limit)
        )
    )


def return_unanswered_escrow(session: Session, settings: Settings, limit: int | None = None) -> int:
    """The worker's side of §5: each due request is claimed by a conditional UPDATE
    (``pending`` → ``returned``; two workers return it once), then its escrow goes back to the
    client. Locks the request row, then its milestones, then the ledger accounts. Returns how
    many requests were returned."""
    now = utcnow()
    done = 0
    for due in escrow_return_requests_due(
        session, now, limit or settings.contracts_task_batch_size
    ):
        claimed = session.execute(
            update(EscrowReturn)
            .where(
                EscrowReturn.id == due.id,
                EscrowReturn.status == "pending",
                EscrowReturn.respond_by <= now,
            )
            .values(status="returned")
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        request = _lock_escrow_return(session, due.id)
        contract = session.get(Contract, request.contract_id)
        assert contract is not None
        total = _give_back(session, settings, contract, request)
        add_event(session, contract, "escrow_returned", actor_id=None, amount_cents=total)
        for user_id, text in (
            (
                contract.client_id,
                f"{format_cents(total)} of escrow on “{contract.title}” came back to you: the "
                f"freelancer did not answer within {settings.escrow_return_days} days.",
            ),
            (
                contract.freelancer_id,
                f"{format_cents(total)} of escrow on “{contract.title}” returned to the client: "
                f"no answer within {settings.escrow_return_days} days.",
            ),
        ):
            notify(
                session,
                load_user(session, user_id),
                "escrow_returned",
                text,
                f"/contracts/{contract.id}",
            )
        done += 1
    return done


def mark_escrow_return_disputed(
    session: Session, request_id: int, dispute_id: int | None = None
) -> EscrowReturn:
    """For the disputes feature: the freelancer disputes a pending request before
    ``respond_by``, so it no longer returns on its own. The covered milestones keep their state
    and their ``escrow_return_id`` (automatic approval leaves them alone) until the dispute
    settles them. Locks the request row. Raises 409 when it is not pending or too late."""
    request = _lock_escrow_return(session, request_id)
    if request.status != "pending":
        raise Conflict(f"This request is already {request.status}.", status_now=request.status)
    if utcnow() >= request.respond_by:
        raise Conflict("The time to answer this request has passed.")
    request.status = "disputed"
    request.dispute_id = dispute_id
    contract = session.get(Contract, request.contract_id)
    assert contract is not None
    add_event(session, contract, "escrow_return_disputed", actor_id=request.freelancer_id)
    return request
