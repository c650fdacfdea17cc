"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import workhall.models
from tests.conftest import PG_URL, _drop_pg_database, _make_pg_database
from workhall.core.db import make_engine
from workhall.core.migrate import upgrade
from workhall.jobs.fulltext import is_search_index_object


def _diff(url: str) -> list:
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    # the full-text index is made by DDL of its own, not by the models
                    "include_object": lambda o, name, type_, r, c: (
                        not is_search_index_object(name, type_)
                    ),
                },
            )
            return compare_metadata(ctx, workhall.models.metadata)
    finally:
        engine.dispose()


def test_search_index_is_made_by_the_migration(tmp_path):
    from sqlalchemy import inspect

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        assert "jobs_fts" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_migrations_match_models_on_sqlite(tmp_path):
    assert _diff(f"sqlite:///{tmp_path / 'm.sqlite3'}") == []


def test_migrations_match_models_on_postgresql():
    import pytest

    if not PG_URL:
        pytest.skip("WORKHALL_TEST_POSTGRES_URL is not set")
    url = _make_pg_database("migrations")
    try:
        assert _diff(url) == []
    finally:
        _drop_pg_database(url)
