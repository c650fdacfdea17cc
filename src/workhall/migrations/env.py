"""Alembic environment: dialect-neutral migrations for SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context

import workhall.models
from workhall.core.db import make_engine
from workhall.jobs.fulltext import is_search_index_object

config = context.config
target_metadata = workhall.models.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from workhall.core.settings import get_settings

    url = config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Skip the job search index (FTS5 tables, GIN index): ``create_search_index`` makes it."""
    return not is_search_index_object(name, type_)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
