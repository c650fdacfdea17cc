"""Racing submissions of one account: one is stored, the others are refused and store
nothing (real commits, several threads; trust.md §2.2 "one submission in review")."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.identity import samples
from tests.identity.conftest import stored_files
from workhall.accounts import service as accounts
from workhall.accounts.models import User
from workhall.core.db import Database
from workhall.core.errors import Conflict
from workhall.core.settings import Settings
from workhall.identity import service
from workhall.identity.files import Upload
from workhall.identity.models import IdentitySubmission

pytestmark = pytest.mark.concurrency


def test_one_account_racing_itself_stores_one_submission(
    committed_db: Database, settings: Settings
) -> None:
    with committed_db.unit_of_work() as session:
        user = accounts.sign_up(
            session,
            settings,
            email="racer@example.com",
            password="a long passphrase!",
            name="Racer",
            country="GB",
            role="freelancer",
        )
        session.flush()
        user_id = user.id
    document, selfie = samples.jpeg(), samples.png()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            with committed_db.unit_of_work() as session:
                found = session.get(User, user_id)
                assert found is not None
                service.submit(
                    session,
                    settings,
                    found,
                    document_type="passport",
                    issuing_country="GB",
                    document=Upload(document, "id.jpg"),
                    selfie=Upload(selfie, "me.png"),
                )
            outcome = "stored"
        except Conflict:
            outcome = "conflict"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * 3 + ["stored"]
    with committed_db.unit_of_work() as session:
        count = session.scalar(select(func.count()).select_from(IdentitySubmission))
    assert count == 1
    assert len(stored_files(settings)) == 2  # the refused racers wrote nothing
