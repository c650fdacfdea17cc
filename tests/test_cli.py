"""The command line (interfaces.md §2): exit 0 on success, 2 with a one-line reason on bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from workhall.accounts.models import User
from workhall.cli import app
from workhall.core.db import get_database
from workhall.core.settings import get_settings


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("WORKHALL_DATABASE_URL", url)
    monkeypatch.setenv("WORKHALL_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_db_upgrade_then_createuser_staff(cli_env):
    assert run("db", "upgrade").exit_code == 0
    result = run(
        "createuser",
        "--role",
        "admin",
        "--email",
        "boss@example.com",
        "--name",
        "Boss",
        "--password",
        "a long admin passphrase",
    )
    assert result.exit_code == 0, result.output
    with get_database(cli_env).unit_of_work(write=False) as s:
        user = s.scalar(select(User).where(User.email == "boss@example.com"))
        assert user is not None and user.role == "staff" and user.staff_roles == "admin"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--role", "wizard"], "--role"),
        (["--email", "not-an-email"], "--email"),
        (["--password", "password1234"], "common"),
        (["--country", "XX"], "--country"),
    ],
)
def test_createuser_bad_input_exits_2(cli_env, args, needle):
    assert run("db", "upgrade").exit_code == 0
    base = {
        "--role": "admin",
        "--email": "a@example.com",
        "--name": "A",
        "--password": "a long admin passphrase",
        "--country": "US",
    }
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [x for kv in base.items() for x in kv]
    result = run("createuser", *flat)
    assert result.exit_code == 2
    assert needle in result.output
    with get_database(cli_env).unit_of_work(write=False) as s:
        assert s.scalar(select(User.id)) is None
