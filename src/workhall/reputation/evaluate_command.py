"""``workhall reputation evaluate --as-of T [--json]`` (interfaces.md §2, reputation.md §4)."""

from __future__ import annotations

import typer

reputation_app = typer.Typer(help="Reputation evaluations.", no_args_is_help=True)
