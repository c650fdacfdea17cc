"""``workhall reputation evaluate --as-of T [--json]`` (interfaces.md §2, reputation.md §4).

Back-fills every evaluation instant up to T (waiting for an instant another worker is
evaluating, since the next one starts from its results), then prints one object per freelancer
whose account was created at or before T, sorted by handle: the JSS computed at T itself (T
need not be an evaluation instant), and the level, at-risk flag and Rising Talent arm of the
latest evaluation at or before T.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import select

from workhall.accounts.models import User
from workhall.core.clock import ensure_utc, utcnow
from workhall.core.db import Database
from workhall.core.settings import Settings
from workhall.reputation import engine, rules
from workhall.reputation.queries import standings

reputation_app = typer.Typer(help="Reputation evaluations.", no_args_is_help=True)


def parse_instant(raw: str) -> datetime:
    """ISO 8601; a time without a zone is read as UTC. ValueError when it is not a time."""
    value = datetime.fromisoformat(raw.strip())
    return ensure_utc(value)


def results_at(database: Database, at: datetime, cache: engine.Cache | None = None) -> list[dict]:
    """reputation.md §4's objects at ``at``, sorted by handle, keys in the spec's order."""
    cache = cache or engine.Cache()
    with database.unit_of_work(write=False) as session:
        users = list(
            session.execute(
                select(User.id, User.handle).where(User.role == "freelancer", User.created_at <= at)
            )
        )
        ids = [uid for uid, _ in users]
        histories = cache.get(session, ids)
        stored = standings(session, ids, at)
    out: list[dict[str, Any]] = []
    for uid, handle in sorted(users, key=lambda u: u[1]):
        standing = stored[uid]
        out.append(
            {
                "handle": handle,
                "jss": rules.jss_score(histories[uid], at, cache.statuses),
                "level": standing.level,
                "at_risk": standing.at_risk,
                "rising_talent": standing.rising_talent,
            }
        )
    return out


def evaluate_as_of(
    database: Database, settings: Settings, at: datetime, *, show_progress: bool = False
) -> list[dict]:
    if show_progress:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("Evaluating badges", total=None)

            def step(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            engine.backfill(database, settings, at, wait=True, progress=step)
    else:
        engine.backfill(database, settings, at, wait=True)
    return results_at(database, at)


@reputation_app.command("evaluate")
def evaluate(
    as_of: Annotated[
        str, typer.Option("--as-of", help="ISO 8601 instant, e.g. 2026-06-01T00:00:00Z")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print reputation.md §4's JSON")] = False,
) -> None:
    """Back-fill badge evaluations up to T (not in the future) and print the results."""
    from workhall.cli import _database, fail
    from workhall.core.settings import get_settings

    try:
        at = parse_instant(as_of)
    except ValueError:
        raise fail(f"--as-of: {as_of[:40]!r} is not an ISO 8601 time") from None
    if at > utcnow():
        raise fail(f"--as-of: {as_of} is in the future")
    rows = evaluate_as_of(_database(), get_settings(), at, show_progress=sys.stderr.isatty())
    if as_json:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    table = Table(title=f"Reputation as of {at.isoformat().replace('+00:00', 'Z')}")
    for column in ("handle", "JSS", "level", "at risk", "Rising Talent"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["handle"],
            "—" if row["jss"] is None else str(row["jss"]),
            row["level"],
            "yes" if row["at_risk"] else "",
            row["rising_talent"] or "",
        )
    Console().print(table)
