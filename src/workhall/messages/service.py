"""Message writes (marketplace.md §3, §8): opening a thread, sending, reading.

Each function runs inside the caller's unit of work and never commits. Sending locks the
thread row (``SELECT ... FOR UPDATE``), so the client's first message, the read markers and the
email throttle are decided by one writer at a time; the client's first message on a proposal
then locks the job and the proposal through ``proposals.service.mark_interviewing``. Lock order:
thread, job, proposal — nothing locks a thread after a job or a proposal, so no cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts.models import Contract
from workhall.contracts.service import contract_for
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.jobs.models import Job
from workhall.messages import rules
from workhall.messages.models import Message, Thread, ThreadMember
from workhall.notifications.service import mark_read_by_link, notify
from workhall.proposals.models import Proposal
from workhall.proposals.service import mark_interviewing

MODERATOR_ROLES = ("trust_safety",)  # admin is implied (User.has_staff_role)


def is_moderator(user: User) -> bool:
    """Staff who may read any thread, for moderation; they never write in one (§8)."""
    return user.is_staff and user.has_staff_role(*MODERATOR_ROLES)


def thread_link(thread_id: int) -> str:
    return f"/messages/{thread_id}"


# --- reading access --------------------------------------------------------------------------


def get_thread(session: Session, thread_id: int) -> Thread:
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise NotFound("There is no such conversation.")
    return thread


def readable_thread(session: Session, user: User, thread_id: int) -> tuple[Thread, str | None]:
    """The thread and the reader's role in it (None for a moderator). Anyone else: 403."""
    thread = get_thread(session, thread_id)
    role = thread.role_of(user.id)
    if role is None and not is_moderator(user):
        raise Forbidden("Only the client and the freelancer of this conversation can read it.")
    return thread, role


# --- opening a thread --------------------------------------------------------------------------


def proposal_and_job(session: Session, proposal_id: int) -> tuple[Proposal, Job]:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound("There is no such proposal.")
    job = session.get(Job, proposal.job_id)
    assert job is not None
    return proposal, job


def get_contract(session: Session, contract_id: int) -> Contract:
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound("There is no such contract.")
    return contract


def _get_or_create(session: Session, lookup: dict[str, int], thread: Thread) -> Thread:
    """The thread of a proposal or contract, created on first use. Two first messages racing
    both try the insert; the unique constraint lets one win and the other reads its row."""
    existing = session.scalar(select(Thread).filter_by(**lookup))
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(thread)
            session.flush()
            session.add_all(
                [
                    ThreadMember(thread_id=thread.id, user_id=thread.client_id, role="client"),
                    ThreadMember(
                        thread_id=thread.id, user_id=thread.freelancer_id, role="freelancer"
                    ),
                ]
            )
            session.flush()
    except IntegrityError:
        found = session.scalar(select(Thread).filter_by(**lookup))
        if found is None:
            raise
        return found
    return thread


def proposal_thread(session: Session, user: User, proposal_id: int) -> Thread | None:
    """The proposal's thread if it exists, for one of its two parties (else 403)."""
    proposal, job = proposal_and_job(session, proposal_id)
    if user.id not in (job.client_id, proposal.freelancer_id):
        raise Forbidden("Only the client and the freelancer of this proposal can message.")
    return session.scalar(select(Thread).where(Thread.proposal_id == proposal.id))


def open_proposal_thread(session: Session, user: User, proposal_id: int) -> Thread:
    """The proposal's thread, created when its first message is sent."""
    existing = proposal_thread(session, user, proposal_id)
    if existing is not None:
        return existing
    proposal, job = proposal_and_job(session, proposal_id)
    return _get_or_create(
        session,
        {"proposal_id": proposal.id},
        Thread(
            kind="proposal",
            proposal_id=proposal.id,
            client_id=job.client_id,
            freelancer_id=proposal.freelancer_id,
            subject=job.title[:200],
            created_at=utcnow(),
        ),
    )


def contract_thread(session: Session, user: User, contract_id: int) -> Thread | None:
    """The contract's thread if it exists. Strangers get 404, as on the contract itself (no
    hint that it exists); trust and safety staff may read but not write (403)."""
    contract = contract_for(session, user, contract_id)
    if user.id not in contract.party_ids():
        raise Forbidden(REFUSALS["moderator"])
    return session.scalar(select(Thread).where(Thread.contract_id == contract.id))


def open_contract_thread(session: Session, user: User, contract_id: int) -> Thread:
    existing = contract_thread(session, user, contract_id)
    if existing is not None:
        return existing
    contract = get_contract(session, contract_id)
    return _get_or_create(
        session,
        {"contract_id": contract.id},
        Thread(
            kind="contract",
            contract_id=contract.id,
            client_id=contract.client_id,
            freelancer_id=contract.freelancer_id,
            subject=contract.title[:200],
            created_at=utcnow(),
        ),
    )


# --- whether a thread is open --------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """The proposal or contract a thread is about, as the posting rule needs it."""

    closed_at: datetime | None
    proposal: Proposal | None = None


def _proposal_closed_at(proposal: Proposal) -> datetime | None:
    if proposal.status in rules.OPEN_PROPOSAL_STATES:
        return None
    stamp: datetime | None = getattr(proposal, f"{proposal.status}_at", None)
    return stamp or utcnow()


def subject_of(session: Session, thread: Thread) -> Subject:
    if thread.kind == "proposal":
        assert thread.proposal_id is not None
        proposal = session.get(Proposal, thread.proposal_id)
        assert proposal is not None
        return Subject(_proposal_closed_at(proposal), proposal)
    assert thread.contract_id is not None
    contract = get_contract(session, thread.contract_id)
    ended = (contract.ended_at or utcnow()) if contract.status == "ended" else None
    return Subject(ended)


def refusal_for(
    session: Session, settings: Settings, thread: Thread, role: str | None
) -> str | None:
    """Why ``role`` may not write on ``thread`` now (None = may write); pages use it to show or
    hide the send form."""
    if role is None:
        return "moderator"
    subject = subject_of(session, thread)
    return rules.posting_refusal(
        rules.PostingFacts(
            kind=thread.kind,
            sender_role=role,
            client_has_written=thread.client_wrote_at is not None,
            closed_at=subject.closed_at,
            now=utcnow(),
            open_days_after_end=settings.thread_open_days_after_end,
        )
    )


REFUSALS = {
    rules.CLIENT_FIRST: "You can reply once the client has written to you about this proposal.",
    rules.CLOSED: "This conversation is closed: its proposal or contract ended more than "
    "the allowed time ago.",
    "moderator": "Staff read conversations for moderation; they do not write in them.",
}


# --- sending --------------------------------------------------------------------------------------


def _lock_thread(session: Session, thread_id: int) -> Thread:
    thread = session.scalar(
        select(Thread)
        .where(Thread.id == thread_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if thread is None:
        raise NotFound("There is no such conversation.")
    return thread


def _member(session: Session, thread_id: int, user_id: int) -> ThreadMember:
    member = session.get(ThreadMember, (thread_id, user_id))
    assert member is not None
    return member


def send_message(
    session: Session, settings: Settings, sender: User, thread_id: int, body: str
) -> Message:
    """Store a message and tell the recipient (§8).

    The client's first message on a proposal moves it to ``interviewing`` (§3, a view too);
    a freelancer writes on a proposal thread only after the client did. The recipient gets an
    in-app notification (one unread per thread at a time) and an email at most once per
    ``message_email_min_gap_minutes`` per thread. Locks the thread row; the first client
    message on a proposal also locks its job and proposal rows.
    """
    role = get_thread(session, thread_id).role_of(sender.id)
    if role is None:
        if is_moderator(sender):
            raise Forbidden(REFUSALS["moderator"])
        raise Forbidden("Only the client and the freelancer of this conversation can write.")
    try:
        text = rules.clean_text(body, settings.message_max_length)
    except rules.BadText as exc:
        raise Unprocessable(str(exc), field="body") from None
    thread = _lock_thread(session, thread_id)
    refusal = refusal_for(session, settings, thread, role)
    if refusal == rules.CLIENT_FIRST:
        raise Forbidden(REFUSALS[refusal], reason=refusal)
    if refusal is not None:
        raise Conflict(REFUSALS[refusal], reason=refusal)
    now = utcnow()
    if thread.kind == "proposal" and role == "client" and thread.client_wrote_at is None:
        proposal = subject_of(session, thread).proposal
        assert proposal is not None
        if proposal.is_active:
            mark_interviewing(session, proposal, settings)
        thread.client_wrote_at = now
    message = Message(thread_id=thread.id, sender_id=sender.id, body=text, created_at=now)
    session.add(message)
    session.flush()
    thread.last_message_id = message.id
    thread.last_message_at = now
    thread.message_count += 1
    mine = _member(session, thread.id, sender.id)
    mine.last_read_message_id = message.id
    mine.last_read_at = now
    _tell_recipient(session, settings, thread, sender, text, now)
    return message


def _tell_recipient(
    session: Session, settings: Settings, thread: Thread, sender: User, text: str, now: datetime
) -> None:
    recipient_id = thread.other_party_id(sender.id)
    recipient = session.get(User, recipient_id)
    if recipient is None or recipient.status == "closed":
        return
    member = _member(session, thread.id, recipient_id)
    email = rules.email_due(member.last_emailed_at, now, settings.message_email_min_gap_minutes)
    if email:
        member.last_emailed_at = now
    notify(
        session,
        recipient,
        "new_message",
        f"{sender.name} sent you a message about “{thread.subject[:120]}”.",
        thread_link(thread.id),
        email=email,
        email_body=f"{sender.name} wrote:\n\n{rules.excerpt(text, 500)}",
        base_url=settings.base_url,
        collapse_unread=True,
    )


# --- reading --------------------------------------------------------------------------------------


def mark_thread_read(session: Session, thread: Thread, user: User) -> int:
    """Everything in the thread is read by ``user`` (a participant); their unread "new message"
    notification for it is read too. Returns how many messages became read."""
    if thread.role_of(user.id) is None:
        return 0
    member = _member(session, thread.id, user.id)
    last = thread.last_message_id or 0
    if member.last_read_message_id >= last:
        return 0
    newly = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.thread_id == thread.id,
            Message.id > member.last_read_message_id,
            Message.sender_id != user.id,
        )
    )
    # A conditional UPDATE: two tabs reading at once never move the marker backwards.
    session.execute(
        update(ThreadMember)
        .where(
            ThreadMember.thread_id == thread.id,
            ThreadMember.user_id == user.id,
            ThreadMember.last_read_message_id < last,
        )
        .values(last_read_message_id=last, last_read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire(member)
    mark_read_by_link(session, user.id, "new_message", thread_link(thread.id))
    return int(newly or 0)
