"""``python -m bench.bench_jss``: the JSS of one freelancer with 500 contracts (quality.md §1).

Pure computation, no database: prints p50/p99 of ``compute_jss`` (every contract's outcome and
the four windows) and of a whole ``evaluate`` (JSS plus the 16 Mondays of eligible weeks), for
a synthetic freelancer whose contracts mix every rule (feedback, long-term, disputes, $0 jobs)
over three years. Target: JSS well under 20 ms at p99.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from workhall.reputation.facts import (
    ClientStatuses,
    ContractHistory,
    DisputeDecision,
    FeedbackRecord,
    FreelancerHistory,
    PreviousResult,
)
from workhall.reputation.rules import compute_jss, evaluate

AT = datetime(2026, 6, 1, tzinfo=UTC)
TARGET_MS = 20.0


def synthetic_freelancer(contracts: int, seed: int) -> FreelancerHistory:
    rng = random.Random(f"{seed}:jss")
    out: list[ContractHistory] = []
    for i in range(contracts):
        start = AT - timedelta(days=rng.randint(5, 1100))
        n_payments = rng.choice((0, 1, 1, 2, 3, 6))
        step = timedelta(days=rng.randint(10, 80))
        payments = tuple(
            (start + step * (k + 1), rng.randint(0, 200_000)) for k in range(n_payments)
        )
        ended = start + step * (n_payments + 1) if rng.random() < 0.8 else None
        feedback: tuple[FeedbackRecord, ...] = ()
        if ended is not None and rng.random() < 0.7:
            feedback = (
                FeedbackRecord(
                    at=ended + timedelta(days=3),
                    public=Fraction(rng.randint(100, 500), 100) if rng.random() < 0.9 else None,
                    private=rng.randint(0, 10) if rng.random() < 0.6 else None,
                ),
            )
        disputes = (
            (DisputeDecision(at=start + timedelta(days=30), outcome="client_won"),)
            if rng.random() < 0.03
            else ()
        )
        out.append(
            ContractHistory(
                id=i,
                client=rng.randint(1, 120),
                started_at=start,
                ended_at=ended,
                payments=payments,
                client_feedback=feedback,
                disputes=disputes,
            )
        )
    out.sort(key=lambda c: c.started_at)
    return FreelancerHistory(
        key=1, handle="bench", created_at=AT - timedelta(days=1200), contracts=tuple(out)
    )


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_jss", description=__doc__)
    parser.add_argument("--contracts", type=int, default=500)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args(argv)
    history = synthetic_freelancer(args.contracts, args.seed)
    statuses = ClientStatuses(changes={7: ((AT - timedelta(days=30), "restricted"),)})
    p50, p99 = measure(lambda: compute_jss(history, AT, statuses), args.runs)
    verdict = "PASS" if p99 < TARGET_MS else "MISS"
    print(
        f"JSS, {args.contracts} contracts: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
        f"(target p99 < {TARGET_MS:.0f} ms) {verdict}"
    )
    e50, e99 = measure(
        lambda: evaluate(history, AT, PreviousResult(), statuses), max(10, args.runs // 10)
    )
    print(f"evaluate (JSS + 16 Mondays, nothing cached): p50 {e50:.2f} ms, p99 {e99:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
