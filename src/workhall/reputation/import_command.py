"""``workhall import-history FILE`` (interfaces.md §2–§3).

Reads and validates the whole file first (nothing is written while reading), then writes it in
one transaction. Bad input exits 2 with one line ``FILE:LINE: field: message``; a progress bar
shows on a terminal, a plain summary otherwise. Evaluations are not run here:
``workhall reputation evaluate --as-of T`` back-fills them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from workhall.core.db import get_database
from workhall.core.settings import get_settings
from workhall.reputation.history import History, HistoryError, parse_history
from workhall.reputation.importer import ImportResult, import_history


def run_import(file: Path) -> None:
    out = Console()
    err = Console(stderr=True)
    if not file.is_file():
        err.print(f"{file}: no such file", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2)
    interactive = sys.stdout.isatty()
    started = time.perf_counter()
    try:
        if interactive:
            history, result = _with_progress(file, out)
        else:
            history, result = _plain(file)
    except HistoryError as exc:
        err.print(exc.describe(str(file)), highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    elapsed = time.perf_counter() - started
    counts = ", ".join(f"{n} {kind}" for kind, n in result.records.items() if n)
    out.print(
        f"imported {history.lines} lines from {file} in {elapsed:.1f} s: {counts or 'nothing'}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def _import(history: History, progress: Callable[[int], None] | None) -> ImportResult:
    settings = get_settings()
    database = get_database(settings.resolved_database_url)
    with database.unit_of_work(write=True) as session:
        return import_history(session, settings, history, progress=progress)


def _plain(file: Path) -> tuple[History, ImportResult]:
    with file.open("rb") as handle:
        history = parse_history(handle)
    return history, _import(history, None)


def _with_progress(file: Path, console: Console) -> tuple[History, ImportResult]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        size = file.stat().st_size
        reading = progress.add_task("Validating (bytes)", total=size)
        with file.open("rb") as handle:
            history = parse_history(_counting(handle, lambda n: progress.advance(reading, n)))
        records = sum(history.counts().values())
        writing = progress.add_task("Importing (records)", total=records)
        result = _import(history, lambda n: progress.advance(writing, n))
    return history, result


def _counting(handle: BinaryIO, advance: Callable[[int], None]) -> Iterator[bytes]:
    pending = 0
    for raw in handle:
        pending += len(raw)
        if pending >= 1 << 20:
            advance(pending)
            pending = 0
        yield raw
    advance(pending)
