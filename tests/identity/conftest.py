"""Helpers for the identity verification tests (trust.md §2.2)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import make_freelancer, make_user
from tests.identity import samples
from workhall.accounts.models import User
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.identity import service, storage
from workhall.identity.files import Upload
from workhall.identity.models import IdentitySubmission

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[datetime]:
    clock.set_now(T0)
    yield T0
    clock.set_now(None)


@pytest.fixture
def freelancer(db: Session, settings: Settings) -> User:
    return make_freelancer(db, settings, name="Ada Lovelace", country="GB")


@pytest.fixture
def reviewer(db: Session, settings: Settings) -> User:
    return make_user(db, settings, "staff", staff_roles="trust_safety", name="Tess Agent")


def submit(db: Session, settings: Settings, user: User, **changes: object) -> IdentitySubmission:
    fields: dict[str, object] = {
        "document_type": "passport",
        "issuing_country": "GB",
        "document": Upload(samples.jpeg(), "passport.jpg", "image/jpeg"),
        "selfie": Upload(samples.png(), "me.png", "image/png"),
    }
    fields.update(changes)
    return service.submit(db, settings, user, **fields)  # type: ignore[arg-type]


def stored_files(settings: Settings) -> list[Path]:
    folder = storage.identity_dir(settings)
    return sorted(folder.rglob("*")) if folder.exists() else []


def all_files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def submission_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(IdentitySubmission)) or 0
