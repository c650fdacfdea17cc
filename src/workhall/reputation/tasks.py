"""Scheduled work of this feature: the badge evaluation (reputation.md §2.1)."""

from __future__ import annotations

from workhall.core.clock import utcnow
from workhall.core.db import Database
from workhall.core.settings import Settings
from workhall.reputation import engine
from workhall.worker import DatabaseTask, Task


def evaluate_due_instants(database: Database, settings: Settings) -> int:
    """Every evaluation instant at or before now not yet done, in order: normally the latest
    one only; after downtime it catches up. An instant another worker holds is left to it (the
    next run continues after it). Returns the freelancers evaluated."""
    runs = engine.backfill(database, settings, utcnow(), wait=False)
    return sum(run.evaluated for run in runs)


TASKS: list[Task | DatabaseTask] = [
    DatabaseTask("reputation-evaluations", 300, evaluate_due_instants),
]
