"""A synthetic marketplace of clients and jobs, reproducible from a seed (quality.md §1).

Job posts are built from the demo's per-category templates (``workhall.demo.content``) and the
skill catalogue, plus free text drawn from a vocabulary with Zipf frequencies: the demo's own
words first (the most frequent ranks), then generated pseudo-words (the long tail, growing
with the data set like a real corpus). Ids follow posting order; the open jobs are the recent
ones (a job expires after 30 days), as on a live marketplace.

Everything random comes from ``random.Random`` seeded with the run's seed and a stream name,
and every date is an offset from an anchor instant, so one seed and one anchor give one data
set.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.bulk import BulkWriter
from bench.common import BenchDatabase, progress
from workhall import catalog
from workhall.accounts.models import ClientProfile, User
from workhall.connects.rules import connects_price_for_job
from workhall.core import security
from workhall.core.settings import DEFAULT_FIXED_PRICE_TABLE, DEFAULT_HOURLY_PRICE_TABLE
from workhall.demo import content
from workhall.jobs import rules as job_rules
from workhall.jobs.fulltext import FTS_TABLE, STOP_WORDS, normalize_text
from workhall.jobs.models import Job, JobSkill
from workhall.jobs.search import PG_DOCUMENT, index_job


@dataclass(frozen=True)
class Scale:
    name: str
    jobs: int
    open_jobs: int
    clients: int

    @property
    def description(self) -> str:
        return f"{self.jobs:,} jobs ({self.open_jobs:,} open), {self.clients:,} clients"


# spec: quality.md §1 — S = 500 clients, 20,000 jobs; M = 30,000 clients, 1,000,000 jobs of
# which 100,000 open. XS is the benchmarks' everyday size: a tenth of M's jobs.
SCALES = {
    "S": Scale("S", jobs=20_000, open_jobs=2_000, clients=500),
    "XS": Scale("XS", jobs=100_000, open_jobs=10_000, clients=3_000),
    "M": Scale("M", jobs=1_000_000, open_jobs=100_000, clients=30_000),
}

ZIPF_EXPONENT, ZIPF_OFFSET = 1.05, 11
CHUNK = 10_000  # jobs generated and written per batch
# One password hash for every generated account (nobody signs in with a password here).
BENCH_PASSWORD = "bench-password-not-used"

_PLACEHOLDER = re.compile(r"\{\w+\}")
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
# Weighted as on a general marketplace: more development and design than finance.
CATEGORY_WEIGHTS = {
    "web-dev": 24,
    "mobile-dev": 10,
    "data-science": 10,
    "design": 14,
    "writing": 12,
    "marketing": 10,
    "admin": 8,
    "devops": 7,
    "finance": 5,
}
EXPERIENCE_WEIGHTS = {"entry": 30, "intermediate": 50, "expert": 20}
CLOSED_WEIGHTS = {"expired": 45, "filled": 40, "cancelled": 12, "removed": 3}

JOB_COLUMNS = (
    "id",
    "client_id",
    "title",
    "description",
    "category",
    "budget_type",
    "budget_cents",
    "hourly_min_cents",
    "hourly_max_cents",
    "duration",
    "experience_level",
    "visibility",
    "status",
    "connects_cost",
    "posted_at",
    "closed_at",
    "close_reason",
    "first_hire_at",
    "last_hire_at",
    "keep_hiring",
    "proposal_count",
)
SKILL_COLUMNS = ("job_id", "skill", "position")
USER_COLUMNS = (
    "id",
    "handle",
    "email",
    "name",
    "country",
    "password_hash",
    "role",
    "staff_roles",
    "status",
    "created_at",
    "email_verified_at",
    "connects_plan",
    "failed_logins",
)


def rng_for(seed: int, stream: str) -> random.Random:
    return random.Random(f"{seed}:{stream}")


def anchor_now() -> datetime:
    """The data set's "now": the start of the current hour (lots and tokens stay valid)."""
    from workhall.core.clock import utcnow

    return utcnow().replace(minute=0, second=0, microsecond=0)


# --- vocabulary ------------------------------------------------------------------------------


def _demo_words() -> list[str]:
    """Every content word of the demo's job texts and of the skill catalogue, the words used
    most by the demo's templates first (ties in first-seen order, so the ranking is stable)."""
    texts: list[str] = []
    for parts in content.CATEGORY_CONTENT.values():
        for key in ("jobs", "things", "openings", "details", "titles"):
            texts.extend(parts[key])
    texts.extend(catalog.SKILLS.values())
    counts: Counter[str] = Counter()
    for piece in texts:
        for word in normalize_text(_PLACEHOLDER.sub(" ", piece)).split():
            if word not in STOP_WORDS and not word.isdigit() and len(word) > 1:
                counts[word] += 1
    first_seen = {word: i for i, word in enumerate(counts)}
    return sorted(counts, key=lambda word: (-counts[word], first_seen[word]))


class Vocabulary:
    """Words with Zipf–Mandelbrot frequencies: rank r is drawn with weight 1 / (r + 10)^1.05.

    The offset keeps the head realistic once stop words are left out (the most frequent
    content word is about 1 % of the words, not 10 %)."""

    def __init__(self, seed: int, tail_size: int) -> None:
        rng = rng_for(seed, "vocabulary")
        head = _demo_words()
        taken = set(head) | STOP_WORDS
        tail: list[str] = []
        while len(tail) < tail_size:
            word = "".join(rng.choices(_SYLLABLES, k=rng.choice((2, 3, 3, 4))))
            if word not in taken:
                taken.add(word)
                tail.append(word)
        self.words = head + tail
        weights = (1 / (rank + ZIPF_OFFSET) ** ZIPF_EXPONENT for rank in range(len(self.words)))
        self.cum_weights = list(itertools.accumulate(weights))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=k)


# --- jobs ------------------------------------------------------------------------------------


@dataclass
class GeneratedJob:
    row: tuple[object, ...]
    skills: list[str]


class JobFactory:
    """Builds job rows (``JOB_COLUMNS`` order) from templates and the vocabulary."""

    def __init__(self, seed: int, vocabulary: Vocabulary, stream: str = "jobs") -> None:
        self.rng = rng_for(seed, stream)
        self.vocabulary = vocabulary
        self.categories = list(CATEGORY_WEIGHTS)
        self.category_weights = list(CATEGORY_WEIGHTS.values())
        self.levels = list(EXPERIENCE_WEIGHTS)
        self.level_weights = list(EXPERIENCE_WEIGHTS.values())
        self.durations = list(job_rules.DURATIONS)
        self.skill_names = {
            cat: [catalog.slugify(s) for s in skills]
            for cat, (_, skills) in catalog.CATEGORIES.items()
        }
        self.all_skills = list(catalog.SKILLS)

    def _sentence(self, low: int, high: int) -> str:
        words = self.vocabulary.draw(self.rng, self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def make(
        self, job_id: int, client_id: int, status: str, posted_at: datetime, *, proposals: int = 0
    ) -> GeneratedJob:
        rng = self.rng
        category = rng.choices(self.categories, self.category_weights)[0]
        parts = content.CATEGORY_CONTENT[category]
        own = self.skill_names[category]
        skills = rng.sample(own, min(len(own), rng.randint(1, 5)))
        if rng.random() < 0.15:
            extra = rng.choice(self.all_skills)
            if extra not in skills:
                skills.append(extra)
        fill = {
            "skill": catalog.skill_name(skills[0]),
            "thing": rng.choice(parts["things"]),
            "n": rng.choice((40, 120, 500, 2_000, 10_000, 50_000)),
        }
        title = rng.choice(parts["jobs"]).format(**fill)
        if rng.random() < 0.4:
            title += " for " + self.vocabulary.draw(rng, 1)[0].capitalize()
        sentences = [rng.choice(parts["openings"]).format(**fill)]
        sentences += [d.format(**fill) for d in rng.sample(parts["details"], 2)]
        sentences += [self._sentence(6, 18) for _ in range(rng.randint(1, 3))]
        rng.shuffle(sentences)
        description = " ".join(sentences)

        budget_type = "fixed" if rng.random() < 0.6 else "hourly"
        duration = rng.choice(self.durations)
        budget = hourly_min = hourly_max = None
        if budget_type == "fixed":
            budget = int(min(max(rng.lognormvariate(11.5, 1.3), 500), 100_000_000)) // 100 * 100
        else:
            hourly_min = rng.randint(5, 60) * 100
            hourly_max = hourly_min + rng.randint(5, 60) * 100
        connects = connects_price_for_job(
            budget_type=budget_type,
            budget_cents=budget,
            duration=duration,
            fixed_table=DEFAULT_FIXED_PRICE_TABLE,
            hourly_table=DEFAULT_HOURLY_PRICE_TABLE,
        )
        closed_at = first_hire = last_hire = None
        if status == "expired":
            closed_at = posted_at + timedelta(days=30)
        elif status != "open":
            closed_at = posted_at + timedelta(hours=rng.randint(2, 29 * 24))
            if status == "filled":
                first_hire = last_hire = closed_at - timedelta(hours=1)
        row = (
            job_id,
            client_id,
            title[:120],
            description,
            category,
            budget_type,
            budget,
            hourly_min,
            hourly_max,
            duration,
            rng.choices(self.levels, self.level_weights)[0],
            "public" if rng.random() < 0.95 else "invite_only",
            status,
            connects,
            posted_at,
            closed_at,
            "Breaks the terms of service" if status == "removed" else None,
            first_hire,
            last_hire,
            False,
            proposals,
        )
        return GeneratedJob(row, skills)


def search_document(job: GeneratedJob) -> tuple[str, str, str]:
    """The normalized (title, skills, description) that ``index_job`` stores for a job."""
    return (
        normalize_text(str(job.row[2])),
        normalize_text(" ".join(catalog.skill_name(s) for s in job.skills)),
        normalize_text(str(job.row[3])),
    )


def job_schedule(scale: Scale, seed: int, now: datetime) -> Iterator[tuple[int, str, datetime]]:
    """(id, status, posted_at) in posting order: two years of closed jobs, then the last
    30 days, where four in five jobs are still open."""
    rng = rng_for(seed, "schedule")
    window = min(scale.jobs, round(scale.open_jobs / 0.8))
    early = scale.jobs - window
    open_positions = set(rng.sample(range(window), scale.open_jobs))
    start, span = now - timedelta(days=730), timedelta(days=700)
    closed, weights = list(CLOSED_WEIGHTS), list(CLOSED_WEIGHTS.values())
    for i in range(early):
        posted = start + span * (i / max(early, 1)) + timedelta(seconds=rng.randint(0, 600))
        yield i + 1, rng.choices(closed, weights)[0], posted
    recent_start = now - timedelta(days=30)
    for k in range(window):
        posted = recent_start + timedelta(days=30) * (k / window)
        posted += timedelta(seconds=rng.randint(0, 60))
        if k in open_positions:
            status = "open"
        else:
            status = "filled" if rng.random() < 0.7 else "cancelled"
        yield early + k + 1, status, min(posted, now)


# --- accounts --------------------------------------------------------------------------------


def _names(rng: random.Random, countries: list[str]) -> tuple[str, str]:
    country = rng.choice(countries)
    name = f"{rng.choice(content.FIRST_NAMES[country])} {rng.choice(content.LAST_NAMES[country])}"
    return name, country


def write_clients(
    writer: BulkWriter, count: int, seed: int, now: datetime, first_id: int = 1
) -> list[int]:
    """Client accounts with profiles (70 % with a verified payment method); returns the ids."""
    rng = rng_for(seed, "clients")
    password_hash = security.hash_password(BENCH_PASSWORD)
    ids = list(range(first_id, first_id + count))
    users, profiles = [], []
    for user_id in ids:
        name, country = _names(rng, content.CLIENT_COUNTRIES)
        created = now - timedelta(days=rng.randint(40, 1500))
        users.append(
            (
                user_id,
                f"client{user_id}",
                f"client{user_id}@bench.invalid",
                name,
                country,
                password_hash,
                "client",
                "",
                "active",
                created,
                created,
                "basic",
                0,
            )
        )
        company = " ".join(rng.choice(part) for part in content.COMPANY_PARTS)
        verified = created + timedelta(days=1) if rng.random() < 0.7 else None
        profiles.append((user_id, company, verified, "4242" if verified else None))
    writer.write(User.__tablename__, USER_COLUMNS, users)
    writer.write(
        ClientProfile.__tablename__,
        ("user_id", "company_name", "payment_method_verified_at", "payment_method_last4"),
        profiles,
    )
    return ids


# --- the search data set ---------------------------------------------------------------------


@dataclass
class SearchData:
    scale: Scale
    vocabulary: Vocabulary
    open_ids: list[int]
    term_counts: Counter[str] = field(default_factory=Counter)
    skill_counts: Counter[str] = field(default_factory=Counter)
    documents: dict[int, tuple[str, str, str]] = field(default_factory=dict)


def build_jobs(target: BenchDatabase, scale: Scale, seed: int, now: datetime) -> SearchData:
    """Write the clients and jobs of ``scale``, keep the open jobs' search documents."""
    vocabulary = Vocabulary(seed, tail_size=5_000 + scale.jobs // 20)
    factory = JobFactory(seed, vocabulary)
    client_rng = rng_for(seed, "job-clients")
    data = SearchData(scale, vocabulary, open_ids=[])
    with BulkWriter(target) as writer, progress() as bar:
        clients = write_clients(writer, scale.clients, seed, now)
        task = bar.add_task(f"jobs ({target.label})", total=scale.jobs)
        schedule = job_schedule(scale, seed, now)
        while True:
            batch = list(itertools.islice(schedule, CHUNK))
            if not batch:
                break
            jobs: list[tuple[object, ...]] = []
            skills: list[tuple[int, str, int]] = []
            for job_id, status, posted in batch:
                job = factory.make(job_id, client_rng.choice(clients), status, posted)
                if status == "open":
                    doc = search_document(job)
                    data.open_ids.append(job_id)
                    data.documents[job_id] = doc
                    data.skill_counts.update(job.skills)
                jobs.append(job.row)
                skills.extend((job_id, s, i) for i, s in enumerate(job.skills))
            writer.write(Job.__tablename__, JOB_COLUMNS, jobs)
            writer.write(JobSkill.__tablename__, SKILL_COLUMNS, skills)
            bar.advance(task, len(batch))
    for doc in data.documents.values():
        data.term_counts.update(
            w for w in " ".join(doc).split() if w not in STOP_WORDS and not w.isdigit()
        )
    return data


def write_search_index(target: BenchDatabase, documents: dict[int, tuple[str, str, str]]) -> None:
    """Fill the full-text index with the open jobs, as ``index_job`` would, in bulk.

    SQLite gets the same ``jobs_fts`` rows ``index_job`` inserts. PostgreSQL gets the
    normalized texts copied into a staging table and turned into documents by the very
    expression ``index_job`` uses (``workhall.jobs.search.PG_DOCUMENT``).
    """
    rows = [(job_id, *doc) for job_id, doc in documents.items()]
    with BulkWriter(target) as writer, progress() as bar:
        task = bar.add_task(f"search index ({target.label})", total=len(rows))
        if target.kind == "sqlite":
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                writer.write(FTS_TABLE, ("rowid", "title", "skills", "description"), chunk)
                bar.advance(task, len(chunk))
            return
        writer.execute(
            "CREATE TEMPORARY TABLE bench_fts_stage "
            "(id BIGINT, title TEXT, skills TEXT, description TEXT) ON COMMIT DROP"
        )
        writer.write("bench_fts_stage", ("id", "title", "skills", "description"), rows)
        document = PG_DOCUMENT
        for name in ("title", "skills", "description"):
            document = document.replace(f":{name}", f"s.{name}")
        writer.execute(
            f"INSERT INTO {FTS_TABLE} (job_id, document) "
            f"SELECT s.id, {document} FROM bench_fts_stage AS s"
        )
        bar.advance(task, len(rows))


def check_index(target: BenchDatabase, job_ids: list[int]) -> int:
    """Re-index a sample of jobs with ``workhall.jobs.search.index_job`` itself and compare
    with what the bulk load stored; returns how many differ (rolled back either way)."""
    if target.kind == "sqlite":
        read = f"SELECT title, skills, description FROM {FTS_TABLE} WHERE rowid = :id"
    else:
        read = f"SELECT document::text FROM {FTS_TABLE} WHERE job_id = :id"
    differ = 0
    with Session(target.database.engine) as session:
        for job_id in job_ids:
            before = session.execute(text(read), {"id": job_id}).one()
            job = session.scalars(select(Job).where(Job.id == job_id)).one()
            index_job(session, job)
            after = session.execute(text(read), {"id": job_id}).one()
            differ += before != after
        session.rollback()
    return differ
