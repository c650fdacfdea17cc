"""Job search over the open jobs (quality.md §1, row "Job search over the open jobs of M").

200 queries of 1–3 words drawn from the open jobs' own vocabulary by frequency (so the Zipf
head dominates, as in real traffic), each with one filter in turn (budget type, category,
experience level, one skill), run through ``workhall.jobs.search.search_jobs``: the top 20 by
relevance and the total counted up to 1,000. The reference is the raw full-text query alone
over the same words, measured in the same run: FTS5 ``MATCH`` ordered by the same weighted
``bm25`` on SQLite, ``document @@ plainto_tsquery`` ordered by ``ts_rank`` on PostgreSQL,
``LIMIT 20`` on both, no filter, no count, no ORM.

Targets: p50 ≤ 50 ms, p99 ≤ 300 ms, and ≤ 1.5× the reference.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.bulk import analyze
from bench.common import (
    BenchDatabase,
    BenchError,
    Figure,
    Options,
    Report,
    console,
    ms,
    percentile,
    ratio,
    step,
    verdict,
)
from bench.marketplace import (
    SCALES,
    SearchData,
    anchor_now,
    build_jobs,
    check_index,
    rng_for,
    write_search_index,
)
from workhall import catalog
from workhall.core.settings import Settings
from workhall.jobs import rules as job_rules
from workhall.jobs.fulltext import FTS_TABLE, STOP_WORDS, fts5_match, query_terms
from workhall.jobs.search import SQLITE_RANK, JobFilters, search_jobs

QUERIES = 200
PAGE_SIZE, COUNT_CAP = 20, 1_000  # spec: marketplace.md §2 — 20 a page, total up to 1,000
FILTER_KINDS = ("budget_type", "category", "experience_level", "skills")
INDEX_SAMPLE = 200
P50_TARGET, P99_TARGET, RATIO_TARGET = 0.050, 0.300, 1.5

REFERENCE_SQL = {
    "sqlite": (
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :query "
        f"ORDER BY {SQLITE_RANK} LIMIT {PAGE_SIZE}"
    ),
    "postgresql": (
        f"SELECT job_id FROM {FTS_TABLE} WHERE document @@ plainto_tsquery('english', :query) "
        f"ORDER BY ts_rank(document, plainto_tsquery('english', :query), 1) DESC "
        f"LIMIT {PAGE_SIZE}"
    ),
}


@dataclass(frozen=True)
class Query:
    words: str
    kind: str  # which filter
    filters: JobFilters

    def describe(self) -> str:
        f = self.filters
        value = {
            "budget_type": f.budget_type,
            "category": f.category,
            "experience_level": f.experience_level,
            "skills": ",".join(f.skills),
        }[self.kind]
        return f"{self.words!r} {self.kind}={value}"

    def reference_param(self, dialect: str) -> str:
        terms = query_terms(self.words)
        return fts5_match(terms) if dialect == "sqlite" else " ".join(terms)


def _weighted(counts: Counter[str]) -> tuple[list[str], list[int]]:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [k for k, _ in items], [v for _, v in items]


def make_queries(data: SearchData, seed: int, count: int = QUERIES) -> list[Query]:
    """Queries of 1–3 distinct words, one filter each.

    Each query's words are tokens picked at random from one open job's text (stop words and
    numbers left out), so a word is drawn as often as it occurs in the open jobs — the Zipf
    head dominates — and the words of one query belong together, as a searcher's do.
    """
    rng = rng_for(seed, "queries")
    skills, skill_weights = _weighted(data.skill_counts)
    queries = []
    for i in range(count):
        tokens = [
            w
            for w in " ".join(data.documents[rng.choice(data.open_ids)]).split()
            if w not in STOP_WORDS and not w.isdigit()
        ]
        wanted = min(rng.choice((1, 2, 3)), len(set(tokens)))
        picked: list[str] = []
        while len(picked) < wanted:
            word = rng.choice(tokens)
            if word not in picked:
                picked.append(word)
        q = " ".join(picked)
        kind = FILTER_KINDS[i % len(FILTER_KINDS)]
        queries.append(Query(q, kind, _filter(rng, kind, q, skills, skill_weights)))
    return queries


def _filter(
    rng: random.Random, kind: str, q: str, skills: list[str], skill_weights: list[int]
) -> JobFilters:
    if kind == "budget_type":
        return JobFilters(q=q, budget_type=rng.choice(job_rules.BUDGET_TYPES))
    if kind == "category":
        return JobFilters(q=q, category=rng.choice(list(catalog.CATEGORIES)))
    if kind == "experience_level":
        return JobFilters(q=q, experience_level=rng.choice(list(job_rules.EXPERIENCE_LEVELS)))
    return JobFilters(q=q, skills=(rng.choices(skills, skill_weights)[0],))


@dataclass
class Timings:
    search: list[float]
    reference: list[float]
    totals: list[int]
    capped: list[bool]
    by_kind: dict[str, list[float]]


def _time_search(
    target: BenchDatabase, settings: Settings, query: Query
) -> tuple[float, int, bool]:
    with Session(target.database.engine) as session:
        session.connection()  # check the connection out before the clock starts
        started = time.perf_counter()
        page = search_jobs(session, settings, query.filters)
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed, page.total, page.total_capped


def _time_reference(target: BenchDatabase, query: Query) -> float:
    sql = text(REFERENCE_SQL[target.kind])
    with Session(target.database.engine) as session:
        session.connection()
        started = time.perf_counter()
        session.execute(sql, {"query": query.reference_param(target.kind)}).all()
        elapsed = time.perf_counter() - started
        session.rollback()
    return elapsed


def measure(target: BenchDatabase, settings: Settings, queries: list[Query]) -> Timings:
    """One untimed pass over every query (warm caches for both sides), then one timed pass
    that alternates which of the two runs first."""
    for query in queries:
        _time_search(target, settings, query)
        _time_reference(target, query)
    timings = Timings([], [], [], [], {kind: [] for kind in FILTER_KINDS})
    for i, query in enumerate(queries):
        if i % 2:
            reference = _time_reference(target, query)
            elapsed, total, capped = _time_search(target, settings, query)
        else:
            elapsed, total, capped = _time_search(target, settings, query)
            reference = _time_reference(target, query)
        timings.search.append(elapsed)
        timings.reference.append(reference)
        timings.totals.append(total)
        timings.capped.append(capped)
        timings.by_kind[query.kind].append(elapsed)
    return timings


def bench_settings(workdir: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="production",
        data_dir=workdir,
        secret_key="bench",
        search_page_size=PAGE_SIZE,
        search_count_cap=COUNT_CAP,
    )


def run(target: BenchDatabase, options: Options, workdir: Path) -> Report:
    scale, seed = SCALES[options.scale], options.seed
    prep: dict[str, float] = {}
    console.print(f"\n[bold]search[/] on {target.label}, scale {scale.name}: {scale.description}")
    now = anchor_now()
    with step("generate and load jobs", prep):
        data = build_jobs(target, scale, seed, now)
    with step("build the search index", prep):
        write_search_index(target, data.documents)
    with step("analyze", prep):
        analyze(target)
    sample = rng_for(seed, "index-check").sample(
        data.open_ids, min(INDEX_SAMPLE, len(data.open_ids))
    )
    differ = check_index(target, sample)
    if differ:
        raise BenchError(
            f"{differ} of {len(sample)} bulk-indexed documents differ from index_job's"
        )
    queries = make_queries(data, seed)
    with step("queries (warm-up + timed)", prep):
        t = measure(target, bench_settings(workdir), queries)

    report = Report(f"search — {target.label}, scale {scale.name} ({scale.description})")
    for label, p, target_s in (("p50", 50, P50_TARGET), ("p99", 99, P99_TARGET)):
        value, ref = percentile(t.search, p), percentile(t.reference, p)
        report.add(
            Figure(
                f"search_jobs {label}",
                ms(value),
                ms(ref),
                ratio(value, ref),
                f"≤ {target_s * 1000:.0f} ms",
                verdict(value <= target_s),
            )
        )
    report.add(
        Figure(
            "search_jobs max",
            ms(max(t.search)),
            ms(max(t.reference)),
            ratio(max(t.search), max(t.reference)),
        )
    )
    for label, p in (("p50", 50), ("p99", 99)):
        value, ref = percentile(t.search, p), percentile(t.reference, p)
        report.add(
            Figure(
                f"ratio to raw FTS ({label})",
                f"{value / ref:.2f}×",
                target=f"≤ {RATIO_TARGET}×",
                verdict=verdict(value / ref <= RATIO_TARGET),
            )
        )
    by_kind = ", ".join(
        f"{kind} {ms(percentile(v, 50))} / {ms(percentile(v, 99))}" for kind, v in t.by_kind.items()
    )
    zero = sum(1 for total in t.totals if total == 0)
    slowest = sorted(range(len(queries)), key=lambda i: t.search[i], reverse=True)[:3]
    report.notes += [
        f"{len(queries)} queries of 1–3 words drawn by frequency from the open jobs' "
        f"{len(data.term_counts):,} distinct words; reference: {REFERENCE_SQL[target.kind]}",
        f"p50 / p99 by filter: {by_kind}",
        f"totals: median {statistics.median(t.totals):,.0f}, {sum(t.capped)} queries at 1,000+, "
        f"{zero} with no result",
        "slowest: "
        + "; ".join(
            f"{queries[i].describe()} → {t.totals[i]:,}{'+' if t.capped[i] else ''} "
            f"in {ms(t.search[i])} (raw FTS {ms(t.reference[i])})"
            for i in slowest
        ),
        f"index check: {len(sample) - differ}/{len(sample)} bulk-loaded documents identical to "
        "index_job's",
        "preparation: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in prep.items()),
    ]
    return report
