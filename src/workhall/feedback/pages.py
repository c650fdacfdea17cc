"""Feedback pages (marketplace.md §7, quality.md §3): the feedback form of a contract, the reply
form, a profile's reviews (the partial the profile pages include, and a page of all of them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.accounts.profiles import find_public_user
from workhall.contracts.models import Contract
from workhall.contracts.service import contract_for
from workhall.core.errors import NotFound, Problem, Unprocessable
from workhall.core.settings import Settings
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, PageUser, SettingsDep, path_id
from workhall.feedback import queries, rules, service
from workhall.feedback.models import ALL_CRITERIA, Feedback
from workhall.feedback.schemas import TEXT_SCHEMA_MAX

router = APIRouter()


def reviews_context(session: Session, settings: Settings, person: User) -> dict[str, Any]:
    """What ``feedback/_reviews.html`` needs on a public profile: the first page of the
    person's public reviews (revealed, > $0 paid), their average and count."""
    return {
        "reviews": queries.public_reviews(session, person.id, 1, settings.feedback_page_size),
        "reviews_person": person,
    }


# --- the contract's feedback ------------------------------------------------------------------


def _form_from(view: queries.FeedbackView | None) -> dict[str, str]:
    if view is None:
        return {}
    form = {f"score_{name}": str(score) for name, score in view.scores.items()}
    form["comment"] = view.comment
    if view.private is not None:
        form["likelihood"] = str(view.private.likelihood)
        form["ending_reason"] = view.private.ending_reason or ""
        form["unprofessional"] = "on" if view.private.unprofessional else ""
        form["unprofessional_reason"] = view.private.unprofessional_reason
    return form


def _page(
    request: Request,
    db: Session,
    settings: Settings,
    user: User,
    contract: Contract,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
    reply_draft: str = "",
) -> Response:
    viewer = service.party_role(contract, user) or "staff"
    found = queries.contract_feedback(db, settings, contract, viewer)
    people = {
        u.id: u
        for u in (db.get(User, contract.client_id), db.get(User, contract.freelancer_id))
        if u
    }
    other_id = contract.freelancer_id if viewer == "client" else contract.client_id
    return render(
        request,
        "feedback/contract.html",
        {
            "contract": contract,
            "found": found,
            "viewer": viewer,
            "other": people.get(other_id) if viewer != "staff" else None,
            "people": people,
            "criteria": rules.CRITERIA_LABELS.get(viewer, ()),
            "question": rules.LIKELIHOOD_QUESTION.get(viewer, ""),
            "ending_reasons": rules.ENDING_REASONS,
            "form": form
            if form is not None
            else _form_from(found.mine if viewer != "staff" else None),
            "error": error,
            "comment_max": settings.feedback_comment_max_length,
            "reason_max": settings.feedback_reason_max_length,
            "labels": rules.CRITERIA_LABELS,
            "questions": rules.LIKELIHOOD_QUESTION,
            "reply_draft": reply_draft,
        },
        status_code=status,
    )


@router.get("/contracts/{contract_id}/feedback")
def feedback_page(
    contract_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    contract = contract_for(db, user, path_id(contract_id))
    return _page(request, db, settings, user, contract)


def _int(text: str, field: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 3:
        raise Unprocessable(f"{label}: choose one of the numbers offered.", field=field)
    return int(text)


Small = Annotated[str, Form(max_length=3)]


@router.post("/contracts/{contract_id}/feedback", dependencies=[Csrf])
def submit_feedback(
    contract_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    score_skills: Small = "",
    score_quality: Small = "",
    score_availability: Small = "",
    score_deadlines: Small = "",
    score_communication: Small = "",
    score_cooperation: Small = "",
    score_clarity: Small = "",
    score_payment_promptness: Small = "",
    comment: Annotated[str, Form(max_length=TEXT_SCHEMA_MAX)] = "",
    likelihood: Small = "",
    ending_reason: Annotated[str, Form(max_length=30)] = "",
    unprofessional: Annotated[str, Form(max_length=5)] = "",
    unprofessional_reason: Annotated[str, Form(max_length=TEXT_SCHEMA_MAX)] = "",
) -> Response:
    contract = contract_for(db, user, path_id(contract_id))
    role = service.party_role(contract, user)
    given = {
        "skills": score_skills,
        "quality": score_quality,
        "availability": score_availability,
        "deadlines": score_deadlines,
        "communication": score_communication,
        "cooperation": score_cooperation,
        "clarity": score_clarity,
        "payment_promptness": score_payment_promptness,
    }
    form = {f"score_{k}": v for k, v in given.items()} | {
        "comment": comment,
        "likelihood": likelihood,
        "ending_reason": ending_reason,
        "unprofessional": unprofessional,
        "unprofessional_reason": unprofessional_reason,
    }
    try:
        if role is None:
            raise Unprocessable("Only the client and the freelancer leave feedback.")
        wanted = rules.criteria_of(role)
        scores: dict[str, object] = {}
        for name in wanted:
            value = _int(given[name], f"score_{name}", name.replace("_", " ").capitalize())
            if value is None:
                raise Unprocessable(
                    f"Score “{dict(rules.CRITERIA_LABELS[role])[name]}” from 1 to 5.",
                    field=f"score_{name}",
                )
            scores[name] = value
        stray = [n for n in ALL_CRITERIA if n not in wanted and given[n]]
        if stray:
            raise Unprocessable("Score only the criteria on this form.")
        service.leave_feedback(
            db,
            settings,
            user,
            contract.id,
            service.FeedbackDraft(
                scores=scores,
                comment=comment,
                likelihood=_int(likelihood, "likelihood", "The private question"),
                ending_reason=(ending_reason or None) if role == "client" else None,
                unprofessional=role == "freelancer" and unprofessional == "on",
                unprofessional_reason=unprofessional_reason if role == "freelancer" else "",
            ),
        )
    except Problem as exc:
        db.rollback()
        if exc.status in (403, 404):
            raise
        return _page(request, db, settings, user, contract, form=form, error=exc.detail, status=400)
    found = queries.contract_feedback(db, settings, contract, role or "staff")
    message = (
        "Feedback submitted. You can both see each other's feedback now."
        if found.revealed
        else "Feedback saved. It stays hidden until you both submit or the window ends."
    )
    return redirect(f"/contracts/{contract.id}/feedback", request, message)


@router.post("/feedback/{feedback_id}/reply", dependencies=[Csrf])
def reply(
    feedback_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reply: Annotated[str, Form(max_length=TEXT_SCHEMA_MAX)] = "",
) -> Response:
    try:
        feedback = service.reply_to_feedback(db, settings, user, path_id(feedback_id), reply)
    except Problem as exc:
        db.rollback()
        found = db.get(Feedback, feedback_id)
        if exc.status in (403, 404) or found is None:
            raise
        contract = contract_for(db, user, found.contract_id)
        return _page(
            request, db, settings, user, contract, error=exc.detail, status=400, reply_draft=reply
        )
    return redirect(f"/contracts/{feedback.contract_id}/feedback", request, "Your reply is posted.")


# --- a profile's reviews -------------------------------------------------------------------------


@router.get("/u/{handle}/reviews")
def all_reviews(
    handle: str,
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    person = find_public_user(db, handle)
    if person is None:
        raise NotFound("There is no profile at this address.")
    found = queries.public_reviews(db, person.id, page, settings.feedback_page_size)
    return render(
        request,
        "feedback/reviews.html",
        {"reviews": found, "reviews_person": person, "full_page": True},
    )
