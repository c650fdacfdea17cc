"""Dispute API (marketplace.md §5): the freelancer files, the client answers, both parties and
trust & safety write messages, an agent decides; the staff queue lists open disputes.

Only the two parties and trust & safety (or admin) staff see a dispute; anyone else gets 404.
Deciding moves money, so it accepts ``Idempotency-Key`` (marketplace.md §6.4).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from workhall.core.errors import Forbidden, documented_problems
from workhall.core.idempotency import run_idempotent
from workhall.core.web import ApiClient, ApiFreelancer, ApiUser, DbDep, SettingsDep
from workhall.disputes import service
from workhall.disputes.models import Dispute, DisputeMessage
from workhall.disputes.schemas import (
    MAX_ID,
    AnswerIn,
    DecideIn,
    DisputeIn,
    DisputeList,
    DisputeOut,
    MessageIn,
    MessageOut,
)

router = APIRouter(tags=["disputes"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]


_problems = documented_problems(
    {
        403: "Not allowed (wrong party or staff role)",
    }
)


def message_out(d: Dispute, m: DisputeMessage) -> MessageOut:
    role: Literal["client", "freelancer", "agent"] = "agent"
    if m.author_id == d.client_id:
        role = "client"
    elif m.author_id == d.freelancer_id:
        role = "freelancer"
    return MessageOut(id=m.id, author_id=m.author_id, author_role=role, body=m.body, at=m.at)


def dispute_out(db: Session, d: Dispute, *, with_messages: bool = True) -> DisputeOut:
    messages = [message_out(d, m) for m in service.messages_of(db, d.id)] if with_messages else []
    return DisputeOut.model_validate(
        {
            **{c: getattr(d, c) for c in DisputeOut.model_fields if c != "messages"},
            "messages": messages,
        }
    )


@router.post(
    "/disputes",
    status_code=201,
    response_model=DisputeOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def file(body: DisputeIn, user: ApiFreelancer, db: DbDep, settings: SettingsDep) -> DisputeOut:
    """The freelancer disputes a milestone (changes requested a second time), an escrow-return
    request or an hourly invoice the client disputed, within 7 days; the client then has 5 days
    to answer."""
    subject = service.Subject(body.milestone_id, body.escrow_return_id, body.invoice_id)
    d = service.file_dispute(db, settings, user, subject, body.reason)
    return dispute_out(db, d)


@router.get("/disputes/{dispute_id}", response_model=DisputeOut, responses=_problems(401, 404))
def read(dispute_id: Id, user: ApiUser, db: DbDep) -> DisputeOut:
    return dispute_out(db, service.dispute_for(db, user, dispute_id))


@router.post(
    "/disputes/{dispute_id}/answer",
    response_model=DisputeOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def answer(
    dispute_id: Id, body: AnswerIn, user: ApiClient, db: DbDep, settings: SettingsDep
) -> DisputeOut:
    """The client answers within 5 days of filing; the dispute goes to mediation."""
    d = service.answer_dispute(db, settings, user, dispute_id, body.answer)
    return dispute_out(db, d)


@router.post(
    "/disputes/{dispute_id}/messages",
    status_code=201,
    response_model=MessageOut,
    responses=_problems(401, 404, 409, 422),
)
def message(
    dispute_id: Id, body: MessageIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> MessageOut:
    m = service.post_message(db, settings, user, dispute_id, body.body)
    d = db.get(Dispute, dispute_id)
    assert d is not None
    return message_out(d, m)


@router.post(
    "/disputes/{dispute_id}/decide",
    response_model=DisputeOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def decide(
    dispute_id: Id,
    body: DecideIn,
    request: Request,
    user: ApiUser,
    db: DbDep,
    settings: SettingsDep,
) -> JSONResponse:
    """A trust & safety agent decides a dispute in mediation; the ledger follows. Accepts
    ``Idempotency-Key``."""

    def action() -> tuple[int, Any]:
        d = service.decide_dispute(
            db,
            settings,
            user,
            dispute_id,
            outcome=body.outcome,
            freelancer_cents=body.freelancer_cents,
            client_cents=body.client_cents,
            notes=body.notes,
        )
        return 200, dispute_out(db, d).model_dump(mode="json")

    if not service.is_agent(user):  # refused before an idempotency record is kept
        raise Forbidden("Only trust & safety staff decide disputes.")
    return run_idempotent(
        db, request, user.id, {"dispute": dispute_id, **body.model_dump()}, action
    )


@router.get("/staff/disputes", response_model=DisputeList, responses=_problems(401, 403))
def staff_queue(user: ApiUser, db: DbDep, settings: SettingsDep) -> DisputeList:
    """Open disputes for trust & safety, the soonest due first."""
    rows = service.staff_queue(db, user, settings.disputes_page_size)
    return DisputeList(items=[dispute_out(db, d, with_messages=False) for d in rows])
