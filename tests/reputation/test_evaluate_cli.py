"""``workhall reputation evaluate --as-of T [--json]`` (interfaces.md §2, reputation.md §4),
and two workers evaluating at once (reputation.md §2.1)."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from tests.reputation.engine_support import END, history_lines, import_lines, oracle, stored
from workhall.cli import app
from workhall.core.db import Database
from workhall.core.settings import Settings, get_settings
from workhall.reputation import engine, rules
from workhall.reputation.history import to_facts

T = "2026-10-05T12:00:00Z"
AT = datetime(2026, 10, 5, 12, tzinfo=UTC)


@pytest.fixture
def cli_db(committed_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Database:
    url = committed_db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("WORKHALL_DATABASE_URL", url)
    monkeypatch.setenv("WORKHALL_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield committed_db
    get_settings.cache_clear()


def run(*args: str):
    return CliRunner().invoke(app, ["reputation", "evaluate", *args])


def test_json_output_equals_the_pure_rules(cli_db: Database, settings: Settings) -> None:
    history = import_lines(cli_db, settings, history_lines())
    result = run("--as-of", T, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    # One object per freelancer created at or before T, sorted by handle, keys in order.
    facts, statuses = to_facts(history)
    handles = sorted(h.handle for h in facts.values() if h.created_at <= AT)
    assert [r["handle"] for r in rows] == handles
    assert all(list(r) == ["handle", "jss", "level", "at_risk", "rising_talent"] for r in rows)
    expected = oracle(history, AT)
    latest = max(i for _, i in expected)
    by_handle = {h.handle: h for h in facts.values()}
    for row in rows:
        _jss, _earned, level, at_risk, arm = expected[(row["handle"], latest)]
        assert row == {
            "handle": row["handle"],
            "jss": rules.jss_score(by_handle[row["handle"]], AT, statuses),
            "level": level,
            "at_risk": at_risk,
            "rising_talent": arm,
        }
    assert stored(cli_db) == expected  # the back-fill itself
    # A second call evaluates nothing new and prints the same.
    assert json.loads(run("--as-of", T, "--json").stdout) == rows
    table = run("--as-of", T)
    assert table.exit_code == 0 and rows[0]["handle"] in table.stdout


@pytest.mark.parametrize(
    ("value", "needle"),
    [("2999-01-01T00:00:00Z", "future"), ("yesterday", "ISO 8601"), ("2026-13-01T00:00Z", "ISO")],
)
def test_bad_or_future_instants_exit_2(cli_db: Database, value: str, needle: str) -> None:
    result = run("--as-of", value, "--json")
    assert result.exit_code == 2
    assert needle in result.output and len(result.output.strip().splitlines()) == 1


WORKED_EXAMPLE = [
    {"type": "user", "id": "F", "role": "freelancer", "name": "F", "country": "US",
     "created_at": "2024-01-01T00:00:00Z"},
    *({"type": "user", "id": f"C{i}", "role": "client", "name": f"C{i}", "country": "US",
       "created_at": "2024-01-01T00:00:00Z"} for i in range(1, 7)),
    {"type": "contract", "id": "A", "client": "C1", "freelancer": "F", "kind": "fixed",
     "started_at": "2026-04-01T00:00:00Z", "ended_at": "2026-05-01T00:00:00Z"},
    {"type": "payment", "contract": "A", "at": "2026-04-20T00:00:00Z", "amount_cents": 30000},
    {"type": "feedback", "contract": "A", "from": "client", "at": "2026-05-02T00:00:00Z",
     "public_score": None, "private_score": 10},
    {"type": "contract", "id": "B", "client": "C2", "freelancer": "F", "kind": "fixed",
     "started_at": "2026-03-01T00:00:00Z", "ended_at": "2026-04-01T00:00:00Z"},
    {"type": "payment", "contract": "B", "at": "2026-03-20T00:00:00Z", "amount_cents": 200000},
    {"type": "feedback", "contract": "B", "from": "client", "at": "2026-04-02T00:00:00Z",
     "public_score": 5.0, "private_score": None},
    {"type": "contract", "id": "C", "client": "C3", "freelancer": "F", "kind": "fixed",
     "started_at": "2025-12-10T00:00:00Z", "ended_at": "2026-01-10T00:00:00Z"},
    {"type": "payment", "contract": "C", "at": "2026-01-05T00:00:00Z", "amount_cents": 10000},
    {"type": "feedback", "contract": "C", "from": "client", "at": "2026-01-11T00:00:00Z",
     "public_score": 4.9, "private_score": 5},
    {"type": "contract", "id": "D", "client": "C1", "freelancer": "F", "kind": "fixed",
     "started_at": "2026-02-01T00:00:00Z", "ended_at": "2026-03-01T00:00:00Z"},
    {"type": "feedback", "contract": "D", "from": "client", "at": "2026-03-02T00:00:00Z",
     "public_score": 5.0, "private_score": None},
    {"type": "contract", "id": "E", "client": "C4", "freelancer": "F", "kind": "hourly",
     "started_at": "2025-08-25T00:00:00Z", "ended_at": None},
    *({"type": "payment", "contract": "E", "at": at, "amount_cents": 20000}
      for at in ("2025-09-01T00:00:00Z", "2025-11-15T00:00:00Z", "2026-02-01T00:00:00Z",
                 "2026-04-15T00:00:00Z")),
    {"type": "contract", "id": "G", "client": "C5", "freelancer": "F", "kind": "fixed",
     "started_at": "2024-02-01T00:00:00Z", "ended_at": "2024-03-01T00:00:00Z"},
    {"type": "payment", "contract": "G", "at": "2024-02-20T00:00:00Z", "amount_cents": 5000},
    {"type": "feedback", "contract": "G", "from": "client", "at": "2024-03-02T00:00:00Z",
     "public_score": 2.0, "private_score": None},
    {"type": "contract", "id": "H", "client": "C6", "freelancer": "F", "kind": "fixed",
     "started_at": "2025-07-01T00:00:00Z", "ended_at": "2025-08-01T00:00:00Z"},
    {"type": "payment", "contract": "H", "at": "2025-07-20T00:00:00Z", "amount_cents": 40000},
    {"type": "feedback", "contract": "H", "from": "client", "at": "2025-08-02T00:00:00Z",
     "public_score": 4.2, "private_score": None},
]  # fmt: skip


def test_worked_example_through_import_and_cli(cli_db: Database, settings: Settings) -> None:
    """reputation.md §1.6: T = 2026-06-01T00:00Z → JSS 86."""
    import_lines(cli_db, settings, [json.dumps(line) for line in WORKED_EXAMPLE])
    result = run("--as-of", "2026-06-01T00:00:00Z", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"handle": "F", "jss": 86, "level": "none", "at_risk": False, "rising_talent": None}
    ]


# --- two workers at once ----------------------------------------------------------------------


def _worker(url: str, batch: int) -> None:
    settings = Settings(environment="test", evaluation_batch_size=batch, _env_file=None)  # type: ignore[call-arg]
    database = Database(url)
    try:
        engine.backfill(database, settings, END, wait=True)
    finally:
        database.dispose()


def test_two_workers_evaluate_each_freelancer_once(
    committed_db: Database, settings: Settings
) -> None:
    """Two processes back-fill the same database at once (PostgreSQL, and SQLite's file):
    every (freelancer, instant) stored once, equal to one clean run."""
    history = import_lines(committed_db, settings, history_lines(seed=9))
    url = committed_db.engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(url, 3)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    assert stored(committed_db) == oracle(history, END)


def test_two_threads_evaluate_each_freelancer_once(
    committed_db: Database, settings: Settings
) -> None:
    history = import_lines(committed_db, settings, history_lines(seed=13, freelancers=8))
    errors: list[BaseException] = []
    small = settings.model_copy(update={"evaluation_batch_size": 2})

    def thread() -> None:
        try:
            engine.backfill(committed_db, small, END, wait=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=thread) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert stored(committed_db) == oracle(history, END)


def test_synthetic_history_through_the_cli_equals_the_pure_rules(
    cli_db: Database, settings: Settings
) -> None:
    """The import helper's generator (tiny scale), imported, back-filled by the CLI."""
    from workhall.reputation import synthetic

    history = import_lines(cli_db, settings, list(synthetic.generate(4, "tiny")))
    at = synthetic.END
    result = run("--as-of", at.isoformat().replace("+00:00", "Z"), "--json")
    assert result.exit_code == 0, result.output
    expected = oracle(history, at)
    assert stored(cli_db) == expected
    facts, statuses = to_facts(history)
    latest = max(i for _, i in expected)
    assert json.loads(result.stdout) == [
        {
            "handle": h.handle,
            "jss": rules.jss_score(h, at, statuses),
            "level": expected[(h.handle, latest)][2],
            "at_risk": expected[(h.handle, latest)][3],
            "rising_talent": expected[(h.handle, latest)][4],
        }
        for h in sorted(facts.values(), key=lambda h: h.handle)
        if h.created_at <= at
    ]
    levels = {v[2] for v in expected.values()}
    assert "top_rated" in levels or "top_rated_plus" in levels
