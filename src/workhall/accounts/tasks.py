"""Account housekeeping for the worker: sign-in records are kept only as long as throttling and
investigations need them (trust.md §3)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from workhall.accounts.models import (
    LoginAttempt,
    OneTimeToken,
    PaymentMethodCheck,
    PendingLogin,
    SecondFactorAttempt,
)
from workhall.core.clock import utcnow
from workhall.core.settings import Settings
from workhall.worker import Task

# Longer than every window that reads these rows (1 hour per IP, 1 day per pair and per card).
KEEP_ATTEMPTS = timedelta(days=30)
# Used or expired links and pending sign-ins: a month to answer "did I get a reset email?".
KEEP_LINKS = timedelta(days=30)


def prune_sign_in_records(session: Session, settings: Settings) -> int:
    """Delete old sign-in attempts, spent links and pending logins; idempotent."""
    now = utcnow()
    removed = 0
    for statement in (
        delete(LoginAttempt).where(LoginAttempt.at < now - KEEP_ATTEMPTS),
        delete(SecondFactorAttempt).where(SecondFactorAttempt.at < now - KEEP_ATTEMPTS),
        delete(PaymentMethodCheck).where(PaymentMethodCheck.at < now - KEEP_ATTEMPTS),
        delete(PendingLogin).where(PendingLogin.expires_at < now - KEEP_LINKS),
        delete(OneTimeToken).where(OneTimeToken.expires_at < now - KEEP_LINKS),
    ):
        removed += session.execute(statement).rowcount  # type: ignore[attr-defined]
    return removed


TASKS = [Task("prune-sign-in-records", 3600, prune_sign_in_records)]
