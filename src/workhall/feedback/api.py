"""Feedback API (marketplace.md §7): leave or edit feedback on an ended contract, read what the
caller may see, reply once, and a profile's public reviews."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.accounts.profiles import find_public_user
from workhall.contracts.models import Contract
from workhall.contracts.service import contract_for
from workhall.core.errors import Forbidden, NotFound, Unprocessable, documented_problems
from workhall.core.settings import Settings
from workhall.core.web import ApiUser, DbDep, SettingsDep
from workhall.feedback import queries, rules, service
from workhall.feedback.schemas import (
    MAX_ID,
    ContractFeedbackOut,
    FeedbackIn,
    FeedbackOut,
    PrivateOut,
    PublicReviewOut,
    PublicReviewsOut,
    ReplyIn,
)

router = APIRouter(tags=["feedback"])

Id = Annotated[int, Path(ge=1, le=MAX_ID)]


_problems = documented_problems(
    {
        404: "Not found (strangers never learn a contract exists)",
        409: "Not ended, window closed, revealed, or already replied",
    }
)


def feedback_out(v: queries.FeedbackView) -> FeedbackOut:
    private = None
    if v.private is not None:
        private = PrivateOut(
            question=rules.LIKELIHOOD_QUESTION[v.author_role],
            answer=v.private.likelihood,
            ending_reason=v.private.ending_reason,
            unprofessional=v.private.unprofessional,
            unprofessional_reason=v.private.unprofessional_reason,
        )
    return FeedbackOut(
        id=v.id,
        contract_id=v.contract_id,
        author_role=v.author_role,  # type: ignore[arg-type]
        scores=v.scores,
        overall=v.overall,
        comment=v.comment,
        submitted_at=v.submitted_at,
        updated_at=v.updated_at,
        revealed=v.revealed,
        reveal_at=v.reveal_at,
        reply=v.reply,
        replied_at=v.replied_at,
        private=private,
    )


def viewer_role(contract: Contract, user: User) -> str:
    """client, freelancer, or staff (trust and safety: contracts.service lets them read)."""
    return service.party_role(contract, user) or "staff"


def contract_feedback_out(
    db: Session, settings: Settings, contract: Contract, user: User
) -> ContractFeedbackOut:
    found = queries.contract_feedback(db, settings, contract, viewer_role(contract, user))
    return ContractFeedbackOut(
        contract_id=contract.id,
        viewer=found.viewer,  # type: ignore[arg-type]
        window_ends_at=found.deadline,
        reveal_at=found.reveal_at,
        revealed=found.revealed,
        public=found.public,
        submitted=sorted(found.submitted),  # type: ignore[arg-type]
        can_write=found.viewer != "staff" and found.write_refusal is None,
        cannot_write_reason=found.write_refusal if found.viewer != "staff" else "staff",
        can_reply=found.viewer != "staff" and found.reply_refusal is None,
        client_side=feedback_out(found.client_side) if found.client_side else None,
        freelancer_side=feedback_out(found.freelancer_side) if found.freelancer_side else None,
    )


@router.get(
    "/contracts/{contract_id}/feedback",
    response_model=ContractFeedbackOut,
    responses=_problems(401, 404),
)
def get_feedback(
    contract_id: Id, user: ApiUser, db: DbDep, settings: SettingsDep
) -> ContractFeedbackOut:
    """The contract's feedback as the caller may see it: its own in full; the other side's
    public part once revealed (both submitted, or 14 days after the end); never the other
    side's private answers."""
    contract = contract_for(db, user, contract_id)
    return contract_feedback_out(db, settings, contract, user)


@router.post(
    "/contracts/{contract_id}/feedback",
    response_model=ContractFeedbackOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def post_feedback(
    contract_id: Id, body: FeedbackIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> ContractFeedbackOut:
    """Leave feedback on an ended contract, or edit it until the reveal (then 409)."""
    private = body.private
    contract = contract_for(db, user, contract_id)
    role = service.party_role(contract, user)
    if role is None:
        raise Forbidden("Only the client and the freelancer of a contract leave feedback on it.")
    likelihood = private.recommend if role == "client" else private.work_again
    wrong = private.work_again if role == "client" else private.recommend
    if wrong is not None:
        raise Unprocessable(
            "The client answers 'recommend'; the freelancer answers 'work_again'.",
            field="private",
        )
    service.leave_feedback(
        db,
        settings,
        user,
        contract_id,
        service.FeedbackDraft(
            scores=body.scores,
            comment=body.comment,
            likelihood=likelihood,
            ending_reason=private.ending_reason,
            unprofessional=private.unprofessional,
            unprofessional_reason=private.unprofessional_reason,
        ),
    )
    return contract_feedback_out(db, settings, contract, user)


@router.post(
    "/feedback/{feedback_id}/reply",
    response_model=FeedbackOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def post_reply(
    feedback_id: Id, body: ReplyIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> FeedbackOut:
    """The receiver's one public reply, after the reveal, on a contract with money paid."""
    feedback = service.reply_to_feedback(db, settings, user, feedback_id, body.reply)
    contract = db.get(Contract, feedback.contract_id)
    assert contract is not None
    found = queries.contract_feedback(db, settings, contract, viewer_role(contract, user))
    view = found.side(feedback.author_role)
    assert view is not None
    return feedback_out(view)


@router.get(
    "/users/{handle}/feedback",
    response_model=PublicReviewsOut,
    responses={404: {"description": "No such profile (problem document)"}},
)
def public_feedback(
    handle: Annotated[str, Path(max_length=40)],
    db: DbDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> PublicReviewsOut:
    """Public, revealed feedback a user received, on contracts with more than $0 paid, newest
    first. Anyone may read it; private answers are never part of it."""
    user = find_public_user(db, handle)
    if user is None:
        raise NotFound("There is no profile with this handle.")
    found = queries.public_reviews(db, user.id, page, settings.feedback_page_size)
    return PublicReviewsOut(
        items=[
            PublicReviewOut(
                id=r.id,
                contract_title=r.contract_title,
                from_role=r.author_role,  # type: ignore[arg-type]
                scores={name: score for name, _, score in r.scores},
                overall=r.overall,
                comment=r.comment,
                reply=r.reply,
                replied_at=r.replied_at,
                revealed_at=r.revealed_at,
                contract_started_at=r.contract_started_at,
                contract_ended_at=r.contract_ended_at,
            )
            for r in found.items
        ],
        total=found.total,
        average=found.average,
        page=found.page,
        pages=found.pages,
    )
