"""A real server process and a bounded HTTP load against it.

The server is ``uvicorn workhall.asgi:app`` with one worker on 127.0.0.1 and a free port,
configured only through its environment (its working directory is the benchmark's temporary
folder, so no ``.env`` of the developer is read). It is always killed at the end.

The load is N requests from C threads, each with its own keep-alive ``httpx.Client``; it stops
after N requests or a time limit, whichever comes first. Traffic never leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import BenchError

HOST = "127.0.0.1"
# "package.module.SomeError: message" — the last line of a logged traceback.
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Detected|Timeout)\w*: ")
READY_TIMEOUT = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def exceptions(self, limit: int = 3) -> list[str]:
        """The most frequent exception lines of the server's log, with their counts."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []
        found = Counter(
            line.strip()[:200]
            for line in lines
            if _EXCEPTION_LINE.match(line) and not line.startswith("The above exception")
        )
        return [f"{count} × {line}" for line, count in found.most_common(limit)]

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process so far (Linux ``/proc``)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / CLK_TCK


def server_environment(database_url: str, workdir: Path) -> dict[str, str]:
    """The developer's environment without any ``WORKHALL_*`` setting, plus the benchmark's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKHALL_")}
    env.update(
        WORKHALL_DATABASE_URL=database_url,
        WORKHALL_ENVIRONMENT="production",
        WORKHALL_SECRET_KEY="bench-" + os.urandom(16).hex(),
        WORKHALL_DATA_DIR=str(workdir / "server-data"),
        WORKHALL_REQUIRE_PHONE_VERIFICATION="false",
        WORKHALL_REQUIRE_EMAIL_VERIFICATION="false",
    )
    return env


@contextmanager
def running_server(
    database_url: str, workdir: Path, ready: Callable[[httpx.Client], bool]
) -> Iterator[Server]:
    """Start the server, wait until ``ready`` says yes, and kill it on the way out."""
    port = free_port()
    log = workdir / "server.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "workhall.asgi:app",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            env=server_environment(database_url, workdir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://{HOST}:{port}", log)
    try:
        _wait_ready(server, ready)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server, ready: Callable[[httpx.Client], bool]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    with httpx.Client(base_url=server.base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise BenchError(f"the server exited early:\n{server.log_tail()}")
            try:
                if ready(client):
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise BenchError(f"the server was not ready after {READY_TIMEOUT:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server (its own process group), then kill it if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class MemorySampler:
    """Samples the server's resident memory (``/proc/<pid>/status``) while a load runs."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid, self.every = pid, every
        self.peak_kib = 0
        self.available = Path(f"/proc/{pid}/status").exists()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _read(self) -> dict[str, int]:
        values: dict[str, int] = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
        except (OSError, ValueError, IndexError):
            pass
        return values

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, self._read().get("VmRSS", 0))
            self._stop.wait(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        # VmHWM is the kernel's own high-water mark: it also catches peaks between samples.
        self.peak_kib = max(self.peak_kib, self._read().get("VmHWM", 0))


# --- load ------------------------------------------------------------------------------------

# One request: (method, path, JSON body or None, headers).
Call = tuple[str, str, Any, dict[str, str]]


@dataclass
class LoadResult:
    expected: int = 200
    sent: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # the first few unexpected answers
    server_cpu: float | None = None

    @property
    def succeeded(self) -> int:
        return self.statuses[self.expected]

    @property
    def throughput(self) -> float:
        """Successful answers per second (errors do not count as work done)."""
        return self.succeeded / self.elapsed if self.elapsed else 0.0


def run_load(
    base_url: str,
    calls: list[Call],
    *,
    clients: int,
    expected: int,
    max_seconds: float,
    server: Server | None = None,
) -> LoadResult:
    """Send ``calls`` from ``clients`` threads; answers other than ``expected`` are errors.

    Stops after the last call or after ``max_seconds``, whichever comes first.
    """
    result = LoadResult(expected=expected)
    lock = threading.Lock()
    position = iter(range(len(calls)))
    deadline = time.monotonic() + max_seconds
    cpu_before = server.cpu_seconds() if server else None

    def worker() -> None:
        latencies: list[float] = []
        with httpx.Client(base_url=base_url, timeout=30.0) as client:
            while time.monotonic() < deadline:
                with lock:
                    index = next(position, None)
                if index is None:
                    break
                method, path, body, headers = calls[index]
                started = time.perf_counter()
                try:
                    response = client.request(method, path, json=body, headers=headers)
                    status, detail = response.status_code, response.text
                except httpx.HTTPError as exc:
                    status, detail = 0, repr(exc)
                latencies.append(time.perf_counter() - started)
                with lock:
                    result.statuses[status] += 1
                    if status != expected and len(result.errors) < 5:
                        result.errors.append(f"{status} {method} {path}: {detail[:300]}")
        with lock:
            result.latencies.extend(latencies)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    result.sent = len(result.latencies)
    if server is not None and cpu_before is not None:
        cpu_after = server.cpu_seconds()
        result.server_cpu = None if cpu_after is None else cpu_after - cpu_before
    return result
