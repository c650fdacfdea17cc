"""Plain helpers of the browser tests (no fixtures here, so the test modules can import them).

Nothing in this module imports Playwright at import time: a developer without it, or without
Chromium, still collects the rest of the suite and sees these tests skipped with a reason.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

# Debian's chromium package; never a browser downloaded by Playwright (quality.md §3).
SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Enough for a page to answer on a busy 2-core machine, short enough to fail fast.
ACTION_TIMEOUT_MS = 15_000

PHONE_WIDTH = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def find_chromium() -> str | None:
    """``WORKHALL_TEST_CHROMIUM`` if set (a path or a command name), else the system's."""
    wanted = os.environ.get("WORKHALL_TEST_CHROMIUM")
    if wanted is not None:
        return shutil.which(wanted)
    if os.access(SYSTEM_CHROMIUM, os.X_OK):
        return SYSTEM_CHROMIUM
    return shutil.which("chromium")


CHROMIUM = find_chromium()
SKIP_REASON = (
    "Chromium is not installed (the browser tests drive the system's Chromium; "
    "on Debian run `sudo make browser-deps`, or point WORKHALL_TEST_CHROMIUM at one)"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Reported by Chromium itself when a page breaks a rule of the Content-Security-Policy; the init
# script below reports the same violations through the page, so neither can slip through.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


@dataclass
class PageWatch:
    """Everything a page did wrong: console errors (CSP violations among them), uncaught
    exceptions and documents answered with an error status."""

    errors: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught {exc}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url") or "?"
            self.errors.append(f"{where}: console error: {message.text}")

    def _response(self, response: Response) -> None:
        request = response.request
        page_load = request.resource_type == "document" and request.frame.parent_frame is None
        if page_load:
            self.visited.append(f"{request.method} {response.url} -> {response.status}")
        # A page or an htmx request that fails, or anything the server fails on.
        failed = response.status >= 400 and (page_load or request.resource_type in ("xhr", "fetch"))
        if failed or response.status >= 500:
            self.errors.append(f"{request.method} {response.url} answered {response.status}")

    def assert_clean(self, step: str) -> None:
        assert not self.errors, f"after {step!r}: " + "\n".join(self.errors)


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    data_dir: Path
    secret_key: str
    log: Path


# A fixture's factory: ``visitor()`` or ``visitor(viewport=PHONE_WIDTH)`` opens a new person.
OpenVisitor = Callable[..., "Visitor"]


@dataclass
class Visitor:
    """One person's browser window: its own cookies, its page, and what went wrong on it."""

    context: BrowserContext
    page: Page
    watch: PageWatch


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot named by the step, kept for people to look at after a run."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_scroll(page: Page) -> dict[str, Any]:
    """The page's scroll width and the window's width: the first must not exceed the second."""
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, width: window.innerWidth})"
    )


CODE = re.compile(r"\b(\d{6})\b")


def code_from_sms(text: str) -> str:
    found = CODE.search(text)
    assert found, f"no 6-digit code in the SMS {text!r}"
    return found.group(1)
