"""API bodies for phone verification (trust.md §2.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from workhall.verification.rules import CODE_DIGITS, MAX_PHONE_INPUT_LENGTH

PhoneText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PHONE_INPUT_LENGTH)
]
CodeText = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=rf"^[0-9]{{{CODE_DIGITS}}}$")
]


class PhoneIn(BaseModel):
    """A mobile number: international (``+44 7400 123456``) or national in the account's country."""

    model_config = ConfigDict(extra="forbid")
    phone: PhoneText


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: CodeText


class CodeSentOut(BaseModel):
    phone: str
    expires_at: datetime
    resend_after: datetime


class PhoneVerifiedOut(BaseModel):
    phone: str
    verified_at: datetime


class PendingCodeOut(BaseModel):
    phone: str
    expires_at: datetime
    expired: bool


class PhoneStatusOut(BaseModel):
    phone: str | None
    verified_at: datetime | None
    pending: PendingCodeOut | None
    attempts_left: int
    resend_after: datetime | None
