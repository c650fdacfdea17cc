"""Contract writes (marketplace.md §5): milestones (add, fund, submit, request changes,
approve, automatic approval), ending a contract, and escrow-return requests.

Every function runs in the caller's unit of work and never commits. Lock order, everywhere:
the contract row, then its escrow-return row, then its milestone rows, then the ledger accounts
(through the payments service). The worker tasks start lower in that order — a milestone or an
escrow-return row claimed by a conditional UPDATE — and never lock a contract afterwards, so
no two paths wait on each other in opposite orders. A milestone's money moves at most once
because every move re-reads the milestone under its lock and checks its state first.

Rows are locked ``FOR NO KEY UPDATE`` (``key_share=True``) on PostgreSQL: it serialises the
writers of a row just as well, but lets another transaction insert a row that references it
(a timeline event referencing the contract takes a key-share lock on it) — with ``FOR UPDATE`` a
worker holding a milestone and inserting an event would wait for a client holding the contract
and waiting for that milestone: a deadlock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit.service import record
from workhall.contracts import rules
from workhall.contracts.models import (
    LINK_MAX,
    MESSAGE_MAX,
    REASON_MAX,
    Contract,
    ContractEvent,
    Milestone,
    Offer,
)
from workhall.contracts.offers import term_limits
from workhall.core import events
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.money import format_cents
from workhall.core.settings import Settings
from workhall.notifications.service import notify
from workhall.payments import service as payments
from workhall.proposals.service import clean_text

CONTRACT_ENDED = "contract_ended"
# Where the spec is silent: a contract holds at most this many milestones (docs/contracts.md).
CONTRACT_MAX_MILESTONES = 100
LINK_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


# --- reading with authorization ---------------------------------------------------------------


def can_read(user: User, contract: Contract) -> bool:
    """Only the two parties see a contract; trust & safety and admin staff may read it."""
    return user.id in contract.party_ids() or (
        user.is_staff and user.has_staff_role("trust_safety")
    )


def contract_for(session: Session, user: User, contract_id: int) -> Contract:
    """The contract if ``user`` may read it; 404 otherwise (no hint that it exists)."""
    contract = session.get(Contract, contract_id)
    if contract is None or not can_read(user, contract):
        raise NotFound("There is no such contract.")
    return contract


def milestone_for(session: Session, user: User, milestone_id: int) -> tuple[Contract, Milestone]:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound("There is no such milestone.")
    contract = session.get(Contract, milestone.contract_id)
    if contract is None or not can_read(user, contract):
        raise NotFound("There is no such milestone.")
    return contract, milestone


def lock_contract(session: Session, contract_id: int) -> Contract:
    return lock_row(session, Contract, contract_id, "There is no such contract.")


def lock_milestone(session: Session, milestone_id: int) -> Milestone:
    return lock_row(session, Milestone, milestone_id, "There is no such milestone.")


def require_party(user: User, contract: Contract, role: str) -> None:
    """Strangers (staff included) get 404; the other party gets 403."""
    if user.id not in contract.party_ids():
        raise NotFound("There is no such contract.")
    party = contract.client_id if role == "client" else contract.freelancer_id
    if user.id != party:
        raise Forbidden(f"Only the {role} of this contract can do this.")


def _party_milestone(
    session: Session, user: User, milestone_id: int, role: str
) -> tuple[Contract, Milestone]:
    """The milestone for its ``role`` party, with the contract row then the milestone locked."""
    found = session.get(Milestone, milestone_id)
    if found is None:
        raise NotFound("There is no such milestone.")
    owner = session.get(Contract, found.contract_id)
    assert owner is not None
    if user.id not in owner.party_ids():
        raise NotFound("There is no such milestone.")
    require_party(user, owner, role)
    contract = lock_contract(session, found.contract_id)
    return contract, lock_milestone(session, milestone_id)


def _refuse_if_disputed(session: Session, milestone: Milestone) -> None:
    """Money under dispute stays where it is until the dispute is decided (marketplace.md §5):
    no approval, and no resubmission that a later automatic approval could pay out."""
    from workhall.disputes.service import has_open_dispute

    if has_open_dispute(session, milestone_id=milestone.id):
        raise Conflict(
            "This milestone is under dispute; it waits for the decision.", reason="disputed"
        )


def _plan(milestone: Milestone, action: str, actor: str, contract: Contract) -> str:
    try:
        return rules.milestone_move(
            milestone.status, action, actor=actor, contract_active=contract.is_active
        )
    except rules.IllegalMove as exc:
        raise Conflict(f"{str(exc).capitalize()}.", status_now=milestone.status) from exc


def add_event(
    session: Session,
    contract: Contract,
    kind: str,
    *,
    actor_id: int | None,
    milestone: Milestone | None = None,
    amount_cents: int | None = None,
    text: str = "",
    link: str = "",
) -> None:
    session.add(
        ContractEvent(
            contract_id=contract.id,
            milestone_id=milestone.id if milestone else None,
            at=utcnow(),
            actor_id=actor_id,
            kind=kind,
            amount_cents=amount_cents,
            text=text,
            link=link,
        )
    )


def load_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    assert user is not None
    return user


def milestone_label(m: Milestone) -> str:
    return f"milestone {m.position} “{m.title}”"


def checked_text(value: str, field: str, maximum: int, *, required: bool) -> str:
    text = clean_text(value, field)
    if required and not text:
        raise Unprocessable("Write a message.", field=field)
    if len(text) > maximum:
        raise Unprocessable(f"The {field} is at most {maximum:,} characters.", field=field)
    return text


# --- milestones -------------------------------------------------------------------------------


def add_milestone(
    session: Session,
    settings: Settings,
    client: User,
    contract_id: int,
    title: str,
    amount_cents: int,
    due_date: date | None = None,
) -> Milestone:
    """The client adds a milestone to an active fixed-price contract (unfunded). Locks the
    contract row (positions are numbered under it)."""
    found = session.get(Contract, contract_id)
    if found is None:
        raise NotFound("There is no such contract.")
    require_party(client, found, "client")
    terms = rules.MilestoneTerms(clean_text(title, "title"), amount_cents, due_date)
    problems = rules.milestone_problems(terms, term_limits(settings), utcnow().date(), "milestone")
    if problems:
        raise Unprocessable(problems[0][1], field="milestone")
    contract = lock_contract(session, contract_id)
    if contract.kind != "fixed":
        raise Conflict("Milestones belong to fixed-price contracts.")
    if not contract.is_active:
        raise Conflict("This contract has ended.")
    positions = list(
        session.scalars(select(Milestone.position).where(Milestone.contract_id == contract.id))
    )
    if len(positions) >= CONTRACT_MAX_MILESTONES:
        raise Conflict(f"A contract has at most {CONTRACT_MAX_MILESTONES} milestones.")
    milestone = Milestone(
        contract_id=contract.id,
        position=max(positions, default=0) + 1,
        title=terms.title,
        amount_cents=terms.amount_cents,
        due_date=terms.due_date,
        status="pending",
        created_at=utcnow(),
    )
    session.add(milestone)
    session.flush()
    add_event(
        session,
        contract,
        "milestone_added",
        actor_id=client.id,
        milestone=milestone,
        amount_cents=milestone.amount_cents,
        text=milestone.title,
    )
    notify(
        session,
        load_user(session, contract.freelancer_id),
        "milestone_added",
        f"{client.name} added {milestone_label(milestone)} "
        f"({format_cents(milestone.amount_cents)}) to “{contract.title}”.",
        f"/contracts/{contract.id}",
        email=False,
    )
    return milestone


def fund_milestone(
    session: Session,
    settings: Settings,
    client: User,
    milestone_id: int,
    *,
    idempotency_key: str | None = None,
) -> Milestone:
    """Fund a pending milestone into escrow: the client's saved card is charged the amount plus
    the client fee (marketplace.md §5, §6.2). Locks the contract row, the milestone row, then
    the ledger accounts. Raises 402 (declined), 403 (not the client, no saved card), 404, 409
    (not pending, contract ended)."""
    contract, milestone = _party_milestone(session, client, milestone_id, "client")
    target = _plan(milestone, "fund", "client", contract)
    payments.fund_escrow(
        session,
        settings,
        client=client,
        freelancer_id=contract.freelancer_id,
        contract_id=contract.id,
        amount_cents=milestone.amount_cents,
        milestone_id=milestone.id,
        memo=f"Contract {contract.id}, {milestone_label(milestone)}"[:300],
        idempotency_key=idempotency_key,
    )
    milestone.status = target
    milestone.funded_at = utcnow()
    add_event(
        session,
        contract,
        "milestone_funded",
        actor_id=client.id,
        milestone=milestone,
        amount_cents=milestone.amount_cents,
    )
    notify(
        session,
        load_user(session, contract.freelancer_id),
        "milestone_funded",
        f"{client.name} funded {milestone_label(milestone)} "
        f"({format_cents(milestone.amount_cents)}) — you can start work.",
        f"/contracts/{contract.id}",
    )
    return milestone


def submit_work(
    session: Session,
    settings: Settings,
    freelancer: User,
    milestone_id: int,
    message: str,
    link: str = "",
) -> Milestone:
    """The freelancer submits (or resubmits) work on a funded milestone, with a message
    (1–5,000 characters) and an optional http(s) link. The 14-day automatic approval counts
    from this submission. Locks the contract row, then the milestone row."""
    text = checked_text(message, "message", MESSAGE_MAX, required=True)
    url = clean_text(link, "link")
    if url and (len(url) > LINK_MAX or not LINK_RE.match(url)):
        raise Unprocessable(
            f"The link is an http(s) address of at most {LINK_MAX} characters.", field="link"
        )
    contract, milestone = _party_milestone(session, freelancer, milestone_id, "freelancer")
    _refuse_if_disputed(session, milestone)
    if milestone.escrow_return_id is not None:
        raise Conflict("The client asked for this escrow back; answer that request first.")
    milestone.status = _plan(milestone, "submit", "freelancer", contract)
    milestone.submitted_at = utcnow()
    milestone.submission_count += 1
    milestone.submission_message = text
    milestone.submission_link = url
    add_event(
        session,
        contract,
        "work_submitted",
        actor_id=freelancer.id,
        milestone=milestone,
        text=text,
        link=url,
    )
    notify(
        session,
        load_user(session, contract.client_id),
        "milestone_submitted",
        f"{freelancer.name} submitted work on {milestone_label(milestone)}. Approve it or request "
        f"changes within {settings.auto_approve_days} days, or it is approved automatically.",
        f"/contracts/{contract.id}",
    )
    return milestone


def request_changes(
    session: Session, settings: Settings, client: User, milestone_id: int, message: str
) -> Milestone:
    """The client sends submitted work back with a message (1–5,000 characters). Counts the
    requests on the milestone's submission (``changes_requested_count``). Locks the contract
    row, then the milestone row."""
    text = checked_text(message, "message", MESSAGE_MAX, required=True)
    contract, milestone = _party_milestone(session, client, milestone_id, "client")
    milestone.status = _plan(milestone, "request_changes", "client", contract)
    milestone.changes_requested_at = utcnow()
    milestone.changes_requested_count += 1
    milestone.changes_message = text
    add_event(
        session,
        contract,
        "changes_requested",
        actor_id=client.id,
        milestone=milestone,
        text=text,
    )
    notify(
        session,
        load_user(session, contract.freelancer_id),
        "changes_requested",
        f"{client.name} requested changes on {milestone_label(milestone)}.",
        f"/contracts/{contract.id}",
    )
    return milestone


def _release(
    session: Session,
    settings: Settings,
    contract: Contract,
    milestone: Milestone,
    *,
    actor_id: int | None,
) -> int:
    """Release the milestone's escrow to the freelancer (the fee applies; pending for the
    security hold, §6.3). The caller holds the milestone's lock and checked its state."""
    held = payments.escrow_balance(session, contract.id, milestone_id=milestone.id)
    if held <= 0:
        raise Conflict("No escrow is held for this milestone.")
    now = utcnow()
    payments.release_escrow(
        session,
        settings,
        client_id=contract.client_id,
        freelancer_id=contract.freelancer_id,
        contract_id=contract.id,
        amount_cents=held,
        available_at=rules.release_available_at(now, settings.security_hold_days),
        milestone_id=milestone.id,
        memo=f"Contract {contract.id}, {milestone_label(milestone)}"[:300],
    )
    milestone.status = "approved"
    milestone.approved_at = now
    add_event(
        session,
        contract,
        "milestone_auto_approved" if actor_id is None else "milestone_approved",
        actor_id=actor_id,
        milestone=milestone,
        amount_cents=held,
    )
    return held


def approve_milestone(
    session: Session, settings: Settings, client: User, milestone_id: int
) -> Milestone:
    """The client approves a milestone holding escrow (submitted, or earlier to pay at once):
    its escrow is released to the freelancer. Allowed on an ended contract too. Locks the
    contract row, the milestone row, then the ledger accounts; a second approval waits for the
    first and then finds the milestone approved (409)."""
    contract, milestone = _party_milestone(session, client, milestone_id, "client")
    _refuse_if_disputed(session, milestone)
    _plan(milestone, "approve", "client", contract)
    released = _release(session, settings, contract, milestone, actor_id=client.id)
    notify(
        session,
        load_user(session, contract.freelancer_id),
        "milestone_approved",
        f"{client.name} approved {milestone_label(milestone)}: {format_cents(released)} released, "
        f"available after the {settings.security_hold_days}-day security hold.",
        f"/contracts/{contract.id}",
    )
    return milestone


def auto_approve_due_milestones(
    session: Session, settings: Settings, limit: int | None = None
) -> int:
    """spec: marketplace.md §5 — "No action within 14 days of a submission → automatic
    approval". Approves submitted milestones from exactly ``auto_approve_days`` after their
    latest submission, on active and ended contracts, except those under an escrow-return
    request. Each milestone is claimed by a conditional UPDATE (two workers approve it once),
    then its escrow is released; both parties are notified. Returns how many were approved."""
    now = utcnow()
    cutoff = now - timedelta(days=settings.auto_approve_days)
    due = (
        Milestone.status == "submitted",
        Milestone.submitted_at <= cutoff,
        Milestone.escrow_return_id.is_(None),
    )
    ids = session.scalars(
        select(Milestone.id)
        .where(*due)
        .order_by(Milestone.submitted_at, Milestone.id)
        .limit(limit or settings.contracts_task_batch_size)
    ).all()
    from workhall.disputes.service import has_open_dispute

    done = 0
    for milestone_id in ids:
        if has_open_dispute(session, milestone_id=milestone_id):
            continue  # frozen until the dispute is decided
        claimed = session.execute(
            update(Milestone)
            .where(Milestone.id == milestone_id, *due)
            .values(status="approved", approved_at=now, auto_approved=True)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        milestone = lock_milestone(session, milestone_id)  # re-read what the claim wrote
        contract = session.get(Contract, milestone.contract_id)
        assert contract is not None
        released = _release(session, settings, contract, milestone, actor_id=None)
        milestone.auto_approved = True
        days = settings.auto_approve_days
        for user_id, text in (
            (
                contract.freelancer_id,
                f"{milestone_label(milestone).capitalize()} was approved automatically "
                f"{days} days after your submission: {format_cents(released)} released.",
            ),
            (
                contract.client_id,
                f"{milestone_label(milestone).capitalize()} was approved automatically: no action "
                f"within {days} days of the submission. {format_cents(released)} was released.",
            ),
        ):
            notify(
                session,
                load_user(session, user_id),
                "milestone_approved",
                text,
                f"/contracts/{contract.id}",
            )
        done += 1
    return done


# --- ending a contract --------------------------------------------------------------------------


def end_contract(
    session: Session, settings: Settings, user: User, contract_id: int, reason: str = ""
) -> Contract:
    """Either party ends an active contract (marketplace.md §5), with an optional reason
    (≤ 1,000 characters, shown to the other party). Unfunded milestones are cancelled; escrow
    left stays where it is: the client may still approve it, or ask for it back. Publishes
    ``contract_ended`` (feedback opens, hourly invoices the last week). Locks the contract row,
    then its pending milestones."""
    text = checked_text(reason, "reason", REASON_MAX, required=False)
    found = session.get(Contract, contract_id)
    if found is None or user.id not in found.party_ids():
        raise NotFound("There is no such contract.")
    contract = lock_contract(session, contract_id)
    if not contract.is_active:
        raise Conflict("This contract has already ended.", status_now=contract.status)
    now = utcnow()
    contract.status = "ended"
    contract.ended_at = now
    contract.ended_by_id = user.id
    contract.end_reason = text
    session.execute(
        update(Milestone)
        .where(Milestone.contract_id == contract.id, Milestone.status == "pending")
        .values(status="cancelled", cancelled_at=now)
        .execution_options(synchronize_session="fetch")
    )
    add_event(session, contract, "contract_ended", actor_id=user.id, text=text)
    session.flush()
    record(session, "contract.ended", "contract", contract.id, actor_id=user.id)
    other = contract.freelancer_id if user.id == contract.client_id else contract.client_id
    left = escrow_left(session, contract.id)
    notify(
        session,
        load_user(session, other),
        "contract_ended",
        f"{user.name} ended the contract “{contract.title}”."
        + (f" {format_cents(left)} is still in escrow." if left else ""),
        f"/contracts/{contract.id}",
    )
    events.publish(CONTRACT_ENDED, session=session, settings=settings, contract=contract)
    return contract


def escrow_left(session: Session, contract_id: int) -> int:
    """Escrow still held on the contract's milestones (as the payments ledger says)."""
    ids = session.scalars(
        select(Milestone.id).where(
            Milestone.contract_id == contract_id, Milestone.status.in_(rules.HOLDS_ESCROW)
        )
    ).all()
    return sum(payments.escrow_balance(session, contract_id, milestone_id=i) for i in ids)


# --- for other features -----------------------------------------------------------------------


@dataclass(frozen=True)
class EscrowSummary:
    funded_cents: int  # ever funded into escrow on milestones
    in_escrow_cents: int  # held now
    released_cents: int  # approved (gross)
    refunded_cents: int


def escrow_summary(session: Session, contract_id: int) -> EscrowSummary:
    rows = session.scalars(select(Milestone).where(Milestone.contract_id == contract_id)).all()
    funded = sum(m.amount_cents for m in rows if m.funded_at is not None)
    return EscrowSummary(
        funded_cents=funded,
        in_escrow_cents=escrow_left(session, contract_id),
        released_cents=sum(m.amount_cents for m in rows if m.status == "approved"),
        refunded_cents=sum(m.amount_cents for m in rows if m.status == "refunded"),
    )


def offer_of(session: Session, contract: Contract) -> Offer | None:
    return session.get(Offer, contract.offer_id)
