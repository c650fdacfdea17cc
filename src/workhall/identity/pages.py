"""Identity verification pages (trust.md §2.2): the user's ``/settings/verification`` (phone
and identity status, the upload form, the rejection reason) and the trust & safety queue,
review screen and decrypting file route.

Forms that fail re-render with the message; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.clock import utcnow
from workhall.core.errors import Forbidden, NotFound, Problem
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, PageUser, SettingsDep, writes_on_get
from workhall.identity import rules, service
from workhall.identity.countries import ISSUING_COUNTRIES
from workhall.identity.models import REASON_MAX
from workhall.identity.uploads import UploadForm, UploadLimit, file_field, text_field
from workhall.verification.rules import display_phone

router = APIRouter()

MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
REASON_FIELD_MAX = 5_000  # the form layer's bound; the service enforces the real limit


# --- the user's page ----------------------------------------------------------------------------


def _verification_page(
    request: Request,
    db: Session,
    settings: SettingsDep,
    user: User,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    state = service.identity_state(db, user)
    previous = service.submissions_of(db, user.id)
    return render(
        request,
        "identity/verification.html",
        {
            "state": state,
            "previous": previous,
            "phone": display_phone(user.phone_e164) if user.phone_e164 else None,
            "form": form or {"document_type": "", "issuing_country": user.country},
            "errors": errors or {},
            "error": error,
            "countries": sorted(ISSUING_COUNTRIES.items(), key=lambda kv: kv[1]),
            "document_types": rules.DOCUMENT_TYPE_LABELS,
            "status_labels": rules.STATUS_LABELS,
            "unlocks": rules.UNLOCKS,
            "max_mb": settings.identity_max_file_bytes // (1024 * 1024),
            "retention_days": settings.identity_document_retention_days,
            "active": "verification",
        },
        status_code=status_code,
    )


@router.get("/settings/verification")
def verification_page(
    request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    return _verification_page(request, db, settings, user)


@router.post("/settings/verification/identity", dependencies=[UploadLimit, Csrf])
def submit_identity(
    request: Request, user: PageUser, db: DbDep, settings: SettingsDep, form: UploadForm
) -> Response:
    values = {
        "document_type": text_field(form, "document_type"),
        "issuing_country": text_field(form, "issuing_country").upper(),
    }
    max_bytes = settings.identity_max_file_bytes
    try:
        service.submit(
            db,
            settings,
            user,
            document_type=values["document_type"],
            issuing_country=values["issuing_country"],
            document=file_field(form, "document", max_bytes),
            selfie=file_field(form, "selfie", max_bytes),
        )
    except Problem as exc:
        db.rollback()
        field = exc.extra.get("field")
        return _verification_page(
            request,
            db,
            settings,
            user,
            form=values,
            errors={field: exc.detail} if isinstance(field, str) else {},
            error=exc.detail,
            status_code=exc.status,
        )
    return redirect(
        "/settings/verification",
        request,
        "Thank you: your documents are in review. We will let you know the decision.",
    )


# --- trust & safety -----------------------------------------------------------------------------


def _reviewer(user: User) -> User:
    if not service.is_reviewer(user):
        raise Forbidden("Identity documents are reviewed by trust & safety staff only.")
    return user


@router.get("/staff/identity")
def staff_queue(request: Request, user: PageUser, db: DbDep) -> Response:
    rows = service.staff_queue(db, _reviewer(user))
    people = _users(db, {s.user_id for s in rows})
    now = utcnow()
    return render(
        request,
        "identity/staff_queue.html",
        {
            "rows": [
                (s, people[s.user_id], rules.waiting_label(s.submitted_at, now)) for s in rows
            ],
            "document_types": rules.DOCUMENT_TYPE_LABELS,
            "countries": ISSUING_COUNTRIES,
        },
    )


def _users(db: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))}


def _review_context(db: Session, reviewer: User, submission_id: int) -> dict[str, Any]:
    s = service.submission_for_reviewer(db, reviewer, submission_id)
    history = [p for p in service.submissions_of(db, s.user_id) if p.id != s.id]
    people = _users(db, {s.user_id} | {p.decided_by_id for p in [s, *history] if p.decided_by_id})
    return {
        "s": s,
        "person": people[s.user_id],
        "history": history,
        "people": people,
        "waiting": rules.waiting_label(s.submitted_at, utcnow()),
        "document_types": rules.DOCUMENT_TYPE_LABELS,
        "status_labels": rules.STATUS_LABELS,
        "countries": ISSUING_COUNTRIES,
        "reason_max": REASON_MAX,
        "errors": {},
    }


@router.get("/staff/identity/{submission_id}")
def staff_review(submission_id: Id, request: Request, user: PageUser, db: DbDep) -> Response:
    context = _review_context(db, _reviewer(user), submission_id)
    return render(request, "identity/staff_review.html", context)


@router.get("/staff/identity/{submission_id}/files/{which}")
@writes_on_get
def staff_file(
    submission_id: Id,
    which: Literal["document", "selfie"],
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
) -> Response:
    """The decrypted document or selfie, for the review screen only: never cached, never
    sniffed into another type, shown inline. Each view is audited."""
    found = service.read_file(db, settings, _reviewer(user), submission_id, which)
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'inline; filename="{which}-{submission_id}.'
            f'{"jpg" if found.kind == "jpeg" else found.kind}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store, private",
            "Pragma": "no-cache",
        },
    )


@router.post("/staff/identity/{submission_id}/approve", dependencies=[Csrf])
def approve(
    submission_id: Id,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    name_matches: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    reviewer = _reviewer(user)
    if name_matches != "yes":
        context = _review_context(db, reviewer, submission_id)
        context["errors"] = {
            "name_matches": "Confirm that the name on the ID matches the account's name."
        }
        return render(request, "identity/staff_review.html", context, status_code=422)
    try:
        service.decide(db, settings, submission_id, approve=True, reason=None, reviewer=reviewer)
    except Problem as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise
        db.rollback()
        return _review_failed(request, db, reviewer, submission_id, exc)
    return redirect("/staff/identity", request, "Approved: the account is identity verified.")


@router.post("/staff/identity/{submission_id}/reject", dependencies=[Csrf])
def reject(
    submission_id: Id,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=REASON_FIELD_MAX)] = "",
) -> Response:
    reviewer = _reviewer(user)
    try:
        service.decide(db, settings, submission_id, approve=False, reason=reason, reviewer=reviewer)
    except Problem as exc:
        if isinstance(exc, (NotFound, Forbidden)):
            raise
        db.rollback()
        return _review_failed(request, db, reviewer, submission_id, exc, reason=reason)
    return redirect("/staff/identity", request, "Rejected: the user sees your reason.")


def _review_failed(
    request: Request,
    db: Session,
    reviewer: User,
    submission_id: int,
    exc: Problem,
    *,
    reason: str = "",
) -> Response:
    context = _review_context(db, reviewer, submission_id)
    field = exc.extra.get("field")
    context["errors"] = {field if isinstance(field, str) else "decision": exc.detail}
    context["reason"] = reason[:REASON_MAX]
    return render(request, "identity/staff_review.html", context, status_code=exc.status)
