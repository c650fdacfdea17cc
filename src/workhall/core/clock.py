"""The one clock: every "now" in Workhall comes from here, so tests and back-fills can move time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_lock = threading.Lock()
_frozen: datetime | None = None


def utcnow() -> datetime:
    """Timezone-aware UTC now, or the frozen instant while a test holds one."""
    frozen = _frozen
    return frozen if frozen is not None else datetime.now(UTC)


def set_now(instant: datetime | None) -> None:
    global _frozen
    with _lock:
        _frozen = ensure_utc(instant) if instant is not None else None


def advance(delta: timedelta) -> datetime:
    global _frozen
    with _lock:
        _frozen = (_frozen or datetime.now(UTC)) + delta
        return _frozen


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    previous = _frozen
    set_now(instant)
    try:
        yield
    finally:
        set_now(previous)


def ensure_utc(value: datetime) -> datetime:
    """Naive datetimes (as SQLite returns them) are UTC by convention."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
