"""Helpers for the jobs tests: a recorder of ``job_closed`` events, signed-in browsers, a valid
posting body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from workhall.accounts import service as accounts
from workhall.accounts.models import User
from workhall.core import events
from workhall.core.settings import Settings
from workhall.core.web import SESSION_COOKIE

POSTING: dict[str, Any] = {
    "title": "Build a booking API in Django",
    "description": "We need a REST API for room bookings, with tests and deployment notes.",
    "skills": ["python", "django"],
    "category": "web-dev",
    "budget_type": "fixed",
    "budget_cents": 120_000,
    "duration": "1to3m",
    "experience_level": "expert",
}


@pytest.fixture
def client(client: TestClient, db: Session) -> TestClient:
    """The test browser, with the test's setup committed before each request.

    A request that fails rolls its unit of work back; in these tests that unit of work is the
    test's own session, so the data the test made beforehand is committed first (to the outer
    transaction, which is still rolled back when the test ends), as it would be in production.
    """
    send = client.request

    def request(*args: Any, **kwargs: Any) -> Any:
        db.commit()
        return send(*args, **kwargs)

    client.request = request  # type: ignore[method-assign]
    return client


@pytest.fixture
def closed_events() -> Iterator[list[dict[str, Any]]]:
    """Every ``job_closed`` published during the test, as (job id, status, reason) dicts."""
    seen: list[dict[str, Any]] = []

    def record(*, job: Any, reason: str, session: Session, settings: Settings, **_: Any) -> None:
        seen.append({"job_id": job.id, "status": job.status, "reason": reason})

    events.subscribe("job_closed")(record)
    yield seen
    events._handlers["job_closed"].remove(record)


def sign_in(client: TestClient, db: Session, settings: Settings, user: User) -> str:
    """Give the test browser a session for ``user``; returns the CSRF token of its forms."""
    token, ws = accounts.create_web_session(db, settings, user)
    db.flush()
    client.cookies.set(SESSION_COOKIE, token)
    return ws.csrf_token
