"""``workhall import-history FILE`` (interfaces.md §2–§3)."""

from __future__ import annotations

from pathlib import Path

import typer


def run_import(file: Path) -> None:
    raise typer.Exit(1)
