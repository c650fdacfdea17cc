"""Racing requests cannot exceed the limits of trust.md §2.1 (real commits, several threads)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.verification.conftest import GB_MOBILE, T0, RecordingGateway
from workhall.accounts import service as accounts
from workhall.accounts.models import User
from workhall.core import clock
from workhall.core.errors import Conflict, TooManyRequests
from workhall.verification import service
from workhall.verification.models import PhoneCode, PhoneNumber

pytestmark = [pytest.mark.concurrency, pytest.mark.usefixtures("frozen")]


def _accounts(database, settings, n: int) -> list[int]:
    with database.unit_of_work() as session:
        users = [
            accounts.sign_up(
                session,
                settings,
                email=f"racer{i}@example.com",
                password="a long passphrase!",
                name=f"Racer {i}",
                country="GB",
                role="client",
            )
            for i in range(n)
        ]
        session.flush()
        return [u.id for u in users]


def _race(database, settings, user_ids: list[int], phone: str) -> list[str]:
    """Each user id sends a code from its own thread and transaction, all at once."""
    barrier = threading.Barrier(len(user_ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(user_id: int) -> None:
        barrier.wait()
        try:
            with database.unit_of_work() as session:
                user = session.get(User, user_id)
                assert user is not None
                service.send_code(session, settings, user, phone, gateway=RecordingGateway())
            outcome = "sent"
        except TooManyRequests as exc:
            outcome = str(exc.extra["reason"])
        except Conflict:
            outcome = "conflict"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def test_one_account_racing_itself_sends_one_code(committed_db, settings):
    (user_id,) = _accounts(committed_db, settings, 1)
    outcomes = _race(committed_db, settings, [user_id] * 4, GB_MOBILE)
    assert outcomes == ["resend_too_soon"] * 3 + ["sent"]


def test_accounts_racing_for_the_last_send_of_a_number(committed_db, settings):
    *seeders, a, b, c = _accounts(committed_db, settings, 5)
    # Nine codes already went to the number today (from two other accounts).
    with committed_db.unit_of_work() as session:
        session.add(PhoneNumber(e164=GB_MOBILE, first_seen_at=T0))
        session.flush()
        for i in range(9):
            at = T0 - timedelta(hours=1, minutes=i)
            session.add(
                PhoneCode(
                    user_id=seeders[i % 2],
                    phone_e164=GB_MOBILE,
                    code_hash="x" * 64,
                    created_at=at,
                    expires_at=at + timedelta(minutes=10),
                )
            )
    outcomes = _race(committed_db, settings, [a, b, c], GB_MOBILE)
    assert outcomes == ["number_daily_limit", "number_daily_limit", "sent"]
    with committed_db.unit_of_work(write=False) as session:
        total = session.scalar(
            select(func.count()).select_from(PhoneCode).where(PhoneCode.phone_e164 == GB_MOBILE)
        )
    assert total == 10


def test_two_accounts_racing_to_verify_one_number(committed_db, settings, monkeypatch):
    monkeypatch.setattr("workhall.verification.rules.new_code", lambda: "424242")
    a, b = _accounts(committed_db, settings, 2)
    for user_id in (a, b):
        with committed_db.unit_of_work() as session:
            user = session.get(User, user_id)
            assert user is not None
            service.send_code(session, settings, user, GB_MOBILE, gateway=RecordingGateway())
    clock.set_now(T0 + timedelta(seconds=5))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def verify(user_id: int) -> None:
        barrier.wait()
        try:
            with committed_db.unit_of_work() as session:
                user = session.get(User, user_id)
                assert user is not None
                service.verify_code(session, settings, user, "424242")
            outcomes.append("verified")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=verify, args=(uid,)) for uid in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "verified"]
    with committed_db.unit_of_work(write=False) as session:
        holders = session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.phone_e164 == GB_MOBILE, User.phone_verified_at.is_not(None))
        )
    assert holders == 1
