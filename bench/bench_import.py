"""``python -m bench.bench_import``: the history import (quality.md §1).

Spec row: *History import of S and of M — report lines/s and the ratio to parsing and
validating the file alone (aim ≥ 25%).*

It writes a synthetic history (``workhall.reputation.synthetic``, ``--scale``, default S) to a
temporary file, then, in a throw-away database of its own (SQLite and/or PostgreSQL):

* the reference: the file parsed and validated alone (``parse_file``), best of two;
* the import as ``workhall import-history`` runs it: parse and validate, then write everything
  in one transaction and commit.

The ratio is the import's lines/s over the reference's lines/s (= reference time ÷ import time).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import (
    BenchError,
    Figure,
    Report,
    console,
    databases,
    fresh_database,
    postgres_admin_url,
    verdict,
)
from workhall.core.settings import Settings
from workhall.reputation import synthetic
from workhall.reputation.history import parse_file
from workhall.reputation.importer import import_history

AIM = 0.25


def run_one(
    kind: str, workdir: Path, history: Path, lines: int, args: argparse.Namespace
) -> Report:
    settings = Settings(  # type: ignore[call-arg]
        environment="test", data_dir=workdir / "data", secret_key="bench", _env_file=None
    )
    admin_url, _named = postgres_admin_url(args.postgres_url)
    reference = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        parse_file(history)
        reference = min(reference, time.perf_counter() - started)
    with fresh_database(kind, workdir, admin_url) as target:
        console.print(f"[bold]{target.label}[/]: importing {lines:,} lines (scale {args.scale}) …")
        started = time.perf_counter()
        parsed = parse_file(history)
        validated = time.perf_counter() - started
        with target.database.unit_of_work() as session:
            result = import_history(session, settings, parsed)
        total = time.perf_counter() - started
    share = reference / total
    report = Report(f"History import, scale {args.scale} — {target.label}")
    report.add(
        Figure(
            "import: parse, validate, write, commit",
            f"{lines / total:,.0f} lines/s",
            reference=f"{lines / reference:,.0f} lines/s",
            ratio=f"{share:.0%}",
            target=f"aim ≥ {AIM:.0%} of parse + validate",
            verdict=verdict(share >= AIM),
        )
    )
    rows = sum(result.rows.values())
    report.notes.append(
        f"reference: parse + validate only, best of 2 ({reference:.2f} s); import {total:.2f} s "
        f"of which parse + validate {validated:.2f} s and writing {total - validated:.2f} s"
    )
    report.notes.append(
        f"{rows:,} rows written ({rows / max(total - validated, 1e-9):,.0f} rows/s while writing): "
        + ", ".join(f"{name} {n:,}" for name, n in sorted(result.rows.items(), key=lambda r: -r[1]))
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_import", description=__doc__)
    parser.add_argument("--scale", choices=sorted(synthetic.SCALES), default="S")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args(argv)
    admin_url, named = postgres_admin_url(args.postgres_url)
    try:
        kinds = databases(None if args.db == "both" else args.db, admin_url, named)
    except BenchError as exc:
        console.print(f"[red]error:[/] {exc}")
        return 1
    with tempfile.TemporaryDirectory(prefix="wh-bench-import-") as tmp:
        history = Path(tmp) / "history.jsonl"
        console.print(f"writing the synthetic history (scale {args.scale}, seed {args.seed}) …")
        lines = synthetic.write(history, args.seed, args.scale)
        for kind in kinds:
            with tempfile.TemporaryDirectory(prefix="wh-bench-import-db-") as dbdir:
                run_one(kind, Path(dbdir), history, lines, args).show()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
