"""Message reads: a user's threads with unread counts, a thread's messages, the unread total."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from workhall.accounts.models import User
from workhall.messages.models import Message, Thread, ThreadMember


@dataclass(frozen=True)
class ThreadRow:
    thread: Thread
    other: User
    unread: int
    last_body: str
    last_sender_id: int | None


@dataclass(frozen=True)
class ThreadList:
    rows: list[ThreadRow]
    total: int
    unread_total: int
    page: int
    pages: int


def _unread_clause(user_id: int):  # type: ignore[no-untyped-def]
    return and_(
        Message.thread_id == ThreadMember.thread_id,
        Message.id > ThreadMember.last_read_message_id,
        Message.sender_id != user_id,
    )


def unread_total(session: Session, user_id: int) -> int:
    """Messages the user has not read, over all their threads (the nav badge)."""
    return int(
        session.scalar(
            select(func.count(Message.id))
            .select_from(ThreadMember)
            .join(Message, _unread_clause(user_id))
            .where(ThreadMember.user_id == user_id)
        )
        or 0
    )


def threads_for(session: Session, user: User, page: int, page_size: int) -> ThreadList:
    """The user's threads, latest message first, each with its unread count and the other
    party."""
    unread = (
        select(func.count(Message.id))
        .where(_unread_clause(user.id))
        .correlate(ThreadMember)
        .scalar_subquery()
    )
    base = (
        select(Thread, unread)
        .join(ThreadMember, ThreadMember.thread_id == Thread.id)
        .where(ThreadMember.user_id == user.id, Thread.last_message_id.is_not(None))
    )
    total = int(
        session.scalar(
            select(func.count())
            .select_from(ThreadMember)
            .join(Thread, Thread.id == ThreadMember.thread_id)
            .where(ThreadMember.user_id == user.id, Thread.last_message_id.is_not(None))
        )
        or 0
    )
    found = session.execute(
        base.order_by(Thread.last_message_at.desc(), Thread.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    threads = [row[0] for row in found]
    others = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({t.other_party_id(user.id) for t in threads}))
        )
    }
    last = {
        m.id: m
        for m in session.scalars(
            select(Message).where(Message.id.in_([t.last_message_id for t in threads]))
        )
    }
    rows = []
    for thread, count in found:
        message = last.get(thread.last_message_id or 0)
        rows.append(
            ThreadRow(
                thread=thread,
                other=others[thread.other_party_id(user.id)],
                unread=int(count or 0),
                last_body=message.body if message else "",
                last_sender_id=message.sender_id if message else None,
            )
        )
    return ThreadList(
        rows=rows,
        total=total,
        unread_total=unread_total(session, user.id),
        page=page,
        pages=max(1, -(-total // page_size)),
    )


@dataclass(frozen=True)
class MessagePage:
    """Messages oldest first; ``has_older`` when there are messages before ``messages[0]``."""

    messages: list[Message]
    has_older: bool


def thread_messages(
    session: Session, thread_id: int, limit: int, before_id: int | None = None
) -> MessagePage:
    """The newest ``limit`` messages of the thread (before ``before_id`` when given)."""
    query = select(Message).where(Message.thread_id == thread_id)
    if before_id is not None:
        query = query.where(Message.id < before_id)
    newest_first = list(session.scalars(query.order_by(Message.id.desc()).limit(limit + 1)))
    has_older = len(newest_first) > limit
    return MessagePage(list(reversed(newest_first[:limit])), has_older)


def messages_after(session: Session, thread_id: int, after_id: int, limit: int) -> list[Message]:
    """Messages newer than ``after_id``, oldest first (a conversation page catching up)."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.thread_id == thread_id, Message.id > after_id)
            .order_by(Message.id)
            .limit(limit)
        )
    )


def member_of(session: Session, thread_id: int, user_id: int) -> ThreadMember | None:
    return session.get(ThreadMember, (thread_id, user_id))


def other_read_marker(session: Session, thread: Thread, user_id: int) -> int:
    """The id of the last message the other party has read (shown as "Seen")."""
    other = aliased(ThreadMember)
    marker = session.scalar(
        select(other.last_read_message_id).where(
            other.thread_id == thread.id, other.user_id == thread.other_party_id(user_id)
        )
    )
    return int(marker or 0)


def participants(session: Session, thread: Thread) -> dict[int, User]:
    return {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_([thread.client_id, thread.freelancer_id]))
        )
    }
