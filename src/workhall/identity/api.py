"""Identity verification API (trust.md §2.2): send an ID and a selfie, read the status.

``POST /api/v1/me/identity`` takes ``multipart/form-data``; its body is limited while it
streams (see ``uploads``). ``GET`` answers the state and the rejection reason, never files.
"""

from __future__ import annotations

from fastapi import APIRouter

from workhall.core.errors import documented_problems
from workhall.core.web import ApiUser, DbDep, SettingsDep
from workhall.identity import service
from workhall.identity.models import DOCUMENT_TYPES, IdentitySubmission
from workhall.identity.schemas import IdentityOut, SubmissionOut
from workhall.identity.uploads import UploadForm, UploadLimit, file_field, text_field

router = APIRouter(tags=["identity"])

_problems = documented_problems(
    {
        409: "A submission is in review, or the identity is already verified",
        413: "A file over the size limit (10 MB each) or a body over twice that",
        422: "Not a JPEG, PNG or PDF by content; a name or type that disagrees with the "
        "content; a polyglot; a PDF with scripts, actions or attachments; a bad field",
    }
)

_FILE = {"type": "string", "format": "binary"}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["document_type", "issuing_country", "document", "selfie"],
                    "properties": {
                        "document_type": {"type": "string", "enum": list(DOCUMENT_TYPES)},
                        "issuing_country": {
                            "type": "string",
                            "minLength": 2,
                            "maxLength": 2,
                            "description": "ISO 3166-1 alpha-2 code, e.g. FR",
                        },
                        "document": {
                            **_FILE,
                            "description": "The photo ID: JPEG, PNG or PDF, at most 10 MB",
                        },
                        "selfie": {**_FILE, "description": "A JPEG or PNG photo, at most 10 MB"},
                    },
                }
            }
        },
    }
}


def submission_out(s: IdentitySubmission) -> SubmissionOut:
    return SubmissionOut(
        id=s.id,
        status=s.status,  # type: ignore[arg-type]
        document_type=s.document_type,  # type: ignore[arg-type]
        issuing_country=s.issuing_country,
        document_kind=s.document_kind,  # type: ignore[arg-type]
        selfie_kind=s.selfie_kind,  # type: ignore[arg-type]
        submitted_at=s.submitted_at,
        decided_at=s.decided_at,
        rejection_reason=s.rejection_reason,
        documents_deleted=s.documents_deleted_at is not None,
    )


def identity_out(state: service.IdentityState) -> IdentityOut:
    return IdentityOut(
        status=state.status,  # type: ignore[arg-type]
        verified_at=state.verified_at,
        can_submit=state.can_submit,
        why_not=state.block,
        latest=submission_out(state.latest) if state.latest is not None else None,
    )


@router.get("/me/identity", response_model=IdentityOut, responses=_problems(401))
def my_identity(user: ApiUser, db: DbDep) -> IdentityOut:
    """The caller's identity verification: state, rejection reason, whether to resubmit."""
    return identity_out(service.identity_state(db, user))


@router.post(
    "/me/identity",
    status_code=201,
    response_model=IdentityOut,
    responses=_problems(401, 409, 413, 422),
    dependencies=[UploadLimit],
    openapi_extra=_UPLOAD_BODY,
)
def submit_identity(
    user: ApiUser, db: DbDep, settings: SettingsDep, form: UploadForm
) -> IdentityOut:
    """Send a government photo ID and a selfie for review (trust.md §2.2)."""
    max_bytes = settings.identity_max_file_bytes
    service.submit(
        db,
        settings,
        user,
        document_type=text_field(form, "document_type"),
        issuing_country=text_field(form, "issuing_country").upper(),
        document=file_field(form, "document", max_bytes),
        selfie=file_field(form, "selfie", max_bytes),
    )
    return identity_out(service.identity_state(db, user))
