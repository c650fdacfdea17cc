"""Support ticket writes and reads (reputation.md §2.5 "Premium support").

Every function runs in the caller's unit of work and never commits. A write to a ticket locks
the ticket row first (``lock_row``), so two replies at once serialise and the first agent's
reply is the one that sets ``first_response_at``.
"""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit.service import record
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.notifications.service import notify
from workhall.reputation.queries import is_top_rated
from workhall.support import rules
from workhall.support.models import STATUSES, SupportMessage, SupportTicket

MISSING = "There is no such ticket."


def is_agent(user: User) -> bool:
    """Support agents (admin passes too) answer tickets."""
    return user.is_staff and user.has_staff_role("support")


def _require_agent(user: User) -> User:
    if not is_agent(user):
        raise Forbidden("Support tickets are answered by support staff.")
    return user


def link(ticket: SupportTicket) -> str:
    return f"/support/{ticket.id}"


# --- reading ------------------------------------------------------------------------------------


def ticket_for(session: Session, user: User, ticket_id: int) -> SupportTicket:
    """The ticket if ``user`` opened it or is an agent; 404 for anyone else."""
    ticket = session.get(SupportTicket, ticket_id)
    if ticket is None or not (ticket.user_id == user.id or is_agent(user)):
        raise NotFound(MISSING)
    return ticket


def my_tickets(session: Session, user: User, limit: int = 100) -> list[SupportTicket]:
    return list(
        session.scalars(
            select(SupportTicket)
            .where(SupportTicket.user_id == user.id)
            .order_by(SupportTicket.updated_at.desc(), SupportTicket.id.desc())
            .limit(limit)
        )
    )


def messages_of(session: Session, ticket_id: int) -> list[SupportMessage]:
    return list(
        session.scalars(
            select(SupportMessage)
            .where(SupportMessage.ticket_id == ticket_id)
            .order_by(SupportMessage.at, SupportMessage.id)
        )
    )


def staff_queue(
    session: Session,
    agent: User,
    *,
    status: str = "open",
    mine: bool = False,
    limit: int = 200,
) -> list[SupportTicket]:
    """Tickets for agents, the soonest due first (reputation.md §2.5: "agents see the queue
    ordered by due time"); tickets with nothing due (answered, closed) follow, most recently
    active first."""
    _require_agent(agent)
    if status not in STATUSES:
        raise Unprocessable("Choose a status: open, answered or closed.")
    query = select(SupportTicket).where(SupportTicket.status == status)
    if mine:
        query = query.where(SupportTicket.assigned_to_id == agent.id)
    nothing_due = case((SupportTicket.response_due_at.is_(None), 1), else_=0)
    query = query.order_by(
        nothing_due,
        SupportTicket.response_due_at,
        SupportTicket.updated_at.desc(),
        SupportTicket.id,
    )
    return list(session.scalars(query.limit(limit)))


# --- writing ------------------------------------------------------------------------------------


def open_ticket(
    session: Session, settings: Settings, user: User, subject: str, category: str, body: str
) -> SupportTicket:
    """A new ticket; its priority comes from the user's standing now and never changes."""
    if user.is_staff:
        raise Forbidden("Staff answer tickets; they do not open them.")
    problem = rules.check_ticket(subject, category, body)
    if problem:
        raise Unprocessable(problem)
    now = utcnow()
    priority = rules.priority_for(user.is_freelancer and is_top_rated(session, user.id))
    due = rules.response_due(
        now,
        priority,
        settings.support_priority_response_hours,
        settings.support_standard_response_hours,
    )
    ticket = SupportTicket(
        user_id=user.id,
        subject=subject.strip(),
        category=category,
        status="open",
        priority=priority,
        created_at=now,
        updated_at=now,
        first_response_due_at=due,
        response_due_at=due,
    )
    session.add(ticket)
    session.flush()
    session.add(SupportMessage(ticket_id=ticket.id, author_id=user.id, body=body, at=now))
    session.flush()
    return ticket


def post_reply(
    session: Session, settings: Settings, user: User, ticket_id: int, body: str
) -> SupportMessage:
    """A reply in the thread. An agent's reply answers the ticket (the first one sets
    ``first_response_at``) and notifies the user; the user's reply reopens the ticket and,
    when it was answered or closed, starts a new response target of the ticket's priority."""
    ticket_for(session, user, ticket_id)
    ticket = lock_row(session, SupportTicket, ticket_id, MISSING)
    problem = rules.check_body(body)
    if problem:
        raise Unprocessable(problem)
    by_staff = ticket.user_id != user.id
    now = utcnow()
    if by_staff:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        ticket.response_due_at = None
        if ticket.assigned_to_id is None:
            ticket.assigned_to_id = user.id
    elif ticket.status != "open":
        ticket.response_due_at = rules.response_due(
            now,
            ticket.priority,
            settings.support_priority_response_hours,
            settings.support_standard_response_hours,
        )
    ticket.status = rules.status_after_reply(ticket.status, by_staff)
    ticket.closed_at = None
    ticket.updated_at = now
    message = SupportMessage(
        ticket_id=ticket.id, author_id=user.id, from_staff=by_staff, body=body, at=now
    )
    session.add(message)
    session.flush()
    if by_staff:
        record(session, "support.reply", "support_ticket", ticket.id, actor_id=user.id)
        owner = session.get(User, ticket.user_id)
        if owner is not None:
            notify(
                session,
                owner,
                "support_reply",
                f"Support answered your ticket “{ticket.subject}”.",
                link(ticket),
                base_url=settings.base_url,
            )
    return message


def close_ticket(session: Session, user: User, ticket_id: int) -> SupportTicket:
    """The user or an agent closes the ticket; nothing is due any more."""
    ticket_for(session, user, ticket_id)
    ticket = lock_row(session, SupportTicket, ticket_id, MISSING)
    if ticket.status == "closed":
        raise Conflict("This ticket is already closed.")
    now = utcnow()
    ticket.status = "closed"
    ticket.closed_at = now
    ticket.response_due_at = None
    ticket.updated_at = now
    if ticket.user_id != user.id:
        record(session, "support.close", "support_ticket", ticket.id, actor_id=user.id)
    return ticket


def assign_to_self(session: Session, agent: User, ticket_id: int) -> SupportTicket:
    _require_agent(agent)
    ticket = lock_row(session, SupportTicket, ticket_id, MISSING)
    previous = ticket.assigned_to_id
    ticket.assigned_to_id = agent.id
    record(
        session, "support.assign", "support_ticket", ticket.id, actor_id=agent.id, previous=previous
    )
    return ticket
