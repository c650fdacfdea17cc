"""Support ticket API (reputation.md §2.5 "Premium support"): a signed-in user (not staff) opens
tickets and writes in their threads; Top Rated freelancers' tickets get the priority target.
A user reaches only their own tickets (anyone else gets 404); support agents reach all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session

from workhall.core.errors import documented_problems
from workhall.core.web import ApiUser, DbDep, SettingsDep
from workhall.support import service
from workhall.support.models import SupportMessage, SupportTicket
from workhall.support.schemas import MAX_ID, MessageIn, MessageOut, TicketIn, TicketList, TicketOut

router = APIRouter(tags=["support"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]

_problems = documented_problems({403: "Staff do not open tickets", 404: "No such ticket of yours"})


def message_out(m: SupportMessage) -> MessageOut:
    return MessageOut(id=m.id, author_id=m.author_id, from_staff=m.from_staff, body=m.body, at=m.at)


def ticket_out(db: Session, t: SupportTicket, *, with_messages: bool = True) -> TicketOut:
    fields = {c: getattr(t, c) for c in TicketOut.model_fields if c != "messages"}
    messages = [message_out(m) for m in service.messages_of(db, t.id)] if with_messages else []
    return TicketOut.model_validate({**fields, "messages": messages})


@router.get("/support/tickets", response_model=TicketList, responses=_problems(401))
def my_tickets(user: ApiUser, db: DbDep) -> TicketList:
    """The caller's tickets, the most recently active first."""
    rows = service.my_tickets(db, user)
    return TicketList(items=[ticket_out(db, t, with_messages=False) for t in rows])


@router.post(
    "/support/tickets",
    status_code=201,
    response_model=TicketOut,
    responses=_problems(401, 403, 422),
)
def open_ticket(body: TicketIn, user: ApiUser, db: DbDep, settings: SettingsDep) -> TicketOut:
    """Open a ticket. A Top Rated freelancer's ticket is ``priority`` (first response due within
    4 hours); everyone else's is ``standard`` (24 hours)."""
    t = service.open_ticket(db, settings, user, body.subject, body.category, body.body)
    return ticket_out(db, t)


@router.get("/support/tickets/{ticket_id}", response_model=TicketOut, responses=_problems(401, 404))
def read_ticket(ticket_id: Id, user: ApiUser, db: DbDep) -> TicketOut:
    return ticket_out(db, service.ticket_for(db, user, ticket_id))


@router.post(
    "/support/tickets/{ticket_id}/messages",
    status_code=201,
    response_model=MessageOut,
    responses=_problems(401, 404, 422),
)
def reply(
    ticket_id: Id, body: MessageIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> MessageOut:
    """Write in the thread; the user's reply reopens an answered or closed ticket."""
    return message_out(service.post_reply(db, settings, user, ticket_id, body.body))
