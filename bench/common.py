"""What every benchmark shares: throw-away databases, timing figures, the Rich results table.

Benchmarks only ever touch databases they create: a SQLite file in a temporary folder, or a
fresh PostgreSQL database ``wh_bench_<random>`` made from an admin URL and dropped at the end
(even when the run fails). The developer's own database is never opened.
"""

from __future__ import annotations

import math
import os
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import create_engine, text

import workhall.models
from workhall.core.db import Database, normalize_url

# Wide enough for the results tables when the output goes to a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 120)

# Same default as the test suite's CI script: a server on this machine, a user that may
# CREATE DATABASE. The benchmark only connects to it to create and drop its own database.
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Options:
    """The command line's choices, as every benchmark sees them."""

    scale: str = "XS"
    seed: int = 20261125
    requests: int = 2_000
    clients: int = 32


class BenchError(Exception):
    """A benchmark could not run (as opposed to a target being missed, which it reports)."""


def postgres_admin_url(explicit: str | None) -> tuple[str, bool]:
    """The admin URL to create benchmark databases from, and whether the user named it."""
    if explicit:
        return explicit, True
    for name in ("WORKHALL_BENCH_POSTGRES_URL", "WORKHALL_TEST_POSTGRES_URL"):
        if os.environ.get(name):
            return os.environ[name], True
    return DEFAULT_POSTGRES_URL, False


def postgres_reachable(admin_url: str) -> bool:
    engine = create_engine(normalize_url(admin_url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@dataclass
class BenchDatabase:
    """A database made for one benchmark run, with the schema created (``create_all``)."""

    kind: str  # sqlite | postgresql
    url: str
    database: Database

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"

    def psycopg_url(self) -> str:
        """The URL as psycopg itself takes it (without SQLAlchemy's ``+psycopg``)."""
        return normalize_url(self.url).replace("postgresql+psycopg://", "postgresql://", 1)


def databases(choice: str | None, admin_url: str, named: bool) -> list[str]:
    """The databases to run on: ``choice``, or both when it is None or "both". An unreachable
    PostgreSQL is left out with a warning when nothing asked for it (``choice`` None, no URL
    named), and is a BenchError otherwise."""
    kinds = ["sqlite", "postgresql"] if choice in (None, "both") else [choice]
    if "postgresql" in kinds and not postgres_reachable(admin_url):
        if choice is None and not named:
            console.print(
                "[yellow]PostgreSQL is not reachable; running on SQLite only "
                "(set WORKHALL_BENCH_POSTGRES_URL or pass --postgres-url).[/]"
            )
            return ["sqlite"]
        raise BenchError("PostgreSQL is not reachable at the admin URL given")
    return kinds


@contextmanager
def fresh_database(kind: str, workdir: Path, admin_url: str) -> Iterator[BenchDatabase]:
    """Create an empty database with Workhall's tables; drop it (PostgreSQL) on the way out.

    The tables come from the models (``create_all``, as the test suite does), so a benchmark
    runs while the migrations are being regenerated too.
    """
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        name = None
    else:
        name = f"wh_bench_{secrets.token_hex(4)}"
        _admin(admin_url, f'CREATE DATABASE "{name}"')
        url = normalize_url(admin_url).rsplit("/", 1)[0] + f"/{name}"
    database = Database(url)
    try:
        workhall.models.metadata.create_all(database.engine)
        yield BenchDatabase(kind=kind, url=url, database=database)
    finally:
        database.dispose()
        if name is not None:
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(admin_url: str, statement: str) -> None:
    engine = create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


# --- figures ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100): the smallest value with p % of values at or below."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Figure:
    """One line of a results table: a measure, its reference, their ratio, a target."""

    what: str
    value: str
    reference: str = "—"
    ratio: str = "—"
    target: str = "—"
    verdict: str | None = None  # PASS | MISS | None (nothing to judge)


@dataclass
class Report:
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)

    def render(self) -> Table:
        table = Table(title=self.title, title_justify="left", show_lines=False)
        table.add_column("measure")
        table.add_column("value", justify="right")
        table.add_column("reference", justify="right")
        table.add_column("ratio", justify="right")
        table.add_column("target")
        table.add_column("", justify="center")
        for f in self.figures:
            verdict = ""
            if f.verdict == "PASS":
                verdict = "[bold green]PASS[/]"
            elif f.verdict == "MISS":
                verdict = "[bold red]MISS[/]"
            table.add_row(f.what, f.value, f.reference, f.ratio, f.target, verdict)
        return table

    def show(self) -> None:
        console.print()
        console.print(self.render())
        for note in self.notes:
            console.print(f"  {note}", highlight=False)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def ratio(value: float, reference: float) -> str:
    if reference <= 0 or math.isnan(reference) or math.isnan(value):
        return "—"
    return f"{value / reference:.2f}×"


def progress() -> Progress:
    """A progress display for long generation steps."""
    return Progress(
        TextColumn("  {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


@contextmanager
def step(name: str, timings: dict[str, float]) -> Iterator[None]:
    """Time one preparation step and remember it for the report."""
    started = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - started
