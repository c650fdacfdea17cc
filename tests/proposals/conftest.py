"""Helpers for the proposal tests: jobs posted through the jobs service, Connects topped up
through the Connects service, signed-in browsers for the pages."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_client
from workhall.accounts import service as accounts
from workhall.accounts.models import ProfileSkill, User
from workhall.connects.service import connects_balance, issue_lot, spend_connects
from workhall.core.settings import Settings
from workhall.core.web import SESSION_COOKIE
from workhall.jobs.models import Job
from workhall.jobs.rules import JobDraft
from workhall.jobs.service import post_job

_seq = itertools.count(1)


def make_job(
    db: Session,
    settings: Settings,
    client: User | None = None,
    *,
    budget_cents: int = 10_000,  # $100 → 4 Connects (marketplace.md §4.2)
    skills: tuple[str, ...] = ("python", "django"),
    visibility: str = "public",
    **fields: Any,
) -> Job:
    client = client or make_client(db, settings)
    n = next(_seq)
    job = post_job(
        db,
        settings,
        client,
        JobDraft(
            title=f"Build a reporting dashboard {n}",
            description="We need a small web dashboard for our sales reports, with charts.",
            category="web-dev",
            skills=skills,
            budget_type="fixed",
            duration="lt1m",
            experience_level="intermediate",
            budget_cents=budget_cents,
            visibility=visibility,
        ),
    )
    for key, value in fields.items():
        setattr(job, key, value)
    db.flush()
    return job


def set_balance(db: Session, settings: Settings, user: User, target: int) -> None:
    """Bring the freelancer's Connects to ``target``: an award lot up, or a spend down."""
    missing = target - connects_balance(db, user.id)
    if missing < 0:
        spend_connects(db, settings, user.id, -missing, purpose="price", proposal_id=None)
    elif missing:
        issue_lot(db, settings, user.id, kind="award", source=f"test:{next(_seq)}", amount=missing)
    db.flush()


def give_skills(db: Session, user: User, *skills: str) -> None:
    for skill in skills:
        db.add(ProfileSkill(user_id=user.id, skill=skill))
    db.flush()
    db.expire(user.freelancer_profile)  # type: ignore[arg-type]


def sign_in(client: TestClient, db: Session, settings: Settings, user: User) -> str:
    """Give the test browser a session for ``user``; returns the CSRF token of its forms."""
    token, ws = accounts.create_web_session(db, settings, user)
    db.flush()
    client.cookies.set(SESSION_COOKIE, token)
    return ws.csrf_token
