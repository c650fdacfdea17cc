"""Scheduled work of this feature."""

from __future__ import annotations

from workhall.worker import Task

TASKS: list[Task] = []
