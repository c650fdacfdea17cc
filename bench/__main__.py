"""``python -m bench [name ...] [--scale XS|S|M] [--db sqlite|postgresql|both]``.

Runs the named benchmarks (all of them when none is named) on each database, each in a
database of its own that is thrown away afterwards. Exits 0 when every benchmark ran — even
if a target was missed, which the tables report — and 1 when one could not run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import proposals, search
from bench.common import (
    BenchDatabase,
    BenchError,
    Options,
    Report,
    console,
    databases,
    fresh_database,
    postgres_admin_url,
)
from bench.marketplace import SCALES

Runner = Callable[[BenchDatabase, Options, Path], Report]
BENCHMARKS: dict[str, Runner] = {"search": search.run, "proposals": proposals.run}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Workhall's benchmarks (quality.md §1): figures beside their references.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="name", help=f"benchmarks to run: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument(
        "--scale",
        choices=list(SCALES),
        default="XS",
        help="data set of the search benchmark: "
        + "; ".join(f"{s.name} = {s.description}" for s in SCALES.values())
        + " (default XS)",
    )
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgresql", "both"),
        default=None,
        help="databases to run on (default both; PostgreSQL is skipped with a warning when "
        "it is unreachable and was not asked for)",
    )
    parser.add_argument("--seed", type=int, default=Options.seed, help="data set seed")
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="admin URL to create the throw-away PostgreSQL databases from (default: "
        "$WORKHALL_BENCH_POSTGRES_URL, else $WORKHALL_TEST_POSTGRES_URL, else a local server)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=Options.requests,
        help=f"proposals benchmark: requests per endpoint (default {Options.requests:,})",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=Options.clients,
        help=f"proposals benchmark: concurrent clients (default {Options.clients})",
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r} (choose from {', '.join(BENCHMARKS)})")
    if not 100 <= args.requests <= 1_000_000:
        parser.error("--requests must be between 100 and 1,000,000")
    if not 1 <= args.clients <= 256:
        parser.error("--clients must be between 1 and 256")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    options = Options(
        scale=args.scale, seed=args.seed, requests=args.requests, clients=args.clients
    )
    admin_url, named = postgres_admin_url(args.postgres_url)
    try:
        kinds = databases(args.db, admin_url, named)
    except BenchError as exc:
        console.print(f"[red]error:[/] {exc}")
        return 1
    reports: list[Report] = []
    failed = 0
    started = time.perf_counter()
    for name in args.names or list(BENCHMARKS):
        for kind in kinds:
            try:
                load_before = os.getloadavg()[0]
                with (
                    tempfile.TemporaryDirectory(prefix="wh_bench_") as tmp,
                    fresh_database(kind, Path(tmp), admin_url) as target,
                ):
                    report = BENCHMARKS[name](target, options, Path(tmp))
                # Other work on the machine skews absolute figures (ratios less): say how busy
                # it was.
                report.notes.append(
                    f"machine: {os.cpu_count()} cores, load average {load_before:.1f} before, "
                    f"{os.getloadavg()[0]:.1f} after"
                )
                report.show()
                reports.append(report)
            except KeyboardInterrupt:
                raise
            except Exception:
                failed += 1
                console.print(f"[red]{name} on {kind} could not run:[/]")
                console.print_exception(max_frames=8)
    if len(reports) > 1:
        console.rule("summary")
        for report in reports:
            console.print(report.render())
    elapsed = time.perf_counter() - started
    console.print(f"\n{len(reports)} benchmark run(s), {failed} failed, {elapsed:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
