"""Feedback writes (marketplace.md §7): leaving and editing feedback, the receiver's reply,
and the reveal notices.

Each function runs inside the caller's unit of work and never commits. Writing feedback locks
the contract row (``contracts.service.lock_contract``) and then the pair's feedback rows, so two
sides submitting at the same instant serialise and the second one always sees the first (the
reveal is then pulled forward exactly once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts.models import Contract
from workhall.contracts.service import contract_for, lock_contract
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.feedback import rules
from workhall.feedback.models import ALL_CRITERIA, Feedback, FeedbackPrivate
from workhall.feedback.queries import paid_cents
from workhall.notifications.service import notify


@dataclass(frozen=True)
class FeedbackDraft:
    """What one side writes. ``likelihood`` answers the side's private 0–10 question;
    ``ending_reason`` is the client's, ``unprofessional`` and its reason the freelancer's."""

    scores: Mapping[str, object]
    comment: str = ""
    likelihood: object = None
    ending_reason: str | None = None
    unprofessional: bool = False
    unprofessional_reason: str = ""


def feedback_link(contract_id: int) -> str:
    return f"/contracts/{contract_id}/feedback"


def party_role(contract: Contract, user: User) -> str | None:
    if user.id == contract.client_id:
        return "client"
    if user.id == contract.freelancer_id:
        return "freelancer"
    return None


def _bad(exc: rules.BadFeedback) -> Unprocessable:
    return Unprocessable(str(exc), field=exc.field)


@dataclass(frozen=True)
class Checked:
    scores: dict[str, int]
    comment: str
    likelihood: int
    ending_reason: str | None
    unprofessional: bool
    unprofessional_reason: str


def check_draft(settings: Settings, role: str, draft: FeedbackDraft) -> Checked:
    """Every field of the side's form, or a 422 naming the first bad one (nothing stored)."""
    try:
        scores = rules.check_scores(role, draft.scores)
        comment = rules.plain_text(draft.comment, "comment", settings.feedback_comment_max_length)
        likelihood = rules.check_likelihood(draft.likelihood)
        reason: str | None = None
        flag = False
        why = ""
        if role == "client":
            if draft.ending_reason not in rules.ENDING_REASONS:
                raise rules.BadFeedback("ending_reason", "Choose the reason the contract ended.")
            reason = draft.ending_reason
            if draft.unprofessional or draft.unprofessional_reason:
                raise rules.BadFeedback(
                    "unprofessional", "The unprofessional-conduct flag is the freelancer's."
                )
        else:
            if draft.ending_reason is not None:
                raise rules.BadFeedback("ending_reason", "The reason for ending is the client's.")
            flag = bool(draft.unprofessional)
            why = rules.plain_text(
                draft.unprofessional_reason,
                "unprofessional_reason",
                settings.feedback_reason_max_length,
                required=flag,
            )
            if why and not flag:
                raise rules.BadFeedback(
                    "unprofessional_reason", "Give a reason only when you flag the conduct."
                )
    except rules.BadFeedback as exc:
        raise _bad(exc) from None
    return Checked(scores, comment, likelihood, reason, flag, why)


def _pair(session: Session, contract_id: int) -> dict[str, Feedback]:
    rows = session.scalars(
        select(Feedback)
        .where(Feedback.contract_id == contract_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.author_role: row for row in rows}


def leave_feedback(
    session: Session, settings: Settings, user: User, contract_id: int, draft: FeedbackDraft
) -> Feedback:
    """Write or edit the caller's feedback on an ended contract (§7).

    Open from the contract's end for ``feedback_window_days`` (14, the last instant excluded);
    editable until the reveal, never after (409). When the second side submits, both become
    visible at once: the pair's ``reveal_at`` moves to now. The other side is told that
    feedback is waiting for theirs. Locks the contract row, then the pair's feedback rows.
    """
    found = contract_for(session, user, contract_id)  # strangers: 404
    role = party_role(found, user)
    if role is None:
        raise Forbidden("Only the client and the freelancer of a contract leave feedback on it.")
    checked = check_draft(settings, role, draft)
    contract = lock_contract(session, contract_id)
    pair = _pair(session, contract.id)
    mine = pair.get(role)
    now = utcnow()
    refusal = rules.write_refusal(
        contract.ended_at if contract.status == "ended" else None,
        settings.feedback_window_days,
        now,
        mine.reveal_at if mine else None,
    )
    if refusal is not None:
        raise Conflict(_REFUSALS[refusal], reason=refusal)
    assert contract.ended_at is not None
    other_role = "freelancer" if role == "client" else "client"
    theirs = pair.get(other_role)
    if mine is None:
        mine = Feedback(
            contract_id=contract.id,
            author_role=role,
            author_id=user.id,
            recipient_id=contract.freelancer_id if role == "client" else contract.client_id,
            submitted_at=now,
            reveal_at=rules.deadline(contract.ended_at, settings.feedback_window_days),
        )
        session.add(mine)
        first_time = True
    else:
        first_time = False
    for name in ALL_CRITERIA:
        setattr(mine, name, checked.scores.get(name))
    mine.comment = checked.comment
    mine.updated_at = now
    session.flush()
    private = session.get(FeedbackPrivate, mine.id) or FeedbackPrivate(feedback_id=mine.id)
    private.likelihood = checked.likelihood
    private.ending_reason = checked.ending_reason
    private.unprofessional = checked.unprofessional
    private.unprofessional_reason = checked.unprofessional_reason
    session.add(private)
    if first_time and theirs is not None:
        # spec §7: both submitted → revealed at once.
        reveal = rules.reveal_at(
            contract.ended_at,
            settings.feedback_window_days,
            [theirs.submitted_at, mine.submitted_at],
        )
        mine.reveal_at = reveal
        theirs.reveal_at = reveal
    elif first_time:
        _tell_other_side(session, settings, contract, user, role)
    session.flush()
    return mine


_REFUSALS = {
    rules.NOT_ENDED: "Feedback opens when the contract ends.",
    rules.WINDOW_CLOSED: "The 14 days to leave feedback on this contract have passed.",
    rules.REVEALED: "This feedback has been revealed; it can no longer be changed.",
}


def _tell_other_side(
    session: Session, settings: Settings, contract: Contract, author: User, role: str
) -> None:
    other = session.get(User, contract.freelancer_id if role == "client" else contract.client_id)
    if other is None or other.status == "closed":
        return
    assert contract.ended_at is not None
    until = rules.deadline(contract.ended_at, settings.feedback_window_days)
    notify(
        session,
        other,
        "feedback_left",
        f"{author.name} left feedback on “{contract.title[:120]}”. It stays hidden until you "
        f"leave yours (by {until:%b %d, %Y %H:%M} UTC) or that time passes.",
        feedback_link(contract.id),
        base_url=settings.base_url,
    )


# --- the receiver's reply ------------------------------------------------------------------------


_REPLY_REFUSALS = {
    rules.NOT_RECIPIENT: "Only the person this feedback is about can reply to it.",
    rules.NOT_REVEALED: "You can reply once the feedback is revealed.",
    rules.NOT_PUBLIC: "This feedback is not public: nothing was paid on the contract.",
    rules.ALREADY_REPLIED: "You have already replied to this feedback.",
}


def reply_to_feedback(
    session: Session, settings: Settings, user: User, feedback_id: int, text: str
) -> Feedback:
    """The receiver's one public reply to revealed public feedback (§7). Locks the feedback
    row, so two replies racing give one reply and one 409."""
    feedback = session.get(Feedback, feedback_id)
    if feedback is None:
        raise NotFound("There is no such feedback.")
    contract_for(session, user, feedback.contract_id)  # strangers: 404
    if user.id != feedback.recipient_id:
        raise Forbidden(_REPLY_REFUSALS[rules.NOT_RECIPIENT], reason=rules.NOT_RECIPIENT)
    try:
        reply = rules.plain_text(text, "reply", settings.feedback_comment_max_length, required=True)
    except rules.BadFeedback as exc:
        raise _bad(exc) from None
    locked = session.scalar(
        select(Feedback)
        .where(Feedback.id == feedback_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    now = utcnow()
    refusal = rules.reply_refusal(
        True,
        rules.is_revealed(locked.reveal_at, now),
        paid_cents(session, [locked.contract_id]).get(locked.contract_id, 0),
        locked.reply is not None,
    )
    if refusal is not None:
        raise Conflict(_REPLY_REFUSALS[refusal], reason=refusal)
    locked.reply = reply
    locked.replied_at = now
    session.flush()
    return locked


# --- the reveal notices (worker) -----------------------------------------------------------------


def notify_reveals(session: Session, settings: Settings, limit: int | None = None) -> int:
    """Tell both sides of every newly revealed pair, once (§8 "feedback revealed").

    A pair is claimed by a conditional UPDATE of its rows' ``reveal_notified_at``: when two
    workers race, the second one's UPDATE waits for the first one's commit and then matches
    nothing, so each pair is announced once. Returns how many pairs were announced.
    """
    now = utcnow()
    contract_ids = list(
        session.scalars(
            select(Feedback.contract_id)
            .where(Feedback.reveal_notified_at.is_(None), Feedback.reveal_at <= now)
            .group_by(Feedback.contract_id)
            .order_by(Feedback.contract_id)
            .limit(limit or settings.feedback_task_batch_size)
        )
    )
    done = 0
    for contract_id in contract_ids:
        claimed = session.execute(
            update(Feedback)
            .where(
                Feedback.contract_id == contract_id,
                Feedback.reveal_notified_at.is_(None),
                Feedback.reveal_at <= now,
            )
            .values(reveal_notified_at=now)
            .execution_options(synchronize_session=False)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            continue
        contract = session.get(Contract, contract_id)
        assert contract is not None
        for user_id in contract.party_ids():
            person = session.get(User, user_id)
            if person is None or person.status == "closed":
                continue
            notify(
                session,
                person,
                "feedback_revealed",
                f"Feedback on “{contract.title[:120]}” is now visible.",
                feedback_link(contract.id),
                base_url=settings.base_url,
            )
        done += 1
    return done
