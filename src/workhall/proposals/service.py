"""Proposal, invitation and boost writes (marketplace.md §3, §4.3–§4.5).

Each function runs inside the caller's unit of work and never commits, so storing a proposal
and spending its Connects are one transaction. Lock order, everywhere: the job row, then the
proposal rows, then the freelancers' user rows (wallets) in ascending id — so two writers on
the same job or the same wallet queue instead of deadlocking.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.accounts.service import require_can_transact
from workhall.connects.rules import Bid, auction_open, boost_slot_holders
from workhall.connects.service import (
    connects_balance,
    lock_wallet,
    refund_spend,
    settle_spend,
    spend_connects,
)
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, PaymentRequired, Unprocessable
from workhall.core.settings import Settings, get_settings
from workhall.jobs.models import Job
from workhall.jobs.service import lock_job
from workhall.notifications.service import notify
from workhall.proposals import rules
from workhall.proposals.models import (
    BID_MAX_CENTS,
    BID_MIN_CENTS,
    INVITATION_MESSAGE_MAX,
    Invitation,
    Proposal,
)

log = logging.getLogger("workhall.proposals")

# Proposals whose boost still counts in the auction (a declined, withdrawn or archived
# proposal leaves it; §4.5).
LIVE_STATUSES = (*rules.ACTIVE_LADDER, "hired")
OUTBID_NOTE = "Outbid — your boost lost its slot and was returned"
WITHDRAW_BOOST_NOTE = "Proposal withdrawn — boost returned"
DECLINE_BOOST_NOTE = "Proposal declined before the client viewed it — boost returned"


# --- loading and locking -----------------------------------------------------------------------


def _lock_proposal(session: Session, proposal_id: int) -> Proposal:
    return lock_row(session, Proposal, proposal_id, "There is no such proposal.")


def _lock_wallets(session: Session, user_ids: Iterable[int]) -> None:
    for user_id in sorted(set(user_ids)):
        lock_wallet(session, user_id)


def _owned_proposal(session: Session, freelancer: User, proposal_id: int) -> tuple[Job, Proposal]:
    """The freelancer's own proposal, with its job then itself locked."""
    found = session.get(Proposal, proposal_id)
    if found is None:
        raise NotFound("There is no such proposal.")
    if found.freelancer_id != freelancer.id:
        raise Forbidden("This is not your proposal.")
    job = lock_job(session, found.job_id)
    return job, _lock_proposal(session, proposal_id)


def _clients_proposal(session: Session, client: User, proposal_id: int) -> tuple[Job, Proposal]:
    """A proposal on one of the client's jobs, with its job then itself locked."""
    found = session.get(Proposal, proposal_id)
    if found is None:
        raise NotFound("There is no such proposal.")
    job = session.get(Job, found.job_id)
    if job is None or job.client_id != client.id:
        raise Forbidden("Only the client of this job can do this.")
    job = lock_job(session, found.job_id)
    return job, _lock_proposal(session, proposal_id)


def _apply(proposal: Proposal, target: str) -> rules.Transition:
    try:
        plan = rules.plan_transition(proposal.status, target, proposal.stamped_states())
    except rules.IllegalTransition as exc:
        raise Conflict(
            f"This proposal is {proposal.status}; it cannot be {target} now.",
            status_now=proposal.status,
        ) from exc
    now = utcnow()
    proposal.status = plan.status
    for state in plan.stamp:
        setattr(proposal, f"{state}_at", now)
    return plan


# --- the boost auction (marketplace.md §4.5) ---------------------------------------------------


def live_bids(session: Session, job_id: int) -> list[tuple[Bid, str]]:
    """Every bid still in the job's auction, with its boost state (held or spent)."""
    rows = session.execute(
        select(
            Proposal.id,
            Proposal.boost_connects,
            Proposal.boost_placed_at,
            Proposal.submitted_at,
            Proposal.boost_state,
        ).where(
            Proposal.job_id == job_id,
            Proposal.boost_state.in_(("held", "spent")),
            Proposal.status.in_(LIVE_STATUSES),
            Proposal.boost_connects > 0,
        )
    ).all()
    return [
        (Bid(pid, amount, placed or submitted), state)
        for pid, amount, placed, submitted, state in rows
    ]


def minimum_boost(
    session: Session, settings: Settings, job_id: int, excluding: int | None = None
) -> int:
    others = [b for b, _ in live_bids(session, job_id) if b.proposal_id != excluding]
    return rules.minimum_to_enter(others, settings.boost_slots, settings.boost_min_bid)


def is_auction_open(settings: Settings, job: Job) -> bool:
    return job.status == "open" and auction_open(
        job.posted_at, job.first_hire_at, utcnow(), settings.boost_auction_days
    )


def _check_bid(
    session: Session, settings: Settings, job: Job, proposal_id: int | None, connects: int
) -> rules.BidOutcome:
    """Refuse a bid that cannot win a slot (we never hold Connects for a losing bid)."""
    if not is_auction_open(settings, job):
        raise Conflict(
            f"The boost auction for this job is closed (it runs {settings.boost_auction_days} "
            "days after posting, until the first hire)."
        )
    if connects < settings.boost_min_bid:
        raise Unprocessable(
            f"A boost is at least {settings.boost_min_bid} Connect.", field="boost_connects"
        )
    bids = live_bids(session, job.id)
    others = [b for b, _ in bids if b.proposal_id != proposal_id]
    minimum = rules.minimum_to_enter(others, settings.boost_slots, settings.boost_min_bid)
    if connects < minimum:
        raise Conflict(
            f"Your bid doesn't reach the top {settings.boost_slots}; the minimum to enter is "
            f"{minimum} Connects.",
            minimum=minimum,
        )
    held = {b.proposal_id for b, state in bids if state == "held"}
    if proposal_id is not None:
        held.add(proposal_id)
    new_bid = Bid(proposal_id if proposal_id is not None else -1, connects, utcnow())
    return rules.outcome_of_bid([b for b, _ in bids], new_bid, held, settings.boost_slots)


def _return_boosts(
    session: Session, settings: Settings, job: Job, proposal_ids: list[int], note: str
) -> None:
    for pid in proposal_ids:
        proposal = _lock_proposal(session, pid)
        if proposal.boost_state != "held":
            continue
        refund_spend(
            session,
            settings,
            proposal.freelancer_id,
            pid,
            "boost",
            event_kind="boost_return",
            note=note,
            job_id=job.id,
        )
        proposal.boost_state = "returned"


def _first_view(session: Session, settings: Settings, job_id: int, proposal: Proposal) -> None:
    """A held boost is spent when the client first views the proposal while it holds a slot
    (§4.5). Call before stamping ``viewed_at``."""
    if proposal.viewed_at is not None or proposal.boost_state != "held":
        return
    bids = [b for b, _ in live_bids(session, job_id)]
    if proposal.id in boost_slot_holders(bids, settings.boost_slots):
        settle_spend(session, proposal.id, "boost")
        proposal.boost_state = "spent"


# --- submitting (marketplace.md §3, §4.3) ------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    proposal: Proposal
    connects_spent: int
    balance: int


def clean_text(value: str, field: str) -> str:
    """Text as typed, stripped; control characters (but tab and newlines) and unpaired
    surrogates are refused rather than stored (quality.md §2 "bad input")."""
    if any((ch < " " and ch not in "\t\n\r") or "\ud800" <= ch <= "\udfff" for ch in value):
        raise Unprocessable("The text contains characters that are not allowed.", field=field)
    return value.strip()


def _validate_letter_and_bid(settings: Settings, cover_letter: str, bid_cents: int) -> str:
    letter = clean_text(cover_letter, "cover_letter")
    if not letter:
        raise Unprocessable("Write a cover letter.", field="cover_letter")
    if len(letter) > settings.cover_letter_max_length:
        raise Unprocessable(
            f"The cover letter is at most {settings.cover_letter_max_length:,} characters.",
            field="cover_letter",
        )
    if isinstance(bid_cents, bool) or not BID_MIN_CENTS <= bid_cents <= BID_MAX_CENTS:
        raise Unprocessable("The bid is between $1.00 and $1,000,000.00.", field="bid_cents")
    return letter


def linked(a: User, b: User) -> bool:
    """Accounts sharing a verified phone are linked and cannot deal with each other (§1)."""
    return bool(
        a.id == b.id
        or (
            a.phone_e164
            and a.phone_e164 == b.phone_e164
            and a.phone_verified_at is not None
            and b.phone_verified_at is not None
        )
    )


def submit_proposal(
    session: Session,
    settings: Settings,
    freelancer: User,
    job_id: int,
    cover_letter: str,
    bid_cents: int,
    boost_connects: int = 0,
) -> Submitted:
    """Send a proposal: spend its price and hold its boost in the same transaction that stores
    it (marketplace.md §4.3).

    Locks the job row (so the 50-proposal cap and the auction hold under concurrency), then the
    user rows of the freelancer and of any bidder pushed out of a slot, in id order. Raises
    403 (role, account, invite-only), 404 (job), 409 (closed, full, already proposed, losing
    boost), 402 (``price`` and ``balance``: nothing stored), 422 (input).
    """
    if not freelancer.is_freelancer:
        raise Forbidden("Only freelancers can send proposals.")
    require_can_transact(settings, freelancer, "send proposals")
    letter = _validate_letter_and_bid(settings, cover_letter, bid_cents)
    if isinstance(boost_connects, bool) or not 0 <= boost_connects <= settings.boost_max_bid:
        raise Unprocessable(
            f"A boost is 0–{settings.boost_max_bid:,} Connects.", field="boost_connects"
        )
    job = lock_job(session, job_id)
    if job.status != "open":
        raise Conflict("This job is no longer accepting proposals.", job_status=job.status)
    client = session.get(User, job.client_id)
    if client is None or linked(freelancer, client):
        raise Forbidden("You cannot send a proposal to your own or a linked account's job.")
    invitation = session.scalar(
        select(Invitation).where(
            Invitation.job_id == job.id, Invitation.freelancer_id == freelancer.id
        )
    )
    existing = session.scalar(
        select(Proposal.id).where(
            Proposal.job_id == job.id, Proposal.freelancer_id == freelancer.id
        )
    )
    if existing is not None:
        raise Conflict("You already sent a proposal to this job.", proposal_id=existing)
    answers = invitation is not None and invitation.status == "pending"
    if job.visibility == "invite_only" and not answers:
        raise Forbidden("This job is invite only: only invited freelancers can propose.")
    if job.proposal_count >= settings.job_max_proposals:
        raise Conflict(
            f"This job already has {settings.job_max_proposals} proposals, the most it accepts."
        )
    price = rules.proposal_price(job.connects_cost, answers)
    outcome = _check_bid(session, settings, job, None, boost_connects) if boost_connects else None
    _lock_wallets(session, [freelancer.id, *_owners(session, outcome.lost_slot if outcome else [])])
    balance = connects_balance(session, freelancer.id)
    if balance < price + boost_connects:
        raise PaymentRequired(
            f"This proposal costs {price} Connects"
            + (f" plus a {boost_connects}-Connect boost" if boost_connects else "")
            + f" and you have {balance}.",
            price=price,
            balance=balance,
            boost=boost_connects,
            needed=price + boost_connects,
        )
    now = utcnow()
    proposal = Proposal(
        job_id=job.id,
        freelancer_id=freelancer.id,
        cover_letter=letter,
        bid_cents=bid_cents,
        status="submitted",
        connects_price=price,
        invitation_id=invitation.id if answers and invitation else None,
        boost_connects=boost_connects,
        boost_placed_at=now if boost_connects else None,
        boost_state="held" if boost_connects else "none",
        submitted_at=now,
    )
    session.add(proposal)
    session.flush()
    job.proposal_count += 1
    title = job.title[:120]
    if price:
        balance = spend_connects(
            session,
            settings,
            freelancer.id,
            price,
            purpose="price",
            proposal_id=proposal.id,
            job_id=job.id,
            event_kind="proposal",
            note=title,
            price_for_problem=price,
        )
    if boost_connects:
        balance = spend_connects(
            session,
            settings,
            freelancer.id,
            boost_connects,
            purpose="boost",
            proposal_id=proposal.id,
            job_id=job.id,
            event_kind="boost",
            note=title,
            price_for_problem=price,
        )
        lost = [pid for pid in (outcome.lost_slot if outcome else []) if pid != proposal.id]
        _return_boosts(session, settings, job, lost, OUTBID_NOTE)
    if answers and invitation is not None:
        invitation.status = "accepted"
        invitation.responded_at = now
    notify(
        session,
        client,
        "proposal",
        f"New proposal on “{title}” from {freelancer.name}",
        f"/client/jobs/{job.id}/proposals",
    )
    return Submitted(proposal, price + boost_connects, balance)


def _owners(session: Session, proposal_ids: list[int]) -> list[int]:
    if not proposal_ids:
        return []
    return list(
        session.scalars(select(Proposal.freelancer_id).where(Proposal.id.in_(proposal_ids)))
    )


def place_boost(
    session: Session, settings: Settings, freelancer: User, proposal_id: int, connects: int
) -> list[int]:
    """Bid ``connects`` on the freelancer's own proposal, or raise its bid (§4.5).

    Raising holds only the difference; the bid's time becomes now (ties go to the earlier
    bid). A bid that cannot win a slot is refused (409 with ``minimum``); holders pushed out
    get their held boost back at once. Locks the job row, the proposal row, then the bidders'
    user rows in id order. Returns the proposals that lost their slot.
    """
    if isinstance(connects, bool) or not 0 < connects <= settings.boost_max_bid:
        raise Unprocessable(
            f"A boost is {settings.boost_min_bid}–{settings.boost_max_bid:,} Connects.",
            field="connects",
        )
    job, proposal = _owned_proposal(session, freelancer, proposal_id)
    if proposal.status != "submitted":
        why = (
            f"This proposal is {proposal.status}"
            if proposal.status in rules.FINAL_STATES
            else "The client has already viewed this proposal"
        )
        raise Conflict(
            f"{why}; only an unviewed proposal can be boosted.", status_now=proposal.status
        )
    already = proposal.boost_connects if proposal.boost_state == "held" else 0
    if already and connects <= already:
        raise Conflict(
            f"A bid can only be raised: your bid is {already} Connects.", current=already
        )
    outcome = _check_bid(session, settings, job, proposal.id, connects)
    _lock_wallets(session, [freelancer.id, *_owners(session, outcome.lost_slot)])
    delta = connects - already
    balance = connects_balance(session, freelancer.id)
    if balance < delta:
        raise PaymentRequired(
            f"This bid holds {delta} more Connects and you have {balance}.",
            price=delta,
            balance=balance,
            needed=delta,
        )
    spend_connects(
        session,
        settings,
        freelancer.id,
        delta,
        purpose="boost",
        proposal_id=proposal.id,
        job_id=job.id,
        event_kind="boost",
        note=f"Boost {'raised' if already else 'held'}: {job.title[:120]}",
    )
    proposal.boost_connects = connects
    proposal.boost_placed_at = utcnow()
    proposal.boost_state = "held"
    lost = [pid for pid in outcome.lost_slot if pid != proposal.id]
    _return_boosts(session, settings, job, lost, OUTBID_NOTE)
    return lost


# --- the freelancer's moves -------------------------------------------------------------------


def withdraw_proposal(
    session: Session, settings: Settings, freelancer: User, proposal_id: int
) -> Proposal:
    """Withdraw an active proposal: the price is not refunded (§4.4), a held boost is (§4.5).

    Locks the job row, the proposal row and the freelancer's user row.
    """
    job, proposal = _owned_proposal(session, freelancer, proposal_id)
    if proposal.status not in rules.WITHDRAWABLE:
        raise Conflict(
            f"This proposal is {proposal.status}; it cannot be withdrawn.",
            status_now=proposal.status,
        )
    _apply(proposal, "withdrawn")
    _return_boosts(session, settings, job, [proposal.id], WITHDRAW_BOOST_NOTE)
    return proposal


def respond_to_invitation(
    session: Session, freelancer: User, invitation_id: int, *, accept: bool = False
) -> Invitation:
    """Decline an invitation. Accepting happens by proposing (it then costs 0 Connects), so
    ``accept=True`` is refused here with a pointer to the apply page. Locks the invitation."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.id == invitation_id).with_for_update()
    )
    if invitation is None:
        raise NotFound("There is no such invitation.")
    if invitation.freelancer_id != freelancer.id:
        raise Forbidden("This invitation is not yours.")
    if accept:
        raise Conflict(
            "Accept an invitation by sending your proposal.",
            apply_url=f"/jobs/{invitation.job_id}/apply",
        )
    if invitation.status != "pending":
        raise Conflict(f"This invitation is already {invitation.status}.")
    invitation.status = "declined"
    invitation.responded_at = utcnow()
    return invitation


# --- the client's moves -----------------------------------------------------------------------


def _client_step(
    session: Session, settings: Settings | None, job_id: int, proposal: Proposal, target: str
) -> None:
    _first_view(session, settings or get_settings(), job_id, proposal)
    _apply(proposal, target)


def view_proposal(
    session: Session, client: User, proposal_id: int, settings: Settings | None = None
) -> Proposal:
    """The client opens the proposal's page: the first time, ``viewed`` (§3); a boost holding
    a slot at that moment is spent (§4.5). Locks the job row, then the proposal row."""
    found = session.get(Proposal, proposal_id)
    if found is None:
        raise NotFound("There is no such proposal.")
    job = session.get(Job, found.job_id)
    if job is None or job.client_id != client.id:
        raise Forbidden("Only the client of this job can view this proposal.")
    if found.viewed_at is not None or found.status != "submitted":
        return found  # nothing to record: no lock taken on a plain re-read
    job = lock_job(session, found.job_id)
    proposal = _lock_proposal(session, proposal_id)
    if proposal.status == "submitted":
        _client_step(session, settings, job.id, proposal, "viewed")
    return proposal


def shortlist(
    session: Session, client: User, proposal_id: int, settings: Settings | None = None
) -> Proposal:
    """Shortlist a proposal (counts as a view). Locks the job row, then the proposal row."""
    job, proposal = _clients_proposal(session, client, proposal_id)
    _client_step(session, settings, job.id, proposal, "shortlisted")
    return proposal


def decline(session: Session, settings: Settings, client: User, proposal_id: int) -> Proposal:
    """Decline a proposal. Its price is not refunded (§4.4); a boost still held (never viewed)
    leaves the auction and comes back at once, as when a proposal loses its slot (§4.5).
    Locks the job row, the proposal row and the freelancer's user row."""
    job, proposal = _clients_proposal(session, client, proposal_id)
    _apply(proposal, "declined")
    _return_boosts(session, settings, job, [proposal.id], DECLINE_BOOST_NOTE)
    freelancer = session.get(User, proposal.freelancer_id)
    if freelancer is not None:
        notify(
            session,
            freelancer,
            "proposal_declined",
            f"Your proposal on “{job.title[:120]}” was declined.",
            f"/proposals/{proposal.id}",
            email=False,
        )
    return proposal


def mark_interviewing(
    session: Session, proposal: Proposal, settings: Settings | None = None
) -> Proposal:
    """For the messages feature: the client's first message on a proposal moves it to
    ``interviewing`` and counts as a view (§3, §8). Locks the job row, then the proposal."""
    lock_job(session, proposal.job_id)
    locked = _lock_proposal(session, proposal.id)
    _client_step(session, settings, locked.job_id, locked, "interviewing")
    return locked


def mark_hired(session: Session, proposal: Proposal, settings: Settings | None = None) -> Proposal:
    """For the offers feature: an accepted offer marks the proposal ``hired`` (stamps
    ``hired_at``, and ``viewed_at`` if an offer was made without opening it — an offer counts as
    a view, so a boost holding its slot is spent). The job's own state (``first_hire_at``,
    ``last_hire_at``, ``filled``) is the caller's to record through the jobs feature.
    Locks the job row, then the proposal row."""
    lock_job(session, proposal.job_id)
    locked = _lock_proposal(session, proposal.id)
    _client_step(session, settings, locked.job_id, locked, "hired")
    return locked


def invite_freelancer(
    session: Session,
    settings: Settings,
    client: User,
    job_id: int,
    freelancer_handle_or_id: str | int,
    message: str,
) -> Invitation:
    """Invite a freelancer to the client's open job (§3). Locks the job row, so one freelancer
    is invited once. Raises 403 (not the job's client, account), 404 (job or freelancer),
    409 (closed job, already invited or proposed), 422 (message)."""
    if not client.is_client:
        raise Forbidden("Only clients can invite freelancers.")
    require_can_transact(settings, client, "invite freelancers")
    text = clean_text(message, "message")
    if len(text) > INVITATION_MESSAGE_MAX:
        raise Unprocessable(
            f"The message is at most {INVITATION_MESSAGE_MAX:,} characters.", field="message"
        )
    found = session.get(Job, job_id)
    if found is None:
        raise NotFound("There is no such job.")
    if found.client_id != client.id:
        raise Forbidden("Only the client of this job can invite freelancers to it.")
    job = lock_job(session, job_id)
    if job.status != "open":
        raise Conflict("This job is closed.", job_status=job.status)
    freelancer = find_freelancer(session, freelancer_handle_or_id)
    if freelancer is None:
        raise NotFound("There is no freelancer with this handle.", field="freelancer")
    if freelancer.status != "active":
        raise Conflict("This freelancer cannot be invited right now.")
    if linked(freelancer, client):
        raise Forbidden("You cannot invite a linked account.")
    if (
        session.scalar(
            select(Invitation.id).where(
                Invitation.job_id == job.id, Invitation.freelancer_id == freelancer.id
            )
        )
        is not None
    ):
        raise Conflict("This freelancer is already invited to this job.")
    if (
        session.scalar(
            select(Proposal.id).where(
                Proposal.job_id == job.id, Proposal.freelancer_id == freelancer.id
            )
        )
        is not None
    ):
        raise Conflict("This freelancer already sent a proposal to this job.")
    invitation = Invitation(
        job_id=job.id,
        client_id=client.id,
        freelancer_id=freelancer.id,
        message=text,
        created_at=utcnow(),
        status="pending",
    )
    session.add(invitation)
    session.flush()
    notify(
        session,
        freelancer,
        "invitation",
        f"{client.name} invited you to propose on “{job.title[:120]}” (no Connects needed)",
        "/invitations",
    )
    return invitation


def is_invited(session: Session, job_id: int, freelancer_id: int) -> bool:
    """Whether the freelancer holds an invitation to the job (for the jobs feature's
    visibility of invite-only jobs)."""
    return (
        session.scalar(
            select(Invitation.id).where(
                Invitation.job_id == job_id, Invitation.freelancer_id == freelancer_id
            )
        )
        is not None
    )


def find_freelancer(session: Session, handle_or_id: str | int) -> User | None:
    """A freelancer by numeric id or by handle (as typed, then lower-cased)."""
    user: User | None = None
    text = str(handle_or_id).strip()
    if text.isdigit() and len(text) <= 18:
        user = session.get(User, int(text))
    if (user is None or not user.is_freelancer) and not isinstance(handle_or_id, int):
        user = session.scalar(select(User).where(User.handle == text)) or session.scalar(
            select(User).where(User.handle == text.lower())
        )
    return user if user is not None and user.is_freelancer else None


# --- a job leaves `open` (marketplace.md §4.4) -------------------------------------------------


def close_job_proposals(session: Session, settings: Settings, job: Job, reason: str) -> int:
    """Archive the job's active proposals and apply the §4.4 refunds and §4.5 boost returns.

    Idempotent: a proposal is archived once and ``refund_spend`` refunds a spend once. Locks
    the job row, its proposal rows, then their freelancers' user rows in id order. Returns the
    number of proposals whose Connects came back.
    """
    if reason not in rules.CLOSE_REASONS:
        # Unknown reasons get the base rule every close gets: ghost-job protection.
        log.warning("job %s closed for unknown reason %r; applying ghost-job rules", job.id, reason)
        reason = "expired"
    lock_job(session, job.id)
    proposals = list(
        session.scalars(
            select(Proposal)
            .where(Proposal.job_id == job.id)
            .order_by(Proposal.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    _lock_wallets(session, (p.freelancer_id for p in proposals))
    refunded = 0
    now = utcnow()
    for proposal in proposals:
        viewed = proposal.viewed_at is not None
        decision = rules.decide_on_close(
            reason, rules.CloseFacts(proposal.status, viewed, proposal.boost_state)
        )
        got_back = 0
        if decision.archive:
            _apply(proposal, "archived")
        if decision.refund_price:
            amount = refund_spend(
                session,
                settings,
                proposal.freelancer_id,
                proposal.id,
                "price",
                event_kind="refund",
                note=decision.price_note,
                job_id=job.id,
            )
            if amount:
                proposal.price_refunded_at = now
                got_back += amount
        if decision.return_boost:
            got_back += refund_spend(
                session,
                settings,
                proposal.freelancer_id,
                proposal.id,
                "boost",
                event_kind="boost_return",
                note=rules.BOOST_CLOSE_NOTE,
                job_id=job.id,
            )
            proposal.boost_state = "returned"
        elif proposal.boost_state == "held":
            # Viewed while held can only mean it was viewed holding a slot: keep it spent.
            settle_spend(session, proposal.id, "boost")
            proposal.boost_state = "spent"
        refunded += bool(got_back)
    return refunded
