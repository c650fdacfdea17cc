"""File changes that follow the database transaction: a photo replaced in a transaction that
rolls back must still be there, and a new photo of a rolled-back upload must not linger."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_ON_COMMIT = "workhall_files_on_commit"
_ON_ROLLBACK = "workhall_files_on_rollback"


def _install(session: Session) -> None:
    if _ON_COMMIT in session.info:
        return
    session.info[_ON_COMMIT] = []
    session.info[_ON_ROLLBACK] = []

    def run(which: str) -> Callable[[Any], None]:
        def handler(sess: Session) -> None:
            actions: list[Callable[[], None]] = list(sess.info.get(which, []))
            sess.info[_ON_COMMIT] = []
            sess.info[_ON_ROLLBACK] = []
            for action in actions:
                with contextlib.suppress(OSError):  # a file already gone is what we wanted
                    action()

        return handler

    event.listen(session, "after_commit", run(_ON_COMMIT))
    event.listen(session, "after_rollback", run(_ON_ROLLBACK))


def on_commit(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` once the session's transaction has committed."""
    _install(session)
    session.info[_ON_COMMIT].append(action)


def on_rollback(session: Session, action: Callable[[], None]) -> None:
    """Run ``action`` if the session's transaction rolls back instead."""
    _install(session)
    session.info[_ON_ROLLBACK].append(action)
