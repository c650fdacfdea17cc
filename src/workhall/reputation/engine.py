"""The badge evaluation job (reputation.md §2.1, §3.2; trust.md §1.1).

An instant (00:00 UTC on the 1st and 15th) is evaluated once, whatever the number of workers:

1. **Claim.** A worker inserts the instant's ``evaluation_runs`` row (unique instant). The loser
   of that race finds the row: ``done`` → nothing to do; ``running`` with a fresh heartbeat →
   another worker is on it (``busy``: the worker task returns and retries later, the CLI waits);
   ``running`` and stale (no heartbeat for ``STALE_AFTER``, or its process on this host is
   gone) → taken over with a conditional UPDATE on ``claimed_by``, so only one taker wins.
2. **Batches.** Freelancers created at or before the instant and not yet evaluated there are
   evaluated ``evaluation_batch_size`` at a time, each batch one transaction that first renews
   the heartbeat *only if the claim is still ours* (the fence: a worker that lost its claim
   stops before writing). ``evaluations`` is unique on (user, instant), so a run killed mid-way
   and re-run skips what is stored and computes the rest; the rules are pure, so the result
   equals one clean run.
3. **Conduct and done.** The client conduct program runs once, then the run is marked done —
   one transaction, so "done" means both parts ran.

Badge changes are audited, and published as ``reputation.badge_changed`` only when the
instant is the latest one due (a back-fill of past instants does not notify for history).
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, cast

from sqlalchemy import Table, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit import service as audit
from workhall.connects import service as connects
from workhall.core import events
from workhall.core.clock import ensure_utc, utcnow
from workhall.core.db import Database
from workhall.core.settings import Settings
from workhall.reputation import rules
from workhall.reputation.facts import ClientStatuses, FreelancerHistory, PreviousResult
from workhall.reputation.loader import clients_of, load_client_statuses, load_histories
from workhall.reputation.models import (
    Evaluation,
    EvaluationRun,
    RisingTalentEnrollment,
    WeeklyJss,
)
from workhall.reputation.stats_funnel import compute_peer_funnels

log = logging.getLogger("workhall.reputation")

# A running claim whose heartbeat is older than this may be taken over (a batch renews it).
STALE_AFTER = timedelta(minutes=5)
WAIT_POLL_SECONDS = 0.5
BADGE_CHANGED = "reputation.badge_changed"


class ClaimLost(Exception):
    """Another worker took the instant over: stop without writing."""


class FutureInstant(ValueError):
    """An evaluation was asked for an instant after now."""


@dataclass
class Cache:
    """Facts kept across the instants of one back-fill: history before now does not change
    while it runs, and the rules filter every fact by time, so one load serves all instants."""

    histories: dict[int, FreelancerHistory] = field(default_factory=dict)
    statuses: ClientStatuses = field(default_factory=ClientStatuses)
    loaded_clients: set[Hashable] = field(default_factory=set)

    def get(self, session: Session, ids: list[int]) -> dict[int, FreelancerHistory]:
        missing = [i for i in ids if i not in self.histories]
        if missing:
            self.histories.update(load_histories(session, missing))
        clients = clients_of(self.histories[i] for i in missing if i in self.histories)
        new_clients = clients - self.loaded_clients
        if new_clients:
            more = load_client_statuses(session, new_clients)
            self.statuses.changes.update(more.changes)
            self.loaded_clients |= new_clients
        return {i: self.histories[i] for i in ids if i in self.histories}


@dataclass
class Run:
    instant: datetime
    status: str  # done | busy
    evaluated: int = 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def due_instants(session: Session, until: datetime) -> list[datetime]:
    """Every evaluation instant from the first at or after the earliest account creation up to
    ``until`` (§2.1)."""
    first = session.scalar(select(func.min(User.created_at)))
    if first is None:
        return []
    return rules.evaluation_instants(ensure_utc(first), until)


def latest_due_instant(now: datetime) -> datetime:
    return rules.evaluation_instants(now - timedelta(days=17), now)[-1]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch builds its facts and results.

    A batch allocates hundreds of thousands of small acyclic objects (tuples, datetimes,
    fact records), which makes Python run full collections over the whole heap again and
    again — a quarter of an instant's time at scale S. Those objects are freed by reference
    counting anyway; whatever cyclic garbage the batch leaves is collected once it ends."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- claims ------------------------------------------------------------------------------------


def _claim(database: Database, instant: datetime, me: str) -> str:
    """``claimed``, ``done`` or ``busy`` (see the module docstring)."""
    now = utcnow()
    try:
        with database.unit_of_work() as session:
            session.add(
                EvaluationRun(
                    instant=instant,
                    status="running",
                    claimed_by=me,
                    heartbeat_at=now,
                    started_at=now,
                )
            )
    except IntegrityError:
        pass
    else:
        return "claimed"
    with database.unit_of_work() as session:
        run = session.scalar(select(EvaluationRun).where(EvaluationRun.instant == instant))
        if run is None:  # pragma: no cover - the row cannot disappear
            return "busy"
        if run.status == "done":
            return "done"
        if run.claimed_by == me:
            return "claimed"
        if not _stale(run, now):
            return "busy"
        taken = session.execute(
            update(EvaluationRun)
            .where(
                EvaluationRun.instant == instant,
                EvaluationRun.status == "running",
                EvaluationRun.claimed_by == run.claimed_by,
            )
            .values(claimed_by=me, heartbeat_at=now)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            log.warning("took over the evaluation of %s from %s", instant, run.claimed_by)
            return "claimed"
    return "busy"


def _stale(run: EvaluationRun, now: datetime) -> bool:
    if now - ensure_utc(run.heartbeat_at) > STALE_AFTER:
        return True
    host, _, rest = run.claimed_by.partition(":")
    pid = rest.partition(":")[0]
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True  # its process on this machine is gone
        except PermissionError:
            return False
    return False


def _fence(session: Session, instant: datetime, me: str) -> None:
    """Renew the heartbeat if the claim is still ours, else stop (ClaimLost)."""
    renewed = session.execute(
        update(EvaluationRun)
        .where(
            EvaluationRun.instant == instant,
            EvaluationRun.claimed_by == me,
            EvaluationRun.status == "running",
        )
        .values(heartbeat_at=utcnow())
    )
    if renewed.rowcount != 1:  # type: ignore[attr-defined]
        raise ClaimLost(str(instant))


# --- one instant -------------------------------------------------------------------------------


def evaluate_instant(
    database: Database,
    settings: Settings,
    instant: datetime,
    *,
    emit_events: bool | None = None,
    cache: Cache | None = None,
    wait: bool = False,
    me: str | None = None,
) -> Run:
    """Evaluate every freelancer at ``instant`` once (see the module docstring).

    ``emit_events`` defaults to "``instant`` is the latest instant due now". With ``wait``, a
    fresh claim of another worker is waited for (polling) instead of answered ``busy``."""
    instant = ensure_utc(instant)
    if instant > utcnow():
        raise FutureInstant(f"{instant.isoformat()} is in the future.")
    if emit_events is None:
        emit_events = instant == latest_due_instant(utcnow())
    me = me or worker_name()
    cache = cache or Cache()
    evaluated = 0
    while True:
        state = _claim(database, instant, me)
        if state == "done":
            return Run(instant, "done", evaluated)
        if state == "claimed":
            try:
                evaluated += _run_claimed(database, settings, instant, me, cache, emit_events)
            except ClaimLost:
                # Another worker judged the claim stale and took it over: it finishes the
                # instant; what this one committed stays (the fence kept it consistent).
                log.warning("lost the claim on %s", instant)
                if not wait:
                    return Run(instant, "busy", evaluated)
            else:
                return Run(instant, "done", evaluated)
        elif not wait:
            return Run(instant, "busy", evaluated)
        time.sleep(WAIT_POLL_SECONDS)


def _run_claimed(
    database: Database,
    settings: Settings,
    instant: datetime,
    me: str,
    cache: Cache,
    emit_events: bool,
) -> int:
    """The batches, then conduct and done; raises ClaimLost if the claim is taken over."""
    numbers = rules.RuleNumbers.from_settings(settings)
    evaluated = 0
    while True:
        with gc_paused(), database.unit_of_work() as session:
            _fence(session, instant, me)
            count = evaluate_batch(session, settings, instant, numbers, cache, emit_events)
        if count == 0:
            break
        evaluated += count
        batch_done(instant, evaluated)
    with gc_paused(), database.unit_of_work() as session:
        _fence(session, instant, me)
        clients = _conduct(session, settings, instant)
        if emit_events:  # the latest instant: My Stats compares with its peers (quality.md §1)
            compute_peer_funnels(session, instant)
        freelancers = session.scalar(
            select(func.count()).select_from(Evaluation).where(Evaluation.instant == instant)
        )
        session.execute(
            update(EvaluationRun)
            .where(EvaluationRun.instant == instant)
            .values(
                status="done",
                finished_at=utcnow(),
                freelancers=freelancers or 0,
                clients=clients,
            )
        )
    return evaluated


# A hook between committed batches (tests inject a crash here; progress bars count).
batch_done: Callable[[datetime, int], None] = lambda instant, evaluated: None  # noqa: E731


def _conduct(session: Session, settings: Settings, instant: datetime) -> int:
    """trust.md §1.1: the client conduct program runs in the same job, once per instant."""
    try:
        module = importlib.import_module("workhall.conduct.evaluation")
    except ModuleNotFoundError:
        return 0
    return int(module.evaluate_clients(session, settings, instant) or 0)


def evaluate_batch(
    session: Session,
    settings: Settings,
    instant: datetime,
    numbers: rules.RuleNumbers,
    cache: Cache,
    emit_events: bool,
) -> int:
    """Evaluate the next batch of freelancers not yet evaluated at ``instant``; 0 when none."""
    stored = exists().where(Evaluation.user_id == User.id, Evaluation.instant == instant)
    ids = list(
        session.scalars(
            select(User.id)
            .where(User.role == "freelancer", User.created_at <= instant, ~stored)
            .order_by(User.id)
            .limit(settings.evaluation_batch_size)
        )
    )
    if not ids:
        return 0
    histories = cache.get(session, ids)
    earlier = rules.evaluation_instants(instant - timedelta(days=17), instant - timedelta(days=1))
    previous: dict[int, PreviousResult] = {}
    if earlier:
        for uid, level, at_risk in session.execute(
            select(Evaluation.user_id, Evaluation.level, Evaluation.at_risk).where(
                Evaluation.user_id.in_(ids), Evaluation.instant == earlier[-1]
            )
        ):
            previous[uid] = PreviousResult(level=level, at_risk=bool(at_risk))
    mondays = rules.recent_mondays(instant, numbers.weeks_considered)
    weekly: dict[int, dict[datetime, int | None]] = {uid: {} for uid in ids}
    for uid, monday, jss in session.execute(
        select(WeeklyJss.user_id, WeeklyJss.monday, WeeklyJss.jss).where(
            WeeklyJss.user_id.in_(ids), WeeklyJss.monday.in_(mondays)
        )
    ):
        weekly[uid][ensure_utc(monday)] = jss
    enrollments = {
        e.user_id: e
        for e in session.scalars(
            select(RisingTalentEnrollment).where(RisingTalentEnrollment.user_id.in_(ids))
        )
    }
    # Rows go in with one multi-row INSERT per table (the ORM unit of work would cost more
    # than the rules themselves at scale).
    evaluations: list[dict[str, Any]] = []
    mondays_rows: list[dict[str, Any]] = []
    now = utcnow()
    for uid in ids:
        history = histories[uid]
        prior = previous.get(uid, PreviousResult())
        result = rules.evaluate(history, instant, prior, cache.statuses, numbers, weekly[uid])
        for monday, jss in result.weekly_jss.items():
            if monday not in weekly[uid] and monday <= instant:
                mondays_rows.append({"user_id": uid, "monday": monday, "jss": jss})
        arm = _rising_talent(session, settings, history, result, instant, enrollments.get(uid))
        evaluations.append(
            {
                "user_id": uid,
                "instant": instant,
                "jss": result.jss,
                "earned_level": result.earned,
                "level": result.level,
                "at_risk": result.at_risk,
                "rising_talent": arm,
                "eligible_weeks": result.eligible_weeks,
                "details": details(history, result, cache.statuses),
                "created_at": now,
            }
        )
        if (result.level, result.at_risk) != (prior.level, prior.at_risk):
            _badge_changed(session, settings, uid, instant, prior, result, emit_events)
    session.flush()
    connection = session.connection()
    connection.execute(insert(cast(Table, Evaluation.__table__)), evaluations)
    if mondays_rows:
        connection.execute(insert(cast(Table, WeeklyJss.__table__)), mondays_rows)
    return len(ids)


def _rising_talent(
    session: Session,
    settings: Settings,
    history: FreelancerHistory,
    result: rules.BadgeResult,
    instant: datetime,
    enrollment: RisingTalentEnrollment | None,
) -> str | None:
    """§3.2: the arm while eligible (assigned once), the one-time award, the status's end."""
    if not result.rising_talent_eligible:
        if enrollment is not None and enrollment.active:
            enrollment.active = False
            enrollment.ended_at = instant
            enrollment.end_reason = "graduated" if result.jss is not None else "criteria"
        return None
    if enrollment is None:
        enrollment = RisingTalentEnrollment(
            user_id=history.key,
            arm=rules.pilot_arm(
                history.handle, settings.pilot_seed, settings.pilot_control_percent
            ),
            first_eligible_at=instant,
            active=True,
            end_reason="",
        )
        session.add(enrollment)
    elif not enrollment.active:
        enrollment.active = True
        enrollment.ended_at = None
        enrollment.end_reason = ""
    if enrollment.arm == "treatment" and enrollment.awarded_at is None:
        connects.award_connects(
            session,
            settings,
            int(history.key),  # type: ignore[call-overload]
            source="rising-talent",
            amount=settings.rising_talent_award_connects,
            note="Rising Talent award",
            at=instant,
        )
        enrollment.awarded_at = instant
    return enrollment.arm


def _badge_changed(
    session: Session,
    settings: Settings,
    user_id: int,
    instant: datetime,
    prior: PreviousResult,
    result: rules.BadgeResult,
    emit: bool,
) -> None:
    reasons: list[str] = list(result.at_risk_reasons)
    if not reasons and rules.LEVEL_RANK[result.level] < rules.LEVEL_RANK[prior.level]:
        required = result.top_rated + (result.plus if prior.level == "top_rated_plus" else ())
        reasons = [c.label for c in required if not c.met]
    payload: dict[str, Any] = {
        "instant": instant.isoformat(),
        "previous_level": prior.level,
        "previous_at_risk": prior.at_risk,
        "level": result.level,
        "at_risk": result.at_risk,
        "reasons": reasons,
    }
    audit.record(session, "reputation.badge_changed", "user", user_id, **payload)
    if emit:
        events.publish(
            BADGE_CHANGED, session=session, settings=settings, user_id=user_id, **payload
        )


# --- the stored details ------------------------------------------------------------------------


def two_decimals(value: Any) -> str | None:
    if value is None:
        return None
    hundredths = rules.round_half_up(value * 100)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _criteria(items: tuple[rules.Criterion, ...]) -> list[dict[str, Any]]:
    return [{"name": c.name, "label": c.label, "met": c.met, "value": c.value} for c in items]


def recommend(history: FreelancerHistory, at: datetime, statuses: ClientStatuses) -> dict[str, Any]:
    """The private "recommend" scores in force at T (the latest client record per contract),
    of clients not excluded: how many, how many ≥ 9, and that share in percent (§5)."""
    scores: list[int] = []
    for contract in history.contracts:
        if statuses.excluded(contract.client, at):
            continue
        records = [f for f in contract.client_feedback if f.at <= at]
        if records and records[-1].private is not None:
            scores.append(records[-1].private)
    high = sum(1 for s in scores if s >= 9)
    share = two_decimals(Fraction(high * 100, len(scores))) if scores else None
    return {"count": len(scores), "would_recommend": high, "share": share}


def details(
    history: FreelancerHistory, result: rules.BadgeResult, statuses: ClientStatuses
) -> dict[str, Any]:
    return {
        "windows": {name: two_decimals(value) for name, value in result.windows.items()},
        "top_rated": _criteria(result.top_rated),
        "plus": _criteria(result.plus),
        "rising_talent": _criteria(result.rising_talent),
        "at_risk_reasons": list(result.at_risk_reasons),
        "recommend": recommend(history, result.at, statuses),
    }


# --- back-fill ---------------------------------------------------------------------------------


def backfill(
    database: Database,
    settings: Settings,
    until: datetime,
    *,
    wait: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[Run]:
    """Evaluate, in order, every due instant up to ``until`` that is not done yet.

    Events are published only for the latest instant due now. Without ``wait`` it stops at the
    first instant another worker is evaluating (the next instant needs its results)."""
    until = ensure_utc(until)
    now = utcnow()
    if until > now:
        raise FutureInstant(f"{until.isoformat()} is in the future.")
    with database.unit_of_work(write=False) as session:
        instants = due_instants(session, until)
        done = set(
            ensure_utc(i)
            for i in session.scalars(
                select(EvaluationRun.instant).where(EvaluationRun.status == "done")
            )
        )
    todo = [i for i in instants if i not in done]
    latest = latest_due_instant(now)
    cache = Cache()
    runs: list[Run] = []
    for position, instant in enumerate(todo, 1):
        run = evaluate_instant(
            database,
            settings,
            instant,
            emit_events=instant == latest,
            cache=cache,
            wait=wait,
        )
        runs.append(run)
        if progress is not None:
            progress(position, len(todo))
        if run.status != "done":
            break
    return runs
