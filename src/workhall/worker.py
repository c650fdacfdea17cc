"""``workhall worker``: scheduled and queued work.

Every task is idempotent and safe when several workers run it at once: each claims its rows
with a conditional UPDATE or a unique constraint, inside its own transaction, so running a task
twice, or in two processes, has the effect of running it once.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from workhall.core.db import Database
from workhall.core.settings import Settings

log = logging.getLogger("workhall.worker")

TaskFn = Callable[[Session, Settings], int]
DatabaseTaskFn = Callable[[Database, Settings], int]


@dataclass(frozen=True)
class Task:
    name: str
    every_seconds: int
    fn: TaskFn


@dataclass(frozen=True)
class DatabaseTask:
    """A task that commits in steps of its own (e.g. the badge evaluation, one transaction per
    batch): it gets the Database instead of running inside one unit of work."""

    name: str
    every_seconds: int
    fn: DatabaseTaskFn


# Modules exposing ``TASKS: list[Task]``.
TASK_MODULES = [
    "workhall.notifications.tasks",
    "workhall.jobs.tasks",
    "workhall.verification.tasks",
    "workhall.connects.tasks",
    "workhall.accounts.tasks",
    "workhall.feedback.tasks",
    "workhall.contracts.tasks",
    "workhall.payments.tasks",
    "workhall.disputes.tasks",
    "workhall.timesheets.tasks",
    "workhall.reputation.tasks",
    "workhall.conduct.tasks",
    "workhall.identity.tasks",
    "workhall.staff.tasks",
]


def all_tasks() -> list[Task | DatabaseTask]:
    tasks: list[Task | DatabaseTask] = []
    for name in TASK_MODULES:
        tasks.extend(importlib.import_module(name).TASKS)
    return tasks


def run_once(
    database: Database, settings: Settings, tasks: list[Task | DatabaseTask] | None = None
) -> dict[str, int]:
    """Run every task once, each in its own transaction; returns how much each one did."""
    done: dict[str, int] = {}
    for task in tasks or all_tasks():
        try:
            if isinstance(task, DatabaseTask):
                done[task.name] = task.fn(database, settings)
                continue
            with database.unit_of_work() as session:
                done[task.name] = task.fn(session, settings)
        except Exception:
            log.exception("task %s failed; it will be retried", task.name)
            done[task.name] = -1
    return done


def run_forever(database: Database, settings: Settings, poll_seconds: float = 5.0) -> None:
    tasks = all_tasks()
    last_run: dict[str, float] = {}
    while True:
        now = time.monotonic()
        due = [t for t in tasks if now - last_run.get(t.name, -1e18) >= t.every_seconds]
        if due:
            for name, count in run_once(database, settings, due).items():
                last_run[name] = now
                if count:
                    log.info("%s: %s", name, count)
        time.sleep(poll_seconds)
