"""``python -m bench.bench_stats``: My Stats of a freelancer with 500 contracts (quality.md §1).

Spec row: *My Stats page of a freelancer with 500 contracts in M (peer figures precomputed at
evaluation) — p99 ≤ 100 ms.*

Builds, in a throw-away database of its own (SQLite and/or PostgreSQL), one freelancer with
500 contracts over three years (about 4 payments each, client feedback with private answers on
most ended ones, 1,500 proposals through every funnel stage, Connects lots and history, two
years of stored evaluations) inside a background marketplace of other freelancers, clients,
contracts, payments and proposals (``--background`` contracts, 4 payments and 3 proposals
each). Rows are bulk-inserted with SQLAlchemy Core; the peer figures are computed once at the
latest evaluation instant, as the evaluation does. Then it measures, after a warm-up:

* ``my_stats`` — the read model — in a fresh session per call, serialized to JSON;
* ``GET /api/v1/me/stats`` through the application (authentication, the unit of work,
  validation of the response model), in-process;
* the reference beside them: one trivial authenticated endpoint (``GET /api/v1/me``).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.common import (
    BenchError,
    Figure,
    Report,
    console,
    databases,
    fresh_database,
    ms,
    percentile,
    postgres_admin_url,
    ratio,
    verdict,
)
from workhall import catalog
from workhall.accounts.models import FreelancerProfile, User
from workhall.connects.models import ConnectsEvent, ConnectsLot
from workhall.contracts.models import Contract, Offer
from workhall.core import clock
from workhall.core.db import Database
from workhall.feedback.models import CLIENT_CRITERIA, Feedback, FeedbackPrivate
from workhall.jobs.models import Job
from workhall.payments.models import Payment
from workhall.proposals.models import Proposal
from workhall.reputation.models import Evaluation
from workhall.reputation.stats import compute_peer_funnels, latest_instant, my_stats

AT = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
TARGET_MS = 100.0
ME = 1
CATEGORIES = sorted(catalog.CATEGORIES)


class Ids:
    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str) -> int:
        self.next[table] = self.next.get(table, 0) + 1
        return self.next[table]


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def build(database: Database, contracts: int, background: int, seed: int) -> dict[str, int]:
    rng = random.Random(f"{seed}:stats")
    ids = Ids()
    rows: dict[type, list[dict[str, Any]]] = {}

    def add(model: type, **values: Any) -> int:
        table = model.__tablename__  # type: ignore[attr-defined]
        if "id" in model.__table__.c and "id" not in values:  # type: ignore[attr-defined]
            values["id"] = ids.take(table)
        rows.setdefault(model, []).append(values)
        return int(values.get("id", 0))

    def user(role: str, created: datetime) -> int:
        n = ids.take("users")
        add(
            User,
            id=n,
            handle=f"{role[0]}{n}",
            email=f"{role}{n}@bench.example",
            name=f"{role.title()} {n}",
            country="US",
            password_hash="-",
            role=role,
            created_at=created,
            email_verified_at=created,
        )
        if role == "freelancer":
            add(FreelancerProfile, user_id=n, updated_at=created)
        return n

    me = user("freelancer", AT - timedelta(days=1200))
    assert me == ME
    n_clients = max(300, background // 20)
    clients = [user("client", AT - timedelta(days=1500)) for _ in range(n_clients)]
    others = [
        user("freelancer", AT - timedelta(days=1000)) for _ in range(max(50, background // 10))
    ]

    def job(client: int, posted: datetime) -> int:
        return add(
            Job,
            client_id=client,
            title="A bench job",
            description="Bench",
            category=rng.choice(CATEGORIES[:3]),
            budget_type="fixed",
            budget_cents=50_000,
            duration="lt1m",
            experience_level="intermediate",
            status="filled",
            connects_cost=4,
            posted_at=posted,
        )

    def contract(freelancer: int, with_feedback: bool) -> None:
        client = rng.choice(clients)
        start = AT - timedelta(days=rng.randint(5, 1100), hours=rng.randint(0, 23))
        job_id = job(client, start - timedelta(days=3))
        offer = add(
            Offer,
            client_id=client,
            freelancer_id=freelancer,
            job_id=job_id,
            title="Bench contract",
            kind="fixed",
            status="accepted",
            created_at=start - timedelta(days=1),
            expires_at=start + timedelta(days=13),
            accepted_at=start,
        )
        n_pay = rng.choice((1, 2, 4, 4, 6, 7))
        step = timedelta(days=rng.randint(7, 60))
        ended = start + step * (n_pay + 1)
        ended_at = ended if ended < AT and rng.random() < 0.85 else None
        cid = add(
            Contract,
            client_id=client,
            freelancer_id=freelancer,
            job_id=job_id,
            offer_id=offer,
            kind="fixed",
            title="Bench contract",
            status="ended" if ended_at else "active",
            started_at=start,
            ended_at=ended_at,
        )
        for k in range(n_pay):
            at = start + step * (k + 1)
            if at > AT:
                break
            cents = rng.randint(2_000, 150_000)
            add(
                Payment,
                contract_id=cid,
                client_id=client,
                freelancer_id=freelancer,
                amount_cents=cents,
                fee_cents=cents // 10,
                at=at,
                available_at=at + timedelta(days=5),
            )
        if with_feedback and ended_at is not None and rng.random() < 0.8:
            reveal = ended_at + timedelta(days=rng.randint(1, 14))
            scores = {name: rng.choice((3, 4, 5, 5, 5)) for name in CLIENT_CRITERIA}
            fid = add(
                Feedback,
                contract_id=cid,
                author_role="client",
                author_id=client,
                recipient_id=freelancer,
                comment="Bench",
                submitted_at=reveal - timedelta(days=1),
                updated_at=reveal - timedelta(days=1),
                reveal_at=reveal,
                **scores,
            )
            if rng.random() < 0.7:
                add(FeedbackPrivate, feedback_id=fid, likelihood=rng.randint(4, 10))

    def proposal(freelancer: int, days_back: int) -> None:
        sent = AT - timedelta(days=rng.randint(0, days_back), minutes=rng.randint(0, 1440))
        job_id = job(rng.choice(clients), sent - timedelta(hours=5))
        stamps: dict[str, Any] = {"viewed_at": None, "interviewing_at": None, "hired_at": None}
        stage = rng.random()
        if stage < 0.6:
            stamps["viewed_at"] = sent + timedelta(hours=6)
        if stage < 0.25:
            stamps["interviewing_at"] = sent + timedelta(hours=20)
        if stage < 0.08:
            stamps["hired_at"] = sent + timedelta(days=2)
        boost = rng.choice((0, 0, 0, 0, 2, 5))
        add(
            Proposal,
            job_id=job_id,
            freelancer_id=freelancer,
            cover_letter="Bench",
            bid_cents=50_000,
            status="submitted",
            connects_price=4,
            boost_connects=boost,
            boost_placed_at=sent if boost else None,
            boost_state="spent"
            if boost and "viewed_at" in stamps
            else ("held" if boost else "none"),
            submitted_at=sent,
            **stamps,
        )

    began = time.perf_counter()
    for _ in range(contracts):
        contract(ME, True)
    for _ in range(1500):
        proposal(ME, 365)
    for i in range(60):
        issued = AT - timedelta(days=6 * i)
        add(
            ConnectsLot,
            user_id=ME,
            kind="grant" if i % 2 else "purchase",
            source=f"bench:{i}",
            issued_at=issued,
            expires_at=issued + timedelta(days=365),
            original=40,
            remaining=rng.randint(0, 40),
        )
    balance = 500
    for i in range(1500):
        kind = rng.choice(("proposal", "proposal", "boost", "refund", "boost_return", "grant"))
        amount = -rng.randint(2, 16) if kind in ("proposal", "boost") else rng.randint(2, 16)
        balance = max(0, balance + amount)
        add(
            ConnectsEvent,
            user_id=ME,
            at=AT - timedelta(hours=5 * i),
            kind=kind,
            amount=amount,
            balance_after=balance,
        )
    instant = latest_instant(AT)
    when = instant
    for _ in range(48):  # two years of evaluations, newest first
        add(
            Evaluation,
            user_id=ME,
            instant=when,
            jss=rng.randint(85, 100),
            level="top_rated",
            earned_level="top_rated",
            eligible_weeks=rng.randint(10, 16),
            details={
                "windows": {"24m": "91.20", "12m": "93.00", "6m": "95.50", "3m": None},
                "top_rated": [
                    {"name": "jss", "label": "JSS at least 90", "met": True, "value": 93}
                ],
                "recommend": {"count": 120, "would_recommend": 90, "share": "75.00"},
            },
            created_at=when,
        )
        when = latest_instant(when - timedelta(seconds=1))
    for _ in range(background):
        contract(rng.choice(others), rng.random() < 0.3)
    for _ in range(background * 3 // 2):
        proposal(rng.choice(others), 200)
    generated = time.perf_counter() - began

    began = time.perf_counter()
    counts: dict[str, int] = {}
    order = [
        User, FreelancerProfile, Job, Offer, Contract, Payment, Feedback, FeedbackPrivate,
        Proposal, ConnectsLot, ConnectsEvent, Evaluation,
    ]  # fmt: skip
    with database.engine.begin() as conn:
        for model in order:
            for chunk in _chunks(rows.get(model, [])):
                conn.execute(insert(model), chunk)  # type: ignore[arg-type]
            counts[model.__tablename__] = len(rows.get(model, []))  # type: ignore[attr-defined]
    if database.dialect == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    loaded = time.perf_counter() - began

    began = time.perf_counter()
    with database.unit_of_work() as session:
        compute_peer_funnels(session, instant)
    counts["_peer_seconds_ms"] = int((time.perf_counter() - began) * 1000)
    counts["_generate_ms"] = int(generated * 1000)
    counts["_load_ms"] = int(loaded * 1000)
    return counts


def timed(fn: Callable[[], object], runs: int, warmup: int = 20) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        out.append(time.perf_counter() - began)
    return out


def run_one(kind: str, workdir: Path, admin_url: str, args: argparse.Namespace) -> Report:
    from fastapi.testclient import TestClient

    from workhall.accounts.service import create_api_token
    from workhall.app import create_app
    from workhall.core.settings import Settings

    with fresh_database(kind, workdir, admin_url) as target:
        database = target.database
        console.print(f"[bold]{target.label}[/]: building the data set …")
        counts = build(database, args.contracts, args.background, args.seed)
        clock.set_now(AT)
        settings = Settings(  # type: ignore[call-arg]
            environment="test", data_dir=workdir / "data", secret_key="bench", _env_file=None
        )
        with database.unit_of_work() as session:
            me = session.get(User, ME)
            assert me is not None
            token = create_api_token(session, settings, me)

        def service() -> None:
            with database.unit_of_work(write=False) as session:
                my_stats(session, ME).model_dump_json()

        app = create_app(settings=settings, database=database)
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(app) as http:

            def endpoint() -> None:
                r = http.get("/api/v1/me/stats", headers=headers)
                assert r.status_code == 200, r.text[:200]

            def trivial() -> None:
                r = http.get("/api/v1/me", headers=headers)
                assert r.status_code == 200, r.text[:200]

            s = timed(service, args.runs)
            e = timed(endpoint, args.runs)
            t = timed(trivial, args.runs)
        clock.set_now(None)

    report = Report(f"My Stats, one freelancer with {args.contracts} contracts — {target.label}")
    s99, e99, t99 = (percentile(x, 99) for x in (s, e, t))
    report.add(
        Figure(
            "my_stats() + JSON, p50 / p99",
            f"{ms(percentile(s, 50))} / {ms(s99)}",
            target=f"p99 ≤ {TARGET_MS:.0f} ms",
            verdict=verdict(s99 * 1000 <= TARGET_MS),
        )
    )
    report.add(
        Figure(
            "GET /api/v1/me/stats, p50 / p99",
            f"{ms(percentile(e, 50))} / {ms(e99)}",
            reference=f"{ms(percentile(t, 50))} / {ms(t99)}",
            ratio=ratio(percentile(e, 50), percentile(t, 50)),
            target=f"p99 ≤ {TARGET_MS:.0f} ms",
            verdict=verdict(e99 * 1000 <= TARGET_MS),
        )
    )
    report.notes.append(
        "reference: GET /api/v1/me (trivial authenticated endpoint), same app, same run; "
        f"{args.runs} timed calls each after 20 warm-up calls"
    )
    report.notes.append(
        "rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items() if not k.startswith("_"))
    )
    report.notes.append(
        f"generate {counts['_generate_ms']:,} ms, load {counts['_load_ms']:,} ms, "
        f"peer figures at the latest instant {counts['_peer_seconds_ms']:,} ms"
    )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_stats", description=__doc__)
    parser.add_argument("--contracts", type=int, default=500)
    parser.add_argument("--background", type=int, default=20_000, help="other contracts")
    parser.add_argument("--runs", type=int, default=300)
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
        with tempfile.TemporaryDirectory(prefix="wh-bench-stats-") as tmp:
            run_one(kind, Path(tmp), admin_url, args).show()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
