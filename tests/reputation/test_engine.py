"""The badge evaluation job (reputation.md §2.1, §3.2, quality.md §2 "Crash"): results equal
the pure rules over the same history, once per (freelancer, instant), whatever happens."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.reputation.engine_support import (
    END,
    history_lines,
    import_lines,
    oracle,
    stored,
)
from workhall.accounts.models import User
from workhall.audit.models import AuditEvent
from workhall.connects.models import ConnectsLot
from workhall.core.db import Database
from workhall.core.settings import Settings
from workhall.reputation import engine, rules
from workhall.reputation.models import (
    Evaluation,
    EvaluationRun,
    RisingTalentEnrollment,
    WeeklyJss,
)
from workhall.reputation.tasks import evaluate_due_instants
from workhall.worker import run_once


@pytest.fixture
def small_batches(settings: Settings) -> Settings:
    settings.evaluation_batch_size = 5
    return settings


def test_backfill_equals_the_pure_rules(committed_db: Database, small_batches: Settings) -> None:
    history = import_lines(committed_db, small_batches, history_lines())
    runs = engine.backfill(committed_db, small_batches, END)
    assert all(r.status == "done" for r in runs)
    expected = oracle(history, END)
    assert stored(committed_db) == expected
    # The variety the test relies on is there.
    levels = {v[2] for v in expected.values()}
    assert {"none", "top_rated", "top_rated_plus"} <= levels
    assert any(v[3] for v in expected.values()) and any(v[4] for v in expected.values())


def test_evaluating_an_instant_twice_stores_it_once(
    committed_db: Database, small_batches: Settings
) -> None:
    import_lines(committed_db, small_batches, history_lines(seed=3, freelancers=6))
    instant = datetime(2025, 3, 1, tzinfo=UTC)
    first = engine.evaluate_instant(committed_db, small_batches, instant)
    before = stored(committed_db)
    again = engine.evaluate_instant(committed_db, small_batches, instant)
    assert first.status == again.status == "done"
    assert first.evaluated > 0 and again.evaluated == 0
    assert stored(committed_db) == before
    with committed_db.unit_of_work(write=False) as s:
        run = s.scalar(select(EvaluationRun).where(EvaluationRun.instant == instant))
        assert run is not None and run.status == "done" and run.freelancers == first.evaluated


def test_a_run_killed_mid_way_and_rerun_equals_one_clean_run(
    committed_db: Database, small_batches: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = import_lines(committed_db, small_batches, history_lines(seed=11))

    class Killed(Exception):
        pass

    calls = {"n": 0}

    def crash_after_first_batches(instant: datetime, evaluated: int) -> None:
        calls["n"] += 1
        if calls["n"] == 7:  # in the middle of an instant, after a committed batch
            raise Killed

    monkeypatch.setattr(engine, "batch_done", crash_after_first_batches)
    with pytest.raises(Killed):
        engine.backfill(committed_db, small_batches, END)
    partial = stored(committed_db)
    assert partial, "the batches before the crash are stored"
    with committed_db.unit_of_work(write=False) as s:
        assert (
            s.scalar(select(func.count()).where(EvaluationRun.status == "running")) == 1
        )  # the killed claim is left behind
    # The claim is stale once its process is gone; here the same process stands in for it:
    # age the heartbeat past STALE_AFTER.
    with committed_db.unit_of_work() as s:
        run = s.scalar(select(EvaluationRun).where(EvaluationRun.status == "running"))
        assert run is not None
        run.heartbeat_at = run.heartbeat_at - engine.STALE_AFTER * 2
    monkeypatch.setattr(engine, "batch_done", lambda instant, evaluated: None)
    engine.backfill(committed_db, small_batches, END)
    assert stored(committed_db) == oracle(history, END)


def test_a_fresh_claim_of_another_worker_is_left_alone(
    committed_db: Database, settings: Settings
) -> None:
    import_lines(committed_db, settings, history_lines(seed=5, freelancers=4))
    instant = datetime(2025, 1, 1, tzinfo=UTC)
    with committed_db.unit_of_work() as s:
        s.add(
            EvaluationRun(
                instant=instant,
                status="running",
                claimed_by="elsewhere:1:abc",
                heartbeat_at=datetime.now(UTC),
                started_at=datetime.now(UTC),
            )
        )
    run = engine.evaluate_instant(committed_db, settings, instant)
    assert run.status == "busy"
    runs = engine.backfill(committed_db, settings, END, wait=False)
    assert runs[-1].status == "busy" and runs[-1].instant == instant
    with committed_db.unit_of_work(write=False) as s:
        assert s.scalar(select(func.count()).where(Evaluation.instant >= instant)) == 0


def test_future_instants_are_refused(committed_db: Database, settings: Settings) -> None:
    with pytest.raises(engine.FutureInstant):
        engine.evaluate_instant(committed_db, settings, datetime(2999, 1, 1, tzinfo=UTC))
    with pytest.raises(engine.FutureInstant):
        engine.backfill(committed_db, settings, datetime(2999, 1, 1, tzinfo=UTC))


def test_details_weekly_jss_rising_talent_award_and_events(
    committed_db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = import_lines(committed_db, settings, history_lines())
    published: list[dict] = []
    monkeypatch.setattr(
        engine.events,
        "publish",
        lambda name, **payload: published.append({"name": name, **payload}),
    )
    engine.backfill(committed_db, settings, END)
    expected = oracle(history, END)
    # Back-filled past instants publish nothing; their changes are audited.
    assert published == []
    with committed_db.unit_of_work(write=False) as s:
        changes = s.scalar(
            select(func.count()).where(AuditEvent.action == "reputation.badge_changed")
        )
        assert changes and changes > 0
        # Every criterion with its value, windows as 2-decimal strings.
        evaluation = s.scalars(select(Evaluation).where(Evaluation.jss.is_not(None))).first()
        assert evaluation is not None
        d = evaluation.details
        assert set(d) >= {"windows", "top_rated", "plus", "rising_talent", "recommend"}
        assert len(d["top_rated"]) == 8 and len(d["rising_talent"]) == 8
        assert {"name", "label", "met", "value"} == set(d["top_rated"][0])
        assert any(v is not None and v.count(".") == 1 and len(v.split(".")[1]) == 2
                   for v in d["windows"].values())  # fmt: skip
        assert s.scalar(select(func.count()).select_from(WeeklyJss)) > 0
        # Rising Talent: one enrollment per freelancer ever eligible, arms from the hash,
        # one award lot per treatment freelancer, dated at its first eligibility.
        eligible = {h for (h, _), v in expected.items() if v[4]}
        enrollments = s.execute(
            select(User.handle, RisingTalentEnrollment).join(
                User, User.id == RisingTalentEnrollment.user_id
            )
        ).all()
        assert {h for h, _ in enrollments} == eligible
        for handle, e in enrollments:
            assert e.arm == rules.pilot_arm(handle)
            first = min(i for (h, i), v in expected.items() if h == handle and v[4])
            assert e.first_eligible_at == first
            lots = s.scalars(
                select(ConnectsLot).where(
                    ConnectsLot.user_id == e.user_id, ConnectsLot.kind == "award"
                )
            ).all()
            if e.arm == "treatment":
                assert [(lot.original, lot.issued_at) for lot in lots] == [
                    (settings.rising_talent_award_connects, first)
                ]
            else:
                assert lots == []
            # The status: open while eligible; ended at the first evaluation after the last
            # eligible one, "graduated" when a JSS appeared then.
            mine = sorted((i, v) for (h, i), v in expected.items() if h == handle)
            last_eligible = max(i for i, v in mine if v[4])
            after = [(i, v) for i, v in mine if i > last_eligible]
            assert e.active == (not after)
            if after:
                ended, result = after[0]
                assert e.ended_at == ended
                assert e.end_reason == ("graduated" if result[0] is not None else "criteria")


def test_the_latest_instant_publishes_badge_changes(
    committed_db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = import_lines(committed_db, settings, history_lines())
    published: list[dict] = []
    monkeypatch.setattr(
        engine.events,
        "publish",
        lambda name, **payload: published.append({"name": name, **payload}),
    )
    # The first instant where some freelancer's badge changes, by the pure rules.
    expected = oracle(history, END)
    instants = sorted({i for _, i in expected})
    instant = next(
        i
        for before, i in itertools.pairwise(instants)
        if any(
            v[2:4] != expected.get((h, before), (None, None, "none", False))[2:4]
            for (h, at), v in expected.items()
            if at == i
        )
    )
    engine.backfill(committed_db, settings, instant - timedelta(days=1))
    engine.evaluate_instant(committed_db, settings, instant, emit_events=True)
    with committed_db.unit_of_work(write=False) as s:
        audited = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "reputation.badge_changed",
                AuditEvent.data["instant"].as_string() == instant.isoformat(),
            )
        ).all()
    assert len(published) == len(audited) > 0
    event = published[0]
    assert event["name"] == engine.BADGE_CHANGED
    assert {"user_id", "previous_level", "previous_at_risk", "level", "at_risk", "reasons"} <= set(
        event
    )
    assert (event["level"], event["at_risk"]) != (
        event["previous_level"],
        event["previous_at_risk"],
    )


def test_badge_changes_reach_the_freelancer(committed_db: Database, settings: Settings) -> None:
    """With the real subscribers: each change at the latest instant notifies its freelancer."""
    from workhall.notifications.models import Notification

    history = import_lines(committed_db, settings, history_lines())
    expected = oracle(history, END)
    instants = sorted({i for _, i in expected})
    changed = {
        i: {
            h
            for (h, at), v in expected.items()
            if at == i and v[2:4] != expected.get((h, before), (None, None, "none", False))[2:4]
        }
        for before, i in itertools.pairwise(instants)
    }
    instant = next(i for i in instants[1:] if changed[i])
    engine.backfill(committed_db, settings, instant - timedelta(days=1))
    engine.evaluate_instant(committed_db, settings, instant, emit_events=True)
    with committed_db.unit_of_work(write=False) as s:
        told = set(
            s.scalars(
                select(User.handle).join(Notification, Notification.user_id == User.id).distinct()
            )
        )
    assert changed[instant] <= told


def test_the_worker_task_catches_up_every_due_instant(
    committed_db: Database, settings: Settings
) -> None:
    import_lines(committed_db, settings, history_lines(seed=2, freelancers=4))
    from workhall.reputation.tasks import TASKS

    done = run_once(committed_db, settings, list(TASKS))
    assert done["reputation-evaluations"] > 0
    with committed_db.unit_of_work(write=False) as s:
        first = s.scalar(select(func.min(User.created_at)))
        assert first is not None
        due = rules.evaluation_instants(first, datetime.now(UTC))
        assert s.scalar(select(func.count()).where(EvaluationRun.status == "done")) == len(due)
    assert evaluate_due_instants(committed_db, settings) == 0  # nothing left to do


def test_a_claim_whose_process_is_gone_is_taken_over(
    committed_db: Database, settings: Settings
) -> None:
    import socket
    import subprocess
    import sys

    history = import_lines(committed_db, settings, history_lines(seed=5, freelancers=4))
    pid = subprocess.Popen([sys.executable, "-c", "pass"])
    pid.wait()
    instant = rules.evaluation_instants(datetime(2025, 1, 1, tzinfo=UTC), END)[0]
    engine.backfill(committed_db, settings, instant - timedelta(days=1))
    with committed_db.unit_of_work() as s:
        s.add(
            EvaluationRun(
                instant=instant,
                status="running",
                claimed_by=f"{socket.gethostname()}:{pid.pid}:dead",
                heartbeat_at=datetime.now(UTC),
                started_at=datetime.now(UTC),
            )
        )
    run = engine.evaluate_instant(committed_db, settings, instant)
    assert run.status == "done" and run.evaluated > 0
    expected = {k: v for k, v in oracle(history, instant).items() if k[1] == instant}
    assert {k: v for k, v in stored(committed_db).items() if k[1] == instant} == expected


def test_a_worker_that_loses_its_claim_stops_writing(
    committed_db: Database, small_batches: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a batch, another worker takes the claim over: the fence stops the first one
    before its next batch; the instant still ends exactly as one clean run."""
    history = import_lines(committed_db, small_batches, history_lines(seed=21))
    instant = max(i for _, i in oracle(history, END))
    engine.backfill(committed_db, small_batches, instant - timedelta(days=1))
    stolen = {"done": False}

    def take_over(at: datetime, evaluated: int) -> None:
        if stolen["done"]:
            return
        stolen["done"] = True
        with committed_db.unit_of_work() as s:
            run = s.scalar(select(EvaluationRun).where(EvaluationRun.instant == at))
            assert run is not None
            run.claimed_by = "elsewhere:1:thief"
            run.heartbeat_at = datetime.now(UTC) - engine.STALE_AFTER * 2  # and then it died

    monkeypatch.setattr(engine, "batch_done", take_over)
    busy = engine.evaluate_instant(committed_db, small_batches, instant, wait=False)
    assert busy.status == "busy"
    with committed_db.unit_of_work(write=False) as s:  # the first batch only
        count = s.scalar(select(func.count()).where(Evaluation.instant == instant))
        assert count == small_batches.evaluation_batch_size
    done = engine.evaluate_instant(committed_db, small_batches, instant, wait=True)
    assert done.status == "done"
    assert stored(committed_db) == oracle(history, instant)
