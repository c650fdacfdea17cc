"""Dispute writes (marketplace.md §5 "Disputes"): filing, the client's answer, messages, the
agent's decision, the default decision, and the money each outcome moves.

Every function runs in the caller's unit of work and never commits. Lock order, compatible
with the contracts feature's (contract → escrow-return request → milestones → ledger):
filing locks the contract row, then the request or the milestone; everything after filing
starts at the dispute row (claimed by a conditional UPDATE, or locked), then the request,
then the milestones, then the ledger accounts (through the payments service), and never locks
a contract. A dispute's money moves once: it moves only in the same transaction that takes
the dispute out of its open state, under that row's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit.service import record
from workhall.contracts import rules as contract_rules
from workhall.contracts.models import Contract, EscrowReturn, Milestone
from workhall.contracts.returns import mark_escrow_return_disputed
from workhall.contracts.service import (
    add_event,
    checked_text,
    load_user,
    lock_contract,
    lock_milestone,
    milestone_label,
)
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.money import format_cents
from workhall.core.settings import Settings
from workhall.disputes import rules
from workhall.disputes.models import (
    ANSWER_MAX,
    MESSAGE_MAX,
    NOTES_MAX,
    REASON_MAX,
    Dispute,
    DisputeMessage,
)
from workhall.notifications.service import notify
from workhall.payments import service as payments
from workhall.timesheets.models import HourlyInvoice

OPEN = ("awaiting_client", "in_mediation")
T = TypeVar("T")


def is_agent(user: User) -> bool:
    """Trust & safety staff (admin passes too) mediate and decide disputes."""
    return user.is_staff and user.has_staff_role("trust_safety")


def link(dispute: Dispute) -> str:
    return f"/disputes/{dispute.id}"


# --- reading ------------------------------------------------------------------------------------


def dispute_for(session: Session, user: User, dispute_id: int) -> Dispute:
    """The dispute if ``user`` is one of its parties or an agent; 404 otherwise."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None or not (user.id in dispute.party_ids() or is_agent(user)):
        raise NotFound("There is no such dispute.")
    return dispute


def messages_of(session: Session, dispute_id: int) -> list[DisputeMessage]:
    return list(
        session.scalars(
            select(DisputeMessage)
            .where(DisputeMessage.dispute_id == dispute_id)
            .order_by(DisputeMessage.at, DisputeMessage.id)
        )
    )


def staff_queue(session: Session, agent: User, limit: int) -> list[Dispute]:
    """Open disputes, the soonest due first (an answered one is due for a decision now)."""
    if not is_agent(agent):
        raise Forbidden("Disputes are mediated by trust & safety staff.")
    return list(
        session.scalars(
            select(Dispute)
            .where(Dispute.status.in_(OPEN))
            .order_by(Dispute.answer_due, Dispute.id)
            .limit(limit)
        )
    )


def has_open_dispute(
    session: Session,
    *,
    milestone_id: int | None = None,
    escrow_return_id: int | None = None,
    invoice_id: int | None = None,
) -> bool:
    """For the contracts and hourly features: is this money frozen by an open dispute? A
    milestone is frozen by a dispute on it, or on the escrow-return request covering it."""
    conditions = []
    if milestone_id is not None:
        conditions.append(Dispute.milestone_id == milestone_id)
        covering = select(Milestone.escrow_return_id).where(Milestone.id == milestone_id)
        conditions.append(Dispute.escrow_return_id.in_(covering.scalar_subquery()))
    if escrow_return_id is not None:
        conditions.append(Dispute.escrow_return_id == escrow_return_id)
    if invoice_id is not None:
        conditions.append(Dispute.invoice_id == invoice_id)
    if not conditions:
        raise ValueError("name a milestone, an escrow-return request or an invoice")
    return bool(session.scalar(select(exists().where(Dispute.status.in_(OPEN), or_(*conditions)))))


@dataclass(frozen=True)
class Subject:
    """What a dispute is about: exactly one of the three ids (marketplace.md §5)."""

    milestone_id: int | None = None
    escrow_return_id: int | None = None
    invoice_id: int | None = None

    def __post_init__(self) -> None:
        named = (self.milestone_id, self.escrow_return_id, self.invoice_id)
        if sum(x is not None for x in named) != 1:
            raise Unprocessable(
                "Name exactly one subject: a milestone, an escrow-return request or an invoice."
            )

    @property
    def kind(self) -> str:
        if self.milestone_id is not None:
            return "milestone"
        return "escrow_return" if self.escrow_return_id is not None else "invoice"

    @property
    def key(self) -> str:
        """The ``open_key`` of an open dispute about it."""
        return f"{self.kind}:{self.milestone_id or self.escrow_return_id or self.invoice_id}"


def open_dispute_for(session: Session, subject: Subject) -> Dispute | None:
    return session.scalar(select(Dispute).where(Dispute.open_key == subject.key))


def _covered(session: Session, request_id: int, *, lock: bool) -> list[Milestone]:
    query = (
        select(Milestone)
        .where(
            Milestone.escrow_return_id == request_id,
            Milestone.status.in_(contract_rules.HOLDS_ESCROW),
        )
        .order_by(Milestone.id)
    )
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return list(session.scalars(query))


def _held(session: Session, contract_id: int, milestones: list[Milestone]) -> list[int]:
    return [payments.escrow_balance(session, contract_id, milestone_id=m.id) for m in milestones]


def _get(session: Session, model: type[T], row_id: int, *, lock: bool) -> T | None:
    if not lock:
        return session.get(model, row_id)
    found: T | None = session.scalar(
        select(model)  # type: ignore[arg-type]
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return found


def _contract_of(session: Session, subject: Subject) -> Contract | None:
    row: Milestone | EscrowReturn | HourlyInvoice | None
    if subject.milestone_id is not None:
        row = session.get(Milestone, subject.milestone_id)
    elif subject.escrow_return_id is not None:
        row = session.get(EscrowReturn, subject.escrow_return_id)
    else:
        assert subject.invoice_id is not None
        row = session.get(HourlyInvoice, subject.invoice_id)
    return session.get(Contract, row.contract_id) if row is not None else None


@dataclass(frozen=True)
class Preview:
    """A subject's eligibility, as the "Open a dispute" page shows it and filing checks it."""

    contract: Contract
    label: str
    at_stake_cents: int
    problem: str | None  # why it cannot be disputed now, or None
    deadline: datetime | None  # the end of the window to dispute


def _eligibility(
    session: Session, settings: Settings, contract: Contract, subject: Subject, *, lock: bool
) -> Preview:
    """The rules of §5 over the subject's row (locked when ``lock``) and its escrow now."""
    now = utcnow()
    days = settings.dispute_window_days
    if subject.milestone_id is not None:
        m = _get(session, Milestone, subject.milestone_id, lock=lock)
        assert m is not None
        why = rules.milestone_dispute_problem(
            status=m.status,
            changes_requested_count=m.changes_requested_count,
            changes_requested_at=m.changes_requested_at,
            under_escrow_return=m.escrow_return_id is not None,
            now=now,
            window_days=days,
        )
        at_stake = payments.escrow_balance(session, contract.id, milestone_id=m.id)
        label = milestone_label(m).capitalize()
        since = m.changes_requested_at
        deadline = rules.window_closes(since, days) if since else None
    elif subject.escrow_return_id is not None:
        r = _get(session, EscrowReturn, subject.escrow_return_id, lock=lock)
        assert r is not None
        why = rules.escrow_return_dispute_problem(status=r.status, respond_by=r.respond_by, now=now)
        at_stake = sum(_held(session, contract.id, _covered(session, r.id, lock=lock)))
        label = "The client's request for the escrow back"
        deadline = r.respond_by
    else:
        assert subject.invoice_id is not None
        inv = _get(session, HourlyInvoice, subject.invoice_id, lock=lock)
        assert inv is not None
        why = rules.invoice_dispute_problem(
            status=inv.status, disputed_at=inv.disputed_at, now=now, window_days=days
        )
        at_stake = payments.escrow_balance(session, contract.id, invoice_id=inv.id)
        label = f"The hourly invoice for the week of {inv.week_start:%b %d, %Y}"
        deadline = rules.window_closes(inv.disputed_at, days) if inv.disputed_at else None
    if why is None and open_dispute_for(session, subject) is not None:
        why = "This is already under dispute."
    if why is None and at_stake <= 0:
        why = "No escrow is held for this."
    return Preview(contract, label, at_stake, why, deadline)


def _freelancer_contract(session: Session, freelancer: User, subject: Subject) -> Contract:
    contract = _contract_of(session, subject)
    if contract is None or freelancer.id not in contract.party_ids():
        raise NotFound("There is no such milestone, escrow-return request or invoice.")
    if freelancer.id != contract.freelancer_id:
        raise Forbidden("Only the freelancer of this contract can open a dispute.")
    return contract


def preview(session: Session, settings: Settings, freelancer: User, subject: Subject) -> Preview:
    """Read-only eligibility for the subject's freelancer (404 for strangers, 403 for the
    client). Locks nothing; filing checks again under the locks."""
    contract = _freelancer_contract(session, freelancer, subject)
    return _eligibility(session, settings, contract, subject, lock=False)


def file_dispute(
    session: Session, settings: Settings, freelancer: User, subject: Subject, reason: str
) -> Dispute:
    """The freelancer disputes a milestone, an escrow-return request or a disputed hourly
    invoice (marketplace.md §5). Locks the contract row, then the request, milestone or invoice
    row. Raises 404 (not theirs), 403 (the client), 409 (not eligible, already disputed), 422
    (bad reason)."""
    text = checked_text(reason, "reason", REASON_MAX, required=True)
    contract = lock_contract(session, _freelancer_contract(session, freelancer, subject).id)
    p = _eligibility(session, settings, contract, subject, lock=True)
    if p.problem:
        raise Conflict(p.problem)
    now = utcnow()
    dispute = Dispute(
        contract_id=contract.id,
        client_id=contract.client_id,
        freelancer_id=contract.freelancer_id,
        subject_kind=subject.kind,
        milestone_id=subject.milestone_id,
        escrow_return_id=subject.escrow_return_id,
        invoice_id=subject.invoice_id,
        open_key=subject.key,
        at_stake_cents=p.at_stake_cents,
        reason=text,
        filed_at=now,
        answer_due=rules.answer_due(now, settings.dispute_answer_days),
        status="awaiting_client",
    )
    try:
        with session.begin_nested():
            session.add(dispute)
            session.flush()
    except IntegrityError as exc:  # a concurrent filing won the unique open_key
        raise Conflict("This is already under dispute.") from exc
    if subject.escrow_return_id is not None:
        mark_escrow_return_disputed(session, subject.escrow_return_id, dispute.id)
    add_event(
        session, contract, "dispute_opened", actor_id=freelancer.id, amount_cents=p.at_stake_cents
    )
    days = settings.dispute_answer_days
    what = p.label[0].lower() + p.label[1:]
    notify(
        session,
        load_user(session, contract.client_id),
        "dispute_opened",
        f"{freelancer.name} opened a dispute about {what} on “{contract.title}” "
        f"({format_cents(p.at_stake_cents)}). Answer within {days} days; with no answer the "
        "dispute is decided for the freelancer.",
        link(dispute),
    )
    notify(
        session,
        freelancer,
        "dispute_opened",
        f"Your dispute about {what} is open; the client has {days} days to answer.",
        link(dispute),
        email=False,
    )
    session.flush()
    return dispute


# --- answer and messages ----------------------------------------------------------------------


def lock_dispute(session: Session, dispute_id: int) -> Dispute:
    dispute = session.scalar(
        select(Dispute)
        .where(Dispute.id == dispute_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if dispute is None:
        raise NotFound("There is no such dispute.")
    return dispute


def answer_dispute(
    session: Session, settings: Settings, client: User, dispute_id: int, answer: str
) -> Dispute:
    """The client answers before ``answer_due``; the dispute goes to mediation. Locks the
    dispute row. Raises 403 (not the client), 404, 409 (late, already answered), 422."""
    text = checked_text(answer, "answer", ANSWER_MAX, required=True)
    found = dispute_for(session, client, dispute_id)
    if client.id != found.client_id:
        raise Forbidden("Only the client of this contract answers the dispute.")
    dispute = lock_dispute(session, dispute_id)
    now = utcnow()
    why = rules.can_answer(dispute.status, dispute.answer_due, now)
    if why:
        raise Conflict(why, status_now=dispute.status)
    dispute.answer = text
    dispute.answered_at = now
    dispute.status = "in_mediation"
    notify(
        session,
        load_user(session, dispute.freelancer_id),
        "dispute_answered",
        f"{client.name} answered your dispute; a trust & safety agent will now decide it.",
        link(dispute),
    )
    notify(
        session,
        client,
        "dispute_answered",
        "Your answer is recorded; a trust & safety agent will now decide the dispute.",
        link(dispute),
        email=False,
    )
    session.flush()
    return dispute


def post_message(
    session: Session, settings: Settings, user: User, dispute_id: int, body: str
) -> DisputeMessage:
    """A party or an agent writes in an open dispute (1–5,000 characters). Locks the dispute
    row (a decision closes the conversation)."""
    text = checked_text(body, "body", MESSAGE_MAX, required=True)
    dispute_for(session, user, dispute_id)
    dispute = lock_dispute(session, dispute_id)
    if not dispute.is_open:
        raise Conflict("This dispute is decided; its conversation is closed.")
    message = DisputeMessage(dispute_id=dispute.id, author_id=user.id, body=text, at=utcnow())
    session.add(message)
    session.flush()
    if is_agent(user) and user.id not in dispute.party_ids():
        record(session, "dispute.message", "dispute", dispute.id, actor_id=user.id)
    for other in dispute.party_ids():
        if other != user.id:
            notify(
                session,
                load_user(session, other),
                "dispute_message",
                f"New message in the dispute #{dispute.id} from {user.name}.",
                link(dispute),
                collapse_unread=True,
            )
    return message


# --- decisions ----------------------------------------------------------------------------------


def escrow_at_stake(session: Session, dispute: Dispute) -> int:
    """Escrow still held for the dispute's subject, as the ledger says now."""
    if dispute.milestone_id is not None:
        return payments.escrow_balance(
            session, dispute.contract_id, milestone_id=dispute.milestone_id
        )
    if dispute.invoice_id is not None:
        return payments.escrow_balance(session, dispute.contract_id, invoice_id=dispute.invoice_id)
    assert dispute.escrow_return_id is not None
    return sum(
        _held(session, dispute.contract_id, _covered(session, dispute.escrow_return_id, lock=False))
    )


def _check_division(held: int, to_freelancer: int, to_client: int) -> None:
    if held != to_freelancer + to_client:
        raise Conflict(
            f"The escrow at stake is now {format_cents(held)}; the decision must divide "
            "exactly that.",
            escrow_cents=held,
        )


def _settle_invoice(
    session: Session, settings: Settings, dispute: Dispute, to_freelancer: int, to_client: int
) -> None:
    """An hourly invoice: the freelancer's share is a payment available when the invoice's
    money would have been (the billed week's end + 10 days, §5); the invoice is ``paid`` when
    the freelancer got money. A ``client_won`` invoice keeps its ``disputed`` status (the
    hourly feature has no refunded state); the dispute's outcome says how it ended."""
    assert dispute.invoice_id is not None
    invoice = _get(session, HourlyInvoice, dispute.invoice_id, lock=True)
    assert invoice is not None
    held = payments.escrow_balance(session, dispute.contract_id, invoice_id=invoice.id)
    _check_division(held, to_freelancer, to_client)
    if held <= 0:
        return
    result = payments.split_escrow(
        session,
        settings,
        client_id=dispute.client_id,
        freelancer_id=dispute.freelancer_id,
        contract_id=dispute.contract_id,
        freelancer_cents=to_freelancer,
        client_cents=to_client,
        available_at=max(invoice.available_at, utcnow()),
        invoice_id=invoice.id,
        memo=f"Dispute {dispute.id}, hourly invoice {invoice.id}",
    )
    if result.payment is not None:
        invoice.status = "paid"
        invoice.paid_at = utcnow()
        invoice.payment_id = result.payment.id


def _settle_milestones(
    session: Session, settings: Settings, dispute: Dispute, to_freelancer: int, to_client: int
) -> None:
    """A milestone, or the milestones an escrow-return request covers: the freelancer's share
    is released (pending for the security hold, §6.3), taken from the first milestones; each
    milestone ends approved when the freelancer got money from it, refunded otherwise."""
    now = utcnow()
    available_at = contract_rules.release_available_at(now, settings.security_hold_days)
    request = None
    if dispute.escrow_return_id is not None:
        request = _get(session, EscrowReturn, dispute.escrow_return_id, lock=True)
        assert request is not None
        milestones = _covered(session, request.id, lock=True)
    else:
        assert dispute.milestone_id is not None
        milestones = [lock_milestone(session, dispute.milestone_id)]
    held = _held(session, dispute.contract_id, milestones)
    _check_division(sum(held), to_freelancer, to_client)
    freelancer_parts = rules.allocate(to_freelancer, held)
    for m, h, f in zip(milestones, held, freelancer_parts, strict=True):
        if h <= 0:
            continue
        payments.split_escrow(
            session,
            settings,
            client_id=dispute.client_id,
            freelancer_id=dispute.freelancer_id,
            contract_id=dispute.contract_id,
            freelancer_cents=f,
            client_cents=h - f,
            available_at=available_at,
            milestone_id=m.id,
            memo=f"Dispute {dispute.id}, {milestone_label(m)}"[:300],
        )
        if f > 0:
            m.status, m.approved_at = "approved", now
        else:
            m.status, m.refunded_at = "refunded", now
    if request is not None:
        # The request is answered by the decision: returned to the client when the client
        # won, otherwise settled with the client's share refunded (docs/disputes.md).
        request.status = "returned" if dispute.outcome == "client_won" else "refunded"
        request.refunded_cents = to_client
        request.resolved_at = now


def _settle(
    session: Session, settings: Settings, dispute: Dispute, to_freelancer: int, to_client: int
) -> None:
    """Move the escrow at stake: release the freelancer's share (the service fee applies),
    refund the client's (with the client fee in proportion, §6.2), close the subject. The
    caller holds the dispute's lock and took it out of its open state."""
    if dispute.invoice_id is not None:
        _settle_invoice(session, settings, dispute, to_freelancer, to_client)
    else:
        _settle_milestones(session, settings, dispute, to_freelancer, to_client)
    dispute.freelancer_cents = to_freelancer
    dispute.client_cents = to_client
    dispute.open_key = None
    contract = session.get(Contract, dispute.contract_id)
    assert contract is not None
    add_event(
        session,
        contract,
        "dispute_decided",
        actor_id=dispute.decided_by_id,
        amount_cents=to_freelancer + to_client,
        text=f"{dispute.outcome.replace('_', ' ') if dispute.outcome else ''}: "
        f"{format_cents(to_freelancer)} to the freelancer, {format_cents(to_client)} to the "
        "client",
    )
    session.flush()


def _notify_decision(session: Session, dispute: Dispute, why: str) -> None:
    text = (
        f"Dispute #{dispute.id} was decided {dispute.outcome}{why}: "
        f"{format_cents(dispute.freelancer_cents or 0)} to the freelancer, "
        f"{format_cents(dispute.client_cents or 0)} back to the client."
    )
    for user_id in dispute.party_ids():
        notify(session, load_user(session, user_id), "dispute_decided", text, link(dispute))


def decide_dispute(
    session: Session,
    settings: Settings,
    agent: User,
    dispute_id: int,
    *,
    outcome: str,
    freelancer_cents: int | None = None,
    client_cents: int | None = None,
    notes: str = "",
) -> Dispute:
    """A trust & safety agent decides a dispute in mediation (marketplace.md §5) and the ledger
    follows. Audited. Locks the dispute row, the escrow-return request, the milestones, then
    the ledger accounts. Raises 403 (not an agent), 404, 409 (not in mediation, escrow changed),
    422 (amounts)."""
    if not is_agent(agent):
        raise Forbidden("Only trust & safety staff decide disputes.")
    text = checked_text(notes, "notes", NOTES_MAX, required=False)
    if session.get(Dispute, dispute_id) is None:
        raise NotFound("There is no such dispute.")
    dispute = lock_dispute(session, dispute_id)
    why = rules.can_decide(dispute.status)
    if why:
        raise Conflict(why, status_now=dispute.status)
    at_stake = escrow_at_stake(session, dispute)
    split = rules.shares(outcome, at_stake, freelancer_cents, client_cents)
    if isinstance(split, str):
        raise Unprocessable(split, field="amounts", escrow_cents=at_stake)
    dispute.status = "decided"
    dispute.outcome = outcome
    dispute.decided_at = utcnow()
    dispute.decided_by_id = agent.id
    dispute.notes = text
    _settle(session, settings, dispute, *split)
    record(
        session,
        "dispute.decided",
        "dispute",
        dispute.id,
        actor_id=agent.id,
        outcome=outcome,
        freelancer_cents=split[0],
        client_cents=split[1],
    )
    _notify_decision(session, dispute, "")
    return dispute


def disputes_due_for_default(
    session: Session, now: datetime | None = None, limit: int = 200
) -> list[int]:
    at = now if now is not None else utcnow()
    return list(
        session.scalars(
            select(Dispute.id)
            .where(Dispute.status == "awaiting_client", Dispute.answer_due <= at)
            .order_by(Dispute.answer_due, Dispute.id)
            .limit(limit)
        )
    )


def default_unanswered_disputes(
    session: Session, settings: Settings, limit: int | None = None
) -> int:
    """spec: marketplace.md §5 — "no answer → recorded as freelancer_won, funds to the
    freelancer", from exactly ``dispute_answer_days`` after filing. Each dispute is claimed by a
    conditional UPDATE (two workers decide it once), then its escrow is released. Returns how
    many were decided."""
    now = utcnow()
    done = 0
    for dispute_id in disputes_due_for_default(
        session, now, limit or settings.disputes_task_batch_size
    ):
        claimed = session.execute(
            update(Dispute)
            .where(
                Dispute.id == dispute_id,
                Dispute.status == "awaiting_client",
                Dispute.answer_due <= now,
            )
            .values(status="decided", outcome="freelancer_won", decided_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        dispute = lock_dispute(session, dispute_id)  # re-read what the claim wrote
        _settle(session, settings, dispute, escrow_at_stake(session, dispute), 0)
        _notify_decision(
            session, dispute, f" by default (no answer within {settings.dispute_answer_days} days)"
        )
        done += 1
    return done
