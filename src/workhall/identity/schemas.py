"""Identity verification API bodies (trust.md §2.2). No file contents ever leave the API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["not_submitted", "pending", "approved", "rejected", "verified"]


class SubmissionOut(BaseModel):
    id: int
    status: Literal["pending", "approved", "rejected"]
    document_type: Literal["passport", "national_id", "driving_licence"]
    issuing_country: str = Field(min_length=2, max_length=2)
    document_kind: Literal["jpeg", "png", "pdf"]
    selfie_kind: Literal["jpeg", "png"]
    submitted_at: datetime
    decided_at: datetime | None
    rejection_reason: str | None
    documents_deleted: bool


class IdentityOut(BaseModel):
    status: Status = Field(
        description="verified once approved; otherwise the latest submission's state"
    )
    verified_at: datetime | None
    can_submit: bool
    why_not: str | None = Field(description="Why a new submission is not possible now")
    latest: SubmissionOut | None
