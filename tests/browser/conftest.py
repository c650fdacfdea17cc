"""Browser tests: a real server, the system's Chromium, a person's clicks (quality.md §3).

The server is ``uvicorn workhall.asgi:app`` in a subprocess, on 127.0.0.1 and a free port, over
a fresh SQLite database migrated with ``workhall db upgrade``, in the development environment
(so ``/dev/mail`` and ``/dev/sms`` exist) with email and phone verification required, as
shipped. These tests are about the pages, not the database: they run on SQLite only, whatever
``WORKHALL_TEST_POSTGRES_URL`` says (they use none of the ``db`` fixtures).

Every page is watched for console errors, Content-Security-Policy violations, uncaught
exceptions and error statuses; tests assert that none happened.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.support import (
    ACTION_TIMEOUT_MS,
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    CSP_REPORTER,
    DESKTOP,
    SKIP_REASON,
    LiveServer,
    OpenVisitor,
    PageWatch,
    Visitor,
    free_port,
)

STARTUP_SECONDS = 30


def _server_env(database_url: str, data_dir: Path, secret_key: str, url: str) -> dict[str, str]:
    # Nothing of the developer's own WORKHALL_* configuration leaks into the server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKHALL_")}
    env.update(
        WORKHALL_ENVIRONMENT="development",
        WORKHALL_DATABASE_URL=database_url,
        WORKHALL_DATA_DIR=str(data_dir),
        WORKHALL_SECRET_KEY=secret_key,
        WORKHALL_BASE_URL=url,  # the links in the emails point at this server
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a starting process, not waiting for the clock
    raise RuntimeError(f"the server did not answer in {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """A migrated, empty Workhall served for real; killed at the end of the session."""
    with tempfile.TemporaryDirectory(prefix="workhall-browser-") as tmp:
        root = Path(tmp)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        database_url = f"sqlite:///{root / 'workhall.sqlite3'}"
        secret_key = secrets.token_urlsafe(32)
        env = _server_env(database_url, root / "data", secret_key, url)
        # The server runs in the temporary directory: a developer's ``.env`` is not read.
        subprocess.run(
            [sys.executable, "-m", "workhall", "db", "upgrade"],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )
        ARTIFACTS.mkdir(exist_ok=True)
        log = ARTIFACTS / f"browser-server-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "workhall.asgi:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                cwd=root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_until_up(url, process, log)
                yield LiveServer(url, database_url, root / "data", secret_key, log)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visitor(browser: Any, live_server: LiveServer) -> Iterator[OpenVisitor]:
    """Open a fresh browser context (a new person) on the live server; closed after the test."""
    opened: list[Any] = []

    def open_visitor(viewport: dict[str, int] | None = None) -> Visitor:
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport or DESKTOP, locale="en-US"
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.add_init_script(CSP_REPORTER)
        opened.append(context)
        watch = PageWatch()
        context.on("page", watch.attach)
        page = context.new_page()
        return Visitor(context, page, watch)

    yield open_visitor
    for context in opened:
        context.close()


@pytest.fixture(scope="session")
def seeded(live_server: LiveServer) -> dict[str, Any]:
    """Accounts and a job written straight into the server's database, for the tests that are
    not about signing up: a verified client with an open job and a freelancer."""
    from workhall.accounts import service as accounts
    from workhall.core.clock import utcnow
    from workhall.core.db import Database
    from workhall.core.settings import Settings
    from workhall.jobs import service as jobs
    from workhall.jobs.rules import JobDraft

    settings = Settings(  # type: ignore[call-arg]
        environment="development",
        database_url=live_server.database_url,
        data_dir=live_server.data_dir,
        secret_key=live_server.secret_key,
        _env_file=None,
    )
    password = "tidal-orchard-compass-58"
    database = Database(live_server.database_url)
    try:
        with database.unit_of_work() as session:
            client = accounts.sign_up(
                session,
                settings,
                email="seeded.client@example.com",
                password=password,
                name="Seeded Client",
                country="DE",
                role="client",
            )
            freelancer = accounts.sign_up(
                session,
                settings,
                email="seeded.freelancer@example.com",
                password=password,
                name="Seeded Freelancer",
                country="FR",
                role="freelancer",
            )
            client.email_verified_at = client.phone_verified_at = utcnow()
            freelancer.email_verified_at = freelancer.phone_verified_at = utcnow()
            session.flush()
            job = jobs.post_job(
                session,
                settings,
                client,
                JobDraft(
                    title="Translate a museum audio guide into Portuguese",
                    description="Forty short audio guide scripts, about 9,000 words in all, "
                    "from English into European Portuguese, with a glossary.",
                    category="writing",
                    skills=("translation",),
                    budget_type="fixed",
                    duration="lt1m",
                    experience_level="intermediate",
                    budget_cents=90_000,
                ),
            )
            return {
                "password": password,
                "client_email": client.email,
                "freelancer_email": freelancer.email,
                "freelancer_name": freelancer.name,
                "job_id": job.id,
                "job_title": job.title,
            }
    finally:
        database.dispose()
