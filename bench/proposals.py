"""Proposal submission under load (quality.md §1, rows "Proposal submission through the API"
and "Memory of one ``workhall serve`` worker under the proposal load").

A real ``uvicorn workhall.asgi:app`` process (one worker) serves a fresh database holding
freelancers with plenty of Connects (issued straight into the tables) and open jobs. The
benchmark process then drives C concurrent clients (32 by default) against two endpoints in
turn, N requests each:

- the reference, ``GET /api/v1/me``: the trivial authenticated JSON endpoint of the same server
  (bearer token lookup, one balance query);
- ``POST /api/v1/jobs/{id}/proposals`` with an ``Idempotency-Key``, each request a distinct
  (freelancer, job) pair so every one should answer 201: authentication, the job's row lock,
  the Connects spend from the lots, the proposal, the notification and the idempotency record,
  all in one transaction. Any other answer is counted and printed as an error.

Targets: proposals ≥ 25 % of the reference's requests per second; the server's peak resident
memory ≤ 300 MB.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.bulk import BulkWriter, analyze
from bench.common import (
    BenchDatabase,
    BenchError,
    Figure,
    Options,
    Report,
    console,
    ms,
    percentile,
    step,
    verdict,
)
from bench.load import Call, LoadResult, MemorySampler, run_load, running_server
from bench.marketplace import (
    BENCH_PASSWORD,
    JOB_COLUMNS,
    SKILL_COLUMNS,
    USER_COLUMNS,
    JobFactory,
    Vocabulary,
    anchor_now,
    rng_for,
    search_document,
    write_clients,
    write_search_index,
)
from workhall import catalog
from workhall.accounts.models import ApiToken, FreelancerProfile, ProfileSkill, User
from workhall.connects.models import ConnectsEvent, ConnectsLot
from workhall.core import security
from workhall.demo import content
from workhall.jobs.models import Job, JobSkill
from workhall.proposals.models import Proposal

PROPOSALS_PER_FREELANCER = 10
PROPOSALS_PER_JOB = 25  # on average; a job takes at most 50 (marketplace.md §3)
CLIENT_ACCOUNTS = 200
CONNECTS_PER_FREELANCER = 1_000  # more than 10 proposals at the highest price (16) ever need
MAX_SECONDS = 300.0  # per phase: the load stops by itself even on a very slow machine
RATIO_TARGET = 0.25
RSS_TARGET_MB = 300


def _token(rng: random.Random) -> str:
    return f"whb_{rng.getrandbits(192):048x}"


class Marketplace:
    """The accounts, jobs and request plan of one run."""

    def __init__(self, target: BenchDatabase, options: Options, now: datetime) -> None:
        self.target, self.now, self.seed = target, now, options.seed
        self.warmup = min(200, options.requests // 10)
        posts = options.requests + self.warmup
        # At least two freelancers per client thread, so the requests in flight at one time
        # come from different freelancers even for a short run.
        self.freelancers = max(-(-posts // PROPOSALS_PER_FREELANCER), 2 * options.clients)
        pairs = self.freelancers * PROPOSALS_PER_FREELANCER
        self.jobs = max(PROPOSALS_PER_FREELANCER, -(-pairs // PROPOSALS_PER_JOB))
        self.tokens: list[str] = []
        self.freelancer_ids: list[int] = []
        self.job_ids: list[int] = []

    def build(self) -> None:
        with BulkWriter(self.target) as writer:
            clients = write_clients(writer, CLIENT_ACCOUNTS, self.seed, self.now)
            first = clients[-1] + 1
            self.freelancer_ids = list(range(first, first + self.freelancers))
            self._freelancers(writer)
            documents = self._jobs(writer, clients)
        write_search_index(self.target, documents)
        analyze(self.target)

    def _freelancers(self, writer: BulkWriter) -> None:
        rng = rng_for(self.seed, "freelancers")
        password_hash = security.hash_password(BENCH_PASSWORD)
        users: list[tuple[object, ...]] = []
        profiles: list[tuple[object, ...]] = []
        skills: list[tuple[int, str]] = []
        lots: list[tuple[object, ...]] = []
        events: list[tuple[object, ...]] = []
        tokens: list[tuple[object, ...]] = []
        skill_slugs = sorted(catalog.SKILLS)
        for n, user_id in enumerate(self.freelancer_ids):
            country = rng.choice(content.FREELANCER_COUNTRIES)
            first = rng.choice(content.FIRST_NAMES[country])
            name = f"{first} {rng.choice(content.LAST_NAMES[country])}"
            created = self.now - timedelta(days=rng.randint(10, 900))
            users.append(
                (
                    user_id,
                    f"freelancer{user_id}",
                    f"freelancer{user_id}@bench.invalid",
                    name,
                    country,
                    password_hash,
                    "freelancer",
                    "",
                    "active",
                    created,
                    created,
                    "basic",
                    0,
                )
            )
            profiles.append(
                (
                    user_id,
                    rng.choice(rng.choice(list(content.CATEGORY_CONTENT.values()))["titles"]),
                    " ".join(rng.sample(content.OVERVIEW_SENTENCES, 3)).format(n=5, k=4),
                    rng.randint(10, 90) * 100,
                    "available",
                    created,
                )
            )
            skills.extend((user_id, s) for s in rng.sample(skill_slugs, 4))
            lots.append(
                (
                    n + 1,
                    user_id,
                    "purchase",
                    "bench",
                    self.now,
                    self.now + timedelta(days=365),
                    CONNECTS_PER_FREELANCER,
                    CONNECTS_PER_FREELANCER,
                )
            )
            events.append(
                (
                    n + 1,
                    user_id,
                    self.now,
                    "purchase",
                    CONNECTS_PER_FREELANCER,
                    CONNECTS_PER_FREELANCER,
                    "Benchmark lot",
                )
            )
            token = _token(rng)
            self.tokens.append(token)
            tokens.append(
                (
                    n + 1,
                    security.token_digest(token),
                    user_id,
                    self.now,
                    self.now + timedelta(days=30),
                )
            )
        writer.write(User.__tablename__, USER_COLUMNS, users)
        writer.write(
            FreelancerProfile.__tablename__,
            ("user_id", "title", "overview", "hourly_rate_cents", "availability", "updated_at"),
            profiles,
        )
        writer.write(ProfileSkill.__tablename__, ("user_id", "skill"), skills)
        writer.write(
            ConnectsLot.__tablename__,
            ("id", "user_id", "kind", "source", "issued_at", "expires_at", "original", "remaining"),
            lots,
        )
        writer.write(
            ConnectsEvent.__tablename__,
            ("id", "user_id", "at", "kind", "amount", "balance_after", "note"),
            events,
        )
        writer.write(
            ApiToken.__tablename__,
            ("id", "token_hash", "user_id", "created_at", "expires_at"),
            tokens,
        )

    def _jobs(self, writer: BulkWriter, clients: list[int]) -> dict[int, tuple[str, str, str]]:
        factory = JobFactory(self.seed, Vocabulary(self.seed, tail_size=5_000), "proposal-jobs")
        rng = rng_for(self.seed, "proposal-job-clients")
        jobs: list[tuple[object, ...]] = []
        skills: list[tuple[int, str, int]] = []
        documents: dict[int, tuple[str, str, str]] = {}
        for n in range(self.jobs):
            job_id = n + 1
            posted = self.now - timedelta(minutes=rng.randint(5, 20 * 24 * 60))
            job = factory.make(job_id, rng.choice(clients), "open", posted)
            # Every job takes proposals from everyone: public, whatever the draw said.
            row = list(job.row)
            row[JOB_COLUMNS.index("visibility")] = "public"
            job.row = tuple(row)
            jobs.append(job.row)
            skills.extend((job_id, s, i) for i, s in enumerate(job.skills))
            documents[job_id] = search_document(job)
            self.job_ids.append(job_id)
        writer.write(Job.__tablename__, JOB_COLUMNS, jobs)
        writer.write(JobSkill.__tablename__, SKILL_COLUMNS, skills)
        return documents

    def proposal_calls(self) -> list[Call]:
        """One call per distinct (freelancer, job) pair, at most 50 per job, in rounds: every
        freelancer's first proposal, then every freelancer's second... So the requests in
        flight at one time come from different freelancers, as on a real marketplace; the
        first ``warmup`` calls warm the server up."""
        rng = rng_for(self.seed, "pairs")
        per_job: Counter[int] = Counter()
        plans: list[list[int]] = []
        for _ in range(self.freelancers):
            plan = []
            for job_id in rng.sample(self.job_ids, PROPOSALS_PER_FREELANCER):
                if per_job[job_id] < 50:
                    per_job[job_id] += 1
                    plan.append(job_id)
            plans.append(plan)
        order = list(range(self.freelancers))
        rng.shuffle(order)
        pairs = [
            (index, plans[index][r])
            for r in range(PROPOSALS_PER_FREELANCER)
            for index in order
            if r < len(plans[index])
        ]
        calls: list[Call] = []
        for k, (index, job_id) in enumerate(pairs):
            letter = " ".join(
                (
                    rng.choice(content.COVER_LETTER_OPENINGS),
                    rng.choice(content.COVER_LETTER_BODIES),
                    rng.choice(content.COVER_LETTER_CLOSINGS),
                )
            )
            headers = {
                "Authorization": f"Bearer {self.tokens[index]}",
                "Idempotency-Key": f"bench-{self.seed}-{k}",
            }
            body = {"cover_letter": letter, "bid_cents": rng.randint(50, 5_000) * 100}
            calls.append(("POST", f"/api/v1/jobs/{job_id}/proposals", body, headers))
        return calls

    def me_calls(self, count: int) -> list[Call]:
        return [
            (
                "GET",
                "/api/v1/me",
                None,
                {"Authorization": f"Bearer {self.tokens[k % len(self.tokens)]}"},
            )
            for k in range(count)
        ]


def _check_ledger(target: BenchDatabase, market: Marketplace, accepted: int) -> str | None:
    """After the load: as many proposals as 201s, and every Connect accounted for."""
    with target.database.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Proposal)) or 0
        spent = session.scalar(select(func.coalesce(func.sum(Proposal.connects_price), 0))) or 0
        left = session.scalar(select(func.coalesce(func.sum(ConnectsLot.remaining), 0))) or 0
    issued = market.freelancers * CONNECTS_PER_FREELANCER
    if stored != accepted:
        return f"{stored} proposals stored but {accepted} answered 201"
    if issued - spent != left:
        return f"Connects do not add up: issued {issued}, spent {spent}, left {left}"
    return None


def run(target: BenchDatabase, options: Options, workdir: Path) -> Report:
    prep: dict[str, float] = {}
    console.print(
        f"\n[bold]proposals[/] on {target.label}: {options.requests:,} requests per endpoint, "
        f"{options.clients} concurrent clients"
    )
    market = Marketplace(target, options, anchor_now())
    with step("generate and load", prep):
        market.build()
    posts = market.proposal_calls()
    if len(posts) < options.requests + market.warmup:
        raise BenchError("not enough distinct (freelancer, job) pairs for the requests asked")
    warm_posts, posts = posts[: market.warmup], posts[market.warmup :][: options.requests]
    me = market.me_calls(options.requests + market.warmup)
    warm_me, me = me[: market.warmup], me[market.warmup :]

    def ready(client: httpx.Client) -> bool:
        return client.get("/api/v1/me", headers=me[0][3]).status_code == 200

    with running_server(target.url, workdir, ready) as server:
        sampler = MemorySampler(server.pid)

        def load(calls: list[Call], expected: int) -> LoadResult:
            return run_load(
                server.base_url,
                calls,
                clients=options.clients,
                expected=expected,
                max_seconds=MAX_SECONDS,
                server=server,
            )

        with sampler:
            with step("warm-up", prep):
                load(warm_me, 200)
                warm = load(warm_posts, 201)
            with step("GET /api/v1/me", prep):
                ref = load(me, 200)
            with step("POST proposals", prep):
                got = load(posts, 201)
        if server.process.poll() is not None:
            raise BenchError(f"the server died during the load:\n{server.log_tail()}")
    problem = _check_ledger(target, market, warm.succeeded + got.succeeded)
    report = _report(target, options, market, ref, got, sampler, prep, problem)
    if got.sent > got.succeeded or ref.sent > ref.succeeded:
        report.notes += [f"[red]server log[/] {line}" for line in server.exceptions()]
    return report


def _report(
    target: BenchDatabase,
    options: Options,
    market: Marketplace,
    ref: LoadResult,
    got: LoadResult,
    sampler: MemorySampler,
    prep: dict[str, float],
    problem: str | None,
) -> Report:
    report = Report(
        f"proposals — {target.label}, {options.clients} concurrent clients, "
        f"{options.requests:,} requests each"
    )
    share = got.throughput / ref.throughput if ref.throughput else 0.0
    report.add(
        Figure(
            "POST proposals (successful requests/s)",
            f"{got.throughput:,.0f}/s",
            f"{ref.throughput:,.0f}/s",
            f"{share:.0%}",
            f"≥ {RATIO_TARGET:.0%} of GET /me",
            verdict(share >= RATIO_TARGET),
        )
    )
    for label, p in (("p50", 50), ("p99", 99)):
        value, reference = percentile(got.latencies, p), percentile(ref.latencies, p)
        report.add(
            Figure(f"latency {label}", ms(value), ms(reference), f"{value / reference:.2f}×")
        )
    if got.server_cpu is not None and ref.server_cpu is not None:
        per_post = got.server_cpu / max(got.sent, 1)
        per_me = ref.server_cpu / max(ref.sent, 1)
        report.add(
            Figure("server CPU per request", ms(per_post), ms(per_me), f"{per_post / per_me:.2f}×")
        )
    report.add(
        Figure(
            "errors (answers other than 201 / 200)",
            f"{got.sent - got.succeeded:,} of {got.sent:,}",
            f"{ref.sent - ref.succeeded:,} of {ref.sent:,}",
        )
    )
    if sampler.available:
        peak = sampler.peak_kib / 1024
        report.add(
            Figure(
                "server peak RSS",
                f"{peak:,.0f} MB",
                target=f"≤ {RSS_TARGET_MB} MB",
                verdict=verdict(peak <= RSS_TARGET_MB),
            )
        )
    report.notes += [
        f"data: {market.freelancers:,} freelancers with {CONNECTS_PER_FREELANCER:,} Connects, "
        f"{market.jobs:,} open jobs, {CLIENT_ACCOUNTS} clients; {market.warmup} requests per "
        "endpoint to warm up first",
        "reference: GET /api/v1/me (bearer token, Connects balance) on the same server; "
        "the load generator shares the machine's cores with the server and the database",
        "ledger check: " + (problem or "one proposal per 201, every Connect accounted for"),
        "timings: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in prep.items()),
    ]
    for line in got.errors + ref.errors:
        report.notes.append(f"[red]error[/] {line}")
    if min(ref.sent, got.sent) < options.requests:
        report.notes.append(f"stopped at the {MAX_SECONDS:.0f} s limit before every request")
    return report
