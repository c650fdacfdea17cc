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
from workhall.jobs.models import Job

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
        db,
        settings,
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


def make_job(db: Session, settings: Settings, client: User | None = None, **fields: Any) -> Job:
    """A job posted through the jobs service ($100 fixed, Python + Django, public).

    Posting fields (``title``, ``skills``, ``budget_type`` …) go into the posting; any other
    field (``posted_at``, ``proposal_count`` …) is set on the stored job afterwards.
    """
    from dataclasses import fields as dataclass_fields

    from workhall.jobs.rules import JobDraft
    from workhall.jobs.search import unindex_job
    from workhall.jobs.service import post_job

    n = next(_seq)
    draft_fields = {f.name for f in dataclass_fields(JobDraft)}
    posting: dict[str, Any] = {
        "title": f"Build a booking web app {n}",
        "description": "We need a small booking web application with an admin and e-mails.",
        "category": "web-dev",
        "skills": ("python", "django"),
        "budget_type": "fixed",
        "budget_cents": 10_000,
        "duration": "lt1m",
        "experience_level": "intermediate",
    }
    posting.update({k: fields.pop(k) for k in list(fields) if k in draft_fields})
    if posting["budget_type"] == "hourly":
        posting["budget_cents"] = None
        posting.setdefault("hourly_min_cents", 2_000)
        posting.setdefault("hourly_max_cents", 5_000)
    posting["skills"] = tuple(posting["skills"])
    job = post_job(db, settings, client or make_client(db, settings), JobDraft(**posting))
    for key, value in fields.items():
        setattr(job, key, value)
    db.flush()
    if job.status != "open":
        unindex_job(db, job.id)  # closed jobs leave the search index, as the service does
    return job


def sign_in_browser(client: Any, db: Session, settings: Settings, user: User) -> str:
    """Give the test client a browser session of ``user``; returns the session's CSRF token.

    Commits the test's work so far (a savepoint in the test transaction): a request that fails
    rolls back to there, and the error page can still read the session and the user.
    """
    from workhall.core.web import SESSION_COOKIE

    token, web_session = accounts.create_web_session(db, settings, user, "testclient", "pytest")
    db.commit()
    client.cookies.set(SESSION_COOKIE, token)
    return web_session.csrf_token
