"""``python -m bench.bench_evaluation``: the badge evaluation (quality.md §1).

Spec rows: *Badge evaluation of M at one instant (JSS + Top Rated + Rising Talent + conduct),
the previous instant already evaluated — ≤ 60 s on SQLite and on PostgreSQL; ratio to one
aggregate SQL scan of contracts and payments (aim ≤ 10×)* and *Back-fill of a fresh import of
S over 2 years of evaluations — ≤ 60 s.*

In a throw-away database of its own (SQLite and/or PostgreSQL) it imports a synthetic history
(``workhall.reputation.synthetic``, ``--scale``, default S) through the importer, then times:

* the back-fill of every evaluation instant of the fresh import, up to the history's end;
* one instant again — the latest, its results removed — with the previous instant evaluated,
  loading its facts from the database as the worker does;
* the reference beside it: one aggregate SQL scan of contracts and payments (per freelancer:
  contracts, payments, sum paid).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select, text

from bench.common import (
    BenchError,
    Figure,
    Report,
    console,
    databases,
    fresh_database,
    postgres_admin_url,
    ratio,
    verdict,
)
from workhall.core.settings import Settings
from workhall.reputation import engine, synthetic
from workhall.reputation.history import parse_history
from workhall.reputation.importer import import_history
from workhall.reputation.models import Evaluation, EvaluationRun, WeeklyJss

TARGET_SECONDS = 60.0
REFERENCE_SQL = """
SELECT c.freelancer_id, COUNT(DISTINCT c.id), COUNT(p.id), COALESCE(SUM(p.amount_cents), 0)
FROM contracts c LEFT JOIN payments p ON p.contract_id = c.id
GROUP BY c.freelancer_id
"""


def _reference(database) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with database.engine.connect() as conn:
            conn.execute(text(REFERENCE_SQL)).fetchall()
        best = min(best, time.perf_counter() - started)
    return best


def _time_conduct() -> list[float]:
    """Wrap the engine's conduct step to report its share of the time."""
    spent = [0.0]
    original = engine._conduct

    def timed(session, settings, instant):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return original(session, settings, instant)
        finally:
            spent[0] += time.perf_counter() - started

    engine._conduct = timed  # type: ignore[assignment]
    return spent


def run_one(kind: str, workdir: Path, admin_url: str, args: argparse.Namespace) -> Report:
    settings = Settings(  # type: ignore[call-arg]
        environment="test", data_dir=workdir / "data", secret_key="bench", _env_file=None
    )
    with fresh_database(kind, workdir, admin_url) as target:
        database = target.database
        console.print(f"[bold]{target.label}[/]: importing scale {args.scale} …")
        started = time.perf_counter()
        history = parse_history(synthetic.generate(args.seed, args.scale))
        with database.unit_of_work() as session:
            import_history(session, settings, history)
        imported = time.perf_counter() - started

        console.print("  back-filling …")
        conduct = _time_conduct()
        started = time.perf_counter()
        runs = engine.backfill(database, settings, synthetic.END)
        backfill = time.perf_counter() - started
        backfill_conduct = conduct[0]
        latest: datetime = runs[-1].instant
        with database.unit_of_work() as session:
            freelancers = session.scalar(select(func.count()).where(Evaluation.instant == latest))
            total = session.scalar(select(func.count()).select_from(Evaluation))
            # The latest instant again, as the worker meets it: previous instant evaluated.
            session.execute(delete(Evaluation).where(Evaluation.instant == latest))
            session.execute(delete(EvaluationRun).where(EvaluationRun.instant == latest))
            session.execute(delete(WeeklyJss).where(WeeklyJss.monday > runs[-2].instant))

        console.print("  one instant …")
        conduct[0] = 0.0
        started = time.perf_counter()
        engine.evaluate_instant(database, settings, latest, emit_events=False)
        one = time.perf_counter() - started
        one_conduct = conduct[0]
        reference = _reference(database)

    report = Report(f"Badge evaluation, scale {args.scale} — {target.label}")
    report.add(
        Figure(
            f"back-fill of the fresh import, {len(runs)} instants",
            f"{backfill:.1f} s",
            target=f"≤ {TARGET_SECONDS:.0f} s (S)",
            verdict=verdict(backfill <= TARGET_SECONDS) if args.scale == "S" else None,
        )
    )
    report.add(
        Figure(
            f"one instant ({latest:%Y-%m-%d}), previous evaluated",
            f"{one:.2f} s",
            reference=f"{reference * 1000:.0f} ms",
            ratio=ratio(one, reference),
            target="≤ 60 s (M); aim ≤ 10× the scan",
        )
    )
    report.notes.append(
        f"of which the client conduct program: back-fill {backfill_conduct:.1f} s, "
        f"one instant {one_conduct:.2f} s"
    )
    report.notes.append(
        "reference: one aggregate SQL scan of contracts ⟕ payments grouped by freelancer "
        "(best of 3)"
    )
    report.notes.append(
        f"import {imported:.1f} s; {freelancers:,} freelancers at the latest instant, "
        f"{total:,} evaluations stored by the back-fill; batch size "
        f"{settings.evaluation_batch_size}"
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_evaluation", description=__doc__)
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
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="wh-bench-eval-") as tmp:
            run_one(kind, Path(tmp), admin_url, args).show()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
