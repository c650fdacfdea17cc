"""The conduct part of the badge evaluation (trust.md §1.1: "evaluated on the badge schedule,
reputation.md §2.1, by the same idempotent job").

``evaluate_clients(session, settings, instant)`` is called once per evaluation instant. It
first ends the monitoring that is due (resolved, restricted, or extended once), then opens a
case for every flagged client. Running it twice at the same instant changes nothing the second
time: a case opened at an instant is unique per (client, instant) and per open client, a
monitoring that ended is no longer `monitoring`, and an extended one is due 90 days later.
Two workers are safe too: each case row is locked before it moves, and a second insert of the
same case fails on the unique keys inside a savepoint.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.conduct import rules, service
from workhall.conduct.models import ConductCase
from workhall.conduct.signals import flag_candidates, load_facts
from workhall.core.settings import Settings


def evaluate_clients(session: Session, settings: Settings, instant: datetime) -> int:
    """Evaluate every client at ``instant``; returns how many cases were opened or ended
    their monitoring (resolved, restricted or extended)."""
    th = rules.Thresholds.of(settings)
    return _end_monitoring(session, settings, instant, th) + _open_cases(session, instant, th)


def _end_monitoring(
    session: Session, settings: Settings, instant: datetime, th: rules.Thresholds
) -> int:
    due = session.execute(
        select(ConductCase.id, ConductCase.client_id)
        .where(ConductCase.status == "monitoring", ConductCase.monitoring_due_at <= instant)
        .order_by(ConductCase.id)
    ).all()
    if not due:
        return 0
    facts = load_facts(session, [client_id for _, client_id in due], instant, th)
    changed = 0
    for case_id, client_id in due:
        case = service.lock_case(session, case_id)
        if case.status != "monitoring" or case.monitoring_due_at is None:
            continue
        if not rules.monitoring_ends(case.monitoring_due_at, instant):
            continue
        since = case.contacted_at or case.monitoring_started_at
        assert since is not None
        result = rules.monitoring_outcome(
            facts[client_id], since, instant, th, extended=case.extended_at is not None
        )
        service.end_monitoring(session, settings, case, result, instant)
        changed += 1
    return changed


def _open_cases(session: Session, instant: datetime, th: rules.Thresholds) -> int:
    candidates = flag_candidates(session, instant, th)
    if not candidates:
        return 0
    facts = load_facts(session, candidates, instant, th)
    opened = 0
    for client_id in candidates:
        s = rules.signals(facts[client_id], instant, th)
        if rules.flagged(s, th, has_open_case=False) and service.open_case(
            session, client_id, instant, s
        ):
            opened += 1
    return opened
