"""``workhall import-history FILE`` through the command line (interfaces.md §2–§3)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import workhall.models
from workhall.accounts.models import User
from workhall.cli import app
from workhall.contracts.models import Contract
from workhall.core import clock
from workhall.core.db import get_database
from workhall.core.settings import get_settings
from workhall.ledger.models import LedgerEntry
from workhall.ledger.service import ledger_problems
from workhall.payments.models import Payment
from workhall.reputation.synthetic import END, write

COUNTED = (User, Contract, Payment, LedgerEntry)


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    """A fresh SQLite database for the command (tables from the models, as tests do)."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("WORKHALL_DATABASE_URL", url)
    monkeypatch.setenv("WORKHALL_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    database = get_database(url)
    workhall.models.metadata.create_all(database.engine)
    with clock.frozen_at(END + timedelta(days=1)):
        yield database
    get_settings.cache_clear()
    database.dispose()


def counts(database) -> dict[str, int]:
    with database.unit_of_work(write=False) as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in COUNTED}


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_import_history_exits_0_and_prints_counts(cli_db, tmp_path) -> None:
    path = tmp_path / "history.jsonl"
    lines = write(path, seed=11, scale="tiny")
    result = run("import-history", str(path))
    assert result.exit_code == 0, result.output
    assert f"imported {lines} lines" in result.output
    assert "32 user" in result.output and " contract" in result.output
    after = counts(cli_db)
    assert after["users"] == 33  # and the placeholder client of imported proposals
    assert after["contracts"] > 0 and after["payments"] > after["contracts"]
    with cli_db.unit_of_work(write=False) as s:
        assert ledger_problems(s) == []


def test_bad_input_exits_2_with_file_and_line_and_writes_nothing(cli_db, tmp_path) -> None:
    path = tmp_path / "bad.jsonl"
    write(path, seed=11, scale="tiny")
    text = path.read_text().splitlines()
    bad = json.dumps({"type": "payment", "contract": "k0000001", "at": "2024-01-01T00:00:00Z",
                      "amount_cents": -5})  # fmt: skip
    text.insert(40, bad)  # line 41
    path.write_text("\n".join(text) + "\n")
    before = counts(cli_db)
    result = run("import-history", str(path))
    assert result.exit_code == 2
    message = result.output.strip()
    assert message == f"{path}:41: amount_cents: -5 is out of range (1–100000000000)"
    assert "\n" not in message
    assert counts(cli_db) == before


def test_a_late_problem_also_writes_nothing(cli_db, tmp_path) -> None:
    path = tmp_path / "twice.jsonl"
    write(path, seed=11, scale="tiny")
    assert run("import-history", str(path)).exit_code == 0
    before = counts(cli_db)
    result = run("import-history", str(path))  # every handle is now taken
    assert result.exit_code == 2
    assert result.output.startswith(f"{path}:1: id: the handle")
    assert counts(cli_db) == before


def test_a_missing_file_exits_2(cli_db, tmp_path) -> None:
    result = run("import-history", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 2
    assert "no such file" in result.output
