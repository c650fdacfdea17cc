"""Helpers for the phone verification tests (trust.md §2.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_user
from workhall.accounts.models import User
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.verification.models import SmsMessage

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Valid mobile numbers (phonenumbers' own example ranges), E.164.
GB_MOBILE = "+447400123456"
GB_MOBILE_2 = "+447400123457"
US_MOBILE = "+12015550123"
DE_MOBILE = "+4915123456789"


@dataclass
class RecordingGateway:
    """An SMS gateway that keeps what it was asked to send."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, to_e164: str, text: str) -> None:
        self.sent.append((to_e164, text))

    @property
    def last_code(self) -> str:
        return code_in(self.sent[-1][1])


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


def last_sms_code(db: Session, to_e164: str) -> str:
    """The code in the newest message the log backend kept for ``to_e164``."""
    text = db.scalar(
        select(SmsMessage.text)
        .where(SmsMessage.to_e164 == to_e164)
        .order_by(SmsMessage.id.desc())
        .limit(1)
    )
    assert text is not None, f"no SMS to {to_e164}"
    return code_in(text)


def other_code(code: str) -> str:
    """A 6-digit code that is certainly wrong."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def unverified(db: Session, settings: Settings, role: str = "freelancer", **fields: Any) -> User:
    """An account with a confirmed email and no phone yet."""
    user = make_user(db, settings, role, verified=False, **fields)
    user.email_verified_at = clock.utcnow()
    db.flush()
    return user


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def gateway() -> RecordingGateway:
    return RecordingGateway()
