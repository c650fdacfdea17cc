"""Test harness.

Every test that touches the database runs once on SQLite and once on PostgreSQL (when
``WORKHALL_TEST_POSTGRES_URL`` is set, as ``.ci/run`` does). Each pytest process gets its own
database; each test runs inside a transaction that is rolled back, with the code under test
using savepoints. Tests about real concurrency use ``committed_db`` instead, which commits for
real and empties the tables afterwards.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

import workhall.models
from workhall.core import clock, security
from workhall.core.db import Database, normalize_url
from workhall.core.settings import Settings
from workhall.core.web import get_db

security.use_fast_hashing_for_tests()

PG_URL = os.environ.get("WORKHALL_TEST_POSTGRES_URL")
DB_KINDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def _make_pg_database(worker: str) -> str:
    assert PG_URL
    name = f"wh_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    base = normalize_url(PG_URL).rsplit("/", 1)[0]
    return f"{base}/{name}"


def _drop_pg_database(url: str) -> None:
    assert PG_URL
    name = url.rsplit("/", 1)[1]
    admin = create_engine(normalize_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=DB_KINDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        url = _make_pg_database(worker)
    database = Database(url)
    workhall.models.metadata.create_all(database.engine)
    yield database
    database.dispose()
    if request.param == "postgresql":
        _drop_pg_database(url)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        environment="test", data_dir=tmp_path / "data", secret_key="test-secret-key", _env_file=None
    )  # type: ignore[call-arg]


@pytest.fixture
def db(database: Database) -> Iterator[Session]:
    """A session whose work is rolled back after the test; commits become savepoints."""
    connection = database.engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def committed_db(database: Database) -> Iterator[Database]:
    """The real database, for tests that commit from several threads; emptied afterwards."""
    yield database
    tables = [t.name for t in reversed(workhall.models.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
def app(settings: Settings, database: Database, db: Session):  # type: ignore[no-untyped-def]
    from workhall.app import create_app

    application = create_app(settings=settings, database=database)

    def _test_db() -> Iterator[Session]:
        # What the test set up is committed (to its savepoint) first, so a request that fails
        # and rolls back undoes only its own work, as in production.
        db.commit()
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    application.dependency_overrides[get_db] = _test_db
    return application


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(autouse=True)
def _ledger_invariant(request: pytest.FixtureRequest) -> Iterator[None]:
    """quality.md §2 "Ledger invariant": after every test that used ``db``, every ledger
    transaction sums to zero and no account but processor clearing is below zero.

    Two aggregate queries over the test's own rows (they are rolled back after each test)."""
    if "db" not in request.fixturenames:
        yield
        return
    session: Session = request.getfixturevalue("db")  # torn down after this fixture
    yield
    from sqlalchemy.exc import DBAPIError, PendingRollbackError

    from workhall.ledger.service import ledger_problems

    try:
        with session.no_autoflush:
            problems = ledger_problems(session)
    except PendingRollbackError:  # the test ended inside a failed flush
        session.rollback()
        with session.no_autoflush:
            problems = ledger_problems(session)
    except DBAPIError:  # the test left its PostgreSQL transaction aborted: nothing to read
        return
    assert problems == [], f"ledger invariant broken: {problems}"


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    """Tests that freeze the clock get it back afterwards."""
    yield
    clock.set_now(None)


@pytest.fixture(scope="session", autouse=True)
def _tmp_home() -> Iterator[None]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("WORKHALL_DATA_DIR", tmp)
        yield
