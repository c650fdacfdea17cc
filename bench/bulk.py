"""Bulk loading of generated rows: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

The machine has two cores, so rows never go through the ORM: the generator yields plain tuples
in the tables' column order and this writer streams them in one transaction per load.
Timestamps are written the way Workhall's ``UTCDateTime`` stores them (naive UTC text with
microseconds on SQLite, ``timestamptz`` on PostgreSQL), so the ORM reads them back unchanged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import psycopg

from bench.common import BenchDatabase

SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DATETIME storage format


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).strftime(SQLITE_DATETIME)
    return value


class BulkWriter:
    """Writes rows into one database in a single transaction (``commit`` at the end)."""

    def __init__(self, target: BenchDatabase) -> None:
        self.kind = target.kind
        self.written: dict[str, int] = {}
        if self.kind == "sqlite":
            self._raw = target.database.engine.raw_connection()
            driver = self._raw.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            self._sqlite: sqlite3.Connection = driver
            self._sqlite.execute("BEGIN IMMEDIATE")
        else:
            self._pg = psycopg.connect(target.psycopg_url())

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        self.close()

    def write(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Append rows to ``table``; returns how many."""
        names = ", ".join(columns)
        count = 0
        if self.kind == "sqlite":
            marks = ", ".join("?" for _ in columns)
            batch = [tuple(_sqlite_value(v) for v in row) for row in rows]
            self._sqlite.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
            count = len(batch)
        else:
            with (
                self._pg.cursor() as cur,
                cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    count += 1
        self.written[table] = self.written.get(table, 0) + count
        return count

    def execute(self, statement: str) -> None:
        """One SQL statement in the load's transaction (e.g. ``INSERT ... SELECT``)."""
        if self.kind == "sqlite":
            self._sqlite.execute(statement)
        else:
            self._pg.execute(statement)

    def commit(self) -> None:
        if self.kind == "sqlite":
            self._sqlite.execute("COMMIT")
        else:
            self._pg.commit()
            self._reset_sequences()

    def _reset_sequences(self) -> None:
        """Rows were written with explicit ids: move each id sequence past them, so rows the
        application inserts later get fresh ids."""
        for table in self.written:
            row = self._pg.execute(
                "SELECT pg_get_serial_sequence(table_name, 'id') FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s AND column_name = 'id'",
                (table,),
            ).fetchone()
            if row and row[0]:
                self._pg.execute(
                    f"SELECT setval('{row[0]}', COALESCE((SELECT max(id) FROM {table}), 0) + 1, "
                    "false)"
                )
        self._pg.commit()

    def close(self) -> None:
        if self.kind == "sqlite":
            if self._sqlite.in_transaction:
                self._sqlite.execute("ROLLBACK")
            self._raw.close()
        else:
            self._pg.close()


def analyze(target: BenchDatabase) -> None:
    """Refresh the planner's statistics, as PostgreSQL's autovacuum does after a bulk load.

    SQLite gets nothing: nothing in Workhall runs ``ANALYZE`` there, so the benchmark plans
    queries the way a real embedded database would.
    """
    if target.kind != "postgresql":
        return
    with psycopg.connect(target.psycopg_url(), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
