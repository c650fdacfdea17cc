"""Message thread API (marketplace.md §8): my threads, one thread, sending."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.errors import documented_problems
from workhall.core.settings import Settings
from workhall.core.web import ApiUser, DbDep, SettingsDep, writes_on_get
from workhall.messages import queries, service
from workhall.messages.models import Message, Thread
from workhall.messages.rules import excerpt
from workhall.messages.schemas import (
    MAX_ID,
    MessageIn,
    MessageOut,
    Party,
    SentOut,
    ThreadListOut,
    ThreadOut,
    ThreadSummary,
)

router = APIRouter(tags=["messages"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]


_problems = documented_problems(
    {
        403: "Not a party of the conversation, or a freelancer writing before the client",
        409: "The conversation is closed",
    }
)


def _party(user: User, role: str) -> Party:
    return Party(id=user.id, handle=user.handle, name=user.name, role=role)  # type: ignore[arg-type]


def message_out(m: Message, viewer_id: int) -> MessageOut:
    return MessageOut(
        id=m.id,
        thread_id=m.thread_id,
        sender_id=m.sender_id,
        mine=m.sender_id == viewer_id,
        body=m.body,
        created_at=m.created_at,
    )


@router.get("/threads", response_model=ThreadListOut, responses=_problems(401, 422))
def my_threads(
    user: ApiUser,
    db: DbDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> ThreadListOut:
    """The caller's conversations, latest message first, with unread counts."""
    found = queries.threads_for(db, user, page, settings.threads_page_size)
    return ThreadListOut(
        items=[
            ThreadSummary(
                id=r.thread.id,
                kind=r.thread.kind,  # type: ignore[arg-type]
                proposal_id=r.thread.proposal_id,
                contract_id=r.thread.contract_id,
                subject=r.thread.subject,
                other=_party(
                    r.other, "freelancer" if r.other.id == r.thread.freelancer_id else "client"
                ),
                unread=r.unread,
                message_count=r.thread.message_count,
                last_message_at=r.thread.last_message_at,
                last_message_excerpt=excerpt(r.last_body),
            )
            for r in found.rows
        ],
        total=found.total,
        unread_total=found.unread_total,
        page=found.page,
        pages=found.pages,
    )


def thread_out(
    db: Session,
    settings: Settings,
    thread: Thread,
    viewer: User,
    role: str | None,
    before_id: int | None = None,
    limit: int | None = None,
) -> ThreadOut:
    people = queries.participants(db, thread)
    found = queries.thread_messages(db, thread.id, limit or settings.messages_page_size, before_id)
    refusal = service.refusal_for(db, settings, thread, role)
    return ThreadOut(
        id=thread.id,
        kind=thread.kind,  # type: ignore[arg-type]
        proposal_id=thread.proposal_id,
        contract_id=thread.contract_id,
        subject=thread.subject,
        client=_party(people[thread.client_id], "client"),
        freelancer=_party(people[thread.freelancer_id], "freelancer"),
        can_write=refusal is None,
        cannot_write_reason=refusal,
        messages=[message_out(m, viewer.id) for m in found.messages],
        has_older=found.has_older,
        other_read_up_to=queries.other_read_marker(db, thread, viewer.id) if role else None,
    )


@router.get("/threads/{thread_id}", response_model=ThreadOut, responses=_problems(401, 403, 404))
@writes_on_get
def get_thread(
    thread_id: Id,
    user: ApiUser,
    db: DbDep,
    settings: SettingsDep,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int | None, Query(ge=1, le=200)] = None,
) -> ThreadOut:
    """A conversation's newest messages (older ones with ``before_id``). Reading it as a
    participant marks it read; trust and safety staff may read it, for moderation."""
    thread, role = service.readable_thread(db, user, thread_id)
    if role is not None and before_id is None:
        service.mark_thread_read(db, thread, user)
    return thread_out(db, settings, thread, user, role, before_id, limit)


def _sent(message: Message, user: User) -> SentOut:
    return SentOut(thread_id=message.thread_id, message=message_out(message, user.id))


@router.post(
    "/threads/{thread_id}/messages",
    status_code=201,
    response_model=SentOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def post_message(
    thread_id: Id, body: MessageIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> SentOut:
    """Send a message (1–5,000 characters of plain text) to the other party."""
    return _sent(service.send_message(db, settings, user, thread_id, body.body), user)


@router.post(
    "/proposals/{proposal_id}/messages",
    status_code=201,
    response_model=SentOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def post_proposal_message(
    proposal_id: Id, body: MessageIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> SentOut:
    """Write on the proposal's thread (created by its first message). The client writes first;
    the client's first message moves the proposal to ``interviewing``."""
    thread = service.open_proposal_thread(db, user, proposal_id)
    return _sent(service.send_message(db, settings, user, thread.id, body.body), user)


@router.post(
    "/contracts/{contract_id}/messages",
    status_code=201,
    response_model=SentOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def post_contract_message(
    contract_id: Id, body: MessageIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> SentOut:
    """Write on the contract's thread: either party, while the contract is active and for 30
    days after it ended."""
    thread = service.open_contract_thread(db, user, contract_id)
    return _sent(service.send_message(db, settings, user, thread.id, body.body), user)
