"""Sign-in records are pruned once no throttling window reads them (trust.md §3)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.accounts.conftest import T0
from tests.factories import make_freelancer
from workhall.accounts import service
from workhall.accounts.models import LoginAttempt, OneTimeToken
from workhall.accounts.tasks import prune_sign_in_records
from workhall.core import clock


def test_old_attempts_and_spent_links_are_pruned_recent_ones_kept(db, settings):
    clock.set_now(T0)
    user = make_freelancer(db, settings)  # its email link expires at T0 + 7 days
    db.add(LoginAttempt(email=user.email, ip="192.0.2.1", at=T0, succeeded=False))
    service.request_password_reset(db, settings, user.email)
    db.flush()
    clock.set_now(T0 + timedelta(days=29))
    db.add(LoginAttempt(email=user.email, ip="192.0.2.1", at=clock.utcnow(), succeeded=False))
    db.flush()
    assert prune_sign_in_records(db, settings) == 0
    clock.set_now(T0 + timedelta(days=31))
    assert prune_sign_in_records(db, settings) == 2  # the first attempt and the reset link
    assert (
        db.scalar(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == user.email)
        )
        == 1
    )
    assert (
        db.scalar(
            select(func.count())
            .select_from(OneTimeToken)
            .where(OneTimeToken.purpose == "reset_password", OneTimeToken.user_id == user.id)
        )
        == 0
    )
    assert prune_sign_in_records(db, settings) == 0  # idempotent
