"""Factories for users, jobs and proposals. They go through the services, like the product does.

Users have the password ``PASSWORD`` (hashed with the cheap test parameters) and, unless told
otherwise, a confirmed email and a verified phone.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from workhall.accounts import service as accounts
from workhall.accounts.models import User
from workhall.core.clock import utcnow
from workhall.core.settings import Settings

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_user(
    db: Session,
    settings: Settings,
    role: str = "freelancer",
    *,
    verified: bool = True,
    **fields: Any,
) -> User:
    n = next(_seq)
    user = accounts.sign_up(
        db, settings,
        email=fields.pop("email", f"{role}{n}@example.com"),
        password=PASSWORD,
        name=fields.pop("name", f"{role.title()} {n}"),
        country=fields.pop("country", "US"),
        role=role,
        staff_roles=fields.pop("staff_roles", ""),
    )
    if verified:
        user.email_verified_at = utcnow()
        user.phone_verified_at = utcnow()
        user.phone_e164 = f"+1202555{n % 10000:04d}"
    for key, value in fields.items():
        setattr(user, key, value)
    db.flush()
    return user


def make_freelancer(db: Session, settings: Settings, **fields: Any) -> User:
    return make_user(db, settings, "freelancer", **fields)


def make_client(db: Session, settings: Settings, **fields: Any) -> User:
    return make_user(db, settings, "client", **fields)


def api_headers(db: Session, settings: Settings, user: User) -> dict[str, str]:
    token = accounts.create_api_token(db, settings, user)
    db.flush()
    return {"Authorization": f"Bearer {token}"}
