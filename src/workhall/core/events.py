"""Domain events inside one transaction, so features react to each other without importing
each other's tables (e.g. a job closing refunds its proposals' Connects).

Handlers run synchronously in the publisher's unit of work: all of one user action stays one
transaction.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable
from typing import Any

# Modules that subscribe handlers when imported.
SUBSCRIBER_MODULES: list[str] = [
    "workhall.proposals.subscribers",
    "workhall.feedback.subscribers",
    "workhall.contracts.subscribers",
    "workhall.reputation.subscribers",
]

_handlers: dict[str, list[Callable[..., None]]] = defaultdict(list)
_loaded = False


def subscribe(event: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(fn: Callable[..., None]) -> Callable[..., None]:
        if fn not in _handlers[event]:
            _handlers[event].append(fn)
        return fn

    return register


def publish(event: str, **payload: Any) -> None:
    global _loaded
    if not _loaded:
        for name in SUBSCRIBER_MODULES:
            importlib.import_module(name)
        _loaded = True
    for handler in list(_handlers[event]):
        handler(**payload)
