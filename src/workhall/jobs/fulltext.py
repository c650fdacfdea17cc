"""The full-text index over open jobs (marketplace.md §2 "Search").

SQLite: an FTS5 table ``jobs_fts(title, skills, description)`` whose rowid is the job id,
Porter stemming. PostgreSQL: a table ``jobs_fts(job_id, document tsvector)`` with a GIN index,
English stemming. Neither is a mapped table, so the models stay dialect-neutral; both are made
by ``create_search_index`` (after ``create_all`` and from the migrations) and filled by the jobs
service: a job is indexed while it is ``open`` and dropped from the index when it closes, so the
index only ever holds the jobs search can return.

Both engines get the same text: Python folds case, strips accents and turns every run of
punctuation into a space before indexing and before querying, and drops English stop words
from queries. So the two databases agree on what matches (every query word must appear,
stemmed) up to their stemmers' small differences, and query text can never be read as FTS
syntax (quality.md §2 "hostile input").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from workhall.core.db import Base

FTS_TABLE = "jobs_fts"
PG_INDEX = "ix_jobs_fts_document"
MAX_QUERY_TERMS = 10

# English function words, dropped from queries. A superset of PostgreSQL's English stop list,
# so a word PostgreSQL ignores is ignored on SQLite too.
STOP_WORDS = frozenset(
    """
    a an the and but or nor if then else than so because as until while when where why how
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves
    what which who whom whose this that these those here there
    am is are was were be been being have has had having do does did doing
    can could will would shall should may might must ought
    of at by for with about against between into through during before after above below
    to from up down in out on off over under again further once
    all any both each few more most other some such no not only own same too very just now
    s t d ll m o re ve y don
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

_NON_WORD = re.compile(r"[\W_]+")


def normalize_text(value: str) -> str:
    """Case-folded words without accents, separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare).strip()


def query_terms(query: str) -> list[str]:
    """The words a search must match: normalized, no stop words, no repeats, at most 10."""
    terms: list[str] = []
    for word in normalize_text(query).split():
        if word not in STOP_WORDS and word not in terms:
            terms.append(word)
    return terms[:MAX_QUERY_TERMS]


def fts5_match(terms: list[str]) -> str:
    """An FTS5 MATCH expression requiring every term; each term is a quoted string, and terms
    hold only letters and digits, so nothing in them is FTS5 syntax."""
    return " ".join(f'"{term}"' for term in terms)


# --- DDL -------------------------------------------------------------------------------------

_SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} "
    "USING fts5(title, skills, description, tokenize = 'porter unicode61')",
]
_POSTGRES_DDL = [
    f"CREATE TABLE IF NOT EXISTS {FTS_TABLE} ("
    " job_id BIGINT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,"
    " document TSVECTOR NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {FTS_TABLE} USING gin (document)",
]


def create_search_index(connection: Connection) -> None:
    """Create the full-text index if it does not exist (run it after the ``jobs`` table).

    The migrations call this with ``op.get_bind()``; ``create_all`` calls it by itself.
    """
    statements = _SQLITE_DDL if connection.dialect.name == "sqlite" else _POSTGRES_DDL
    for statement in statements:
        connection.execute(text(statement))


def drop_search_index(connection: Connection) -> None:
    """Drop the full-text index (the migrations' downgrade; ``drop_all`` calls it first)."""
    connection.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))


def is_search_index_object(name: str | None, type_: str) -> bool:
    """True for the index's own database objects, which the models do not describe: the FTS5
    table and its shadow tables, the PostgreSQL table and its GIN index. The migration drift
    check (Alembic ``include_object``) must skip them."""
    if name is None:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
    if type_ == "index":
        return name == PG_INDEX
    return False


def _after_create(target: Any, connection: Connection, **_: Any) -> None:
    create_search_index(connection)


def _before_drop(target: Any, connection: Connection, **_: Any) -> None:
    drop_search_index(connection)


event.listen(Base.metadata, "after_create", _after_create)
event.listen(Base.metadata, "before_drop", _before_drop)
