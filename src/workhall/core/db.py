"""Database plumbing: the declarative base, engines and units of work.

Services never commit: the unit of work around them (one HTTP request, one CLI command or one
worker job) owns the transaction, so all of one user action is one database transaction.

SQLite runs in WAL mode and every writing unit of work starts with ``BEGIN IMMEDIATE`` so
writers queue on the database lock instead of failing to upgrade a read snapshot.
PostgreSQL serialises writers on the rows they lock (``SELECT ... FOR UPDATE``, stated in each
service's docstring).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, Executable, MetaData, create_engine, event, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from workhall.core.clock import ensure_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

IMMEDIATE = "workhall_immediate"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = ensure_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return ensure_utc(value) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def normalize_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 60, "check_same_thread": False}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 40)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool) -> Session:
        session = self.sessions()
        if write:
            begin_write(session)
        return session

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: commits when the block ends normally, rolls back otherwise."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (``BEGIN IMMEDIATE`` on SQLite)."""
    session.connection(execution_options={IMMEDIATE: True})


T = TypeVar("T")


def lock_row(session: Session, model: type[T], row_id: int, missing: str) -> T:
    """The row, locked for this transaction and read fresh from the database; NotFound with
    ``missing`` when there is none.

    ``FOR NO KEY UPDATE`` on PostgreSQL: it serialises writers of the row like ``FOR UPDATE``
    but does not wait for rows that merely reference it (their inserts take ``FOR KEY SHARE``),
    which would otherwise deadlock two transactions that each inserted such a row first.
    SQLite ignores it: its writer lock (``BEGIN IMMEDIATE``) already serialises writers.
    """
    from workhall.core.errors import NotFound

    found = session.scalar(
        select(model)  # type: ignore[arg-type]
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if found is None:
        raise NotFound(missing)
    return found  # type: ignore[no-any-return]


_db_lock = threading.Lock()
_databases: dict[str, Database] = {}


def get_database(url: str) -> Database:
    with _db_lock:
        if url not in _databases:
            _databases[url] = Database(url)
        return _databases[url]


def fetch_rows(session: Session, statement: Executable) -> Sequence[Any]:
    """Every row of a plain column select, fetched at once on the session's connection (after
    the flush an ORM query would do): this skips the ORM's per-row result machinery and the
    driver's row-by-row fetching, most of the load time at scale (the reputation loader, the
    conduct signals)."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement).all()
