"""A seeded, reproducible marketplace history in the import format (interfaces.md §3).

``generate(seed, scale)`` yields JSON Lines for about two years before ``END``; the same seed
and scale give the same lines, byte for byte. Scales (quality.md §1): ``tiny`` (20
freelancers, for tests), ``S`` (1,000 freelancers, 500 clients, ~10,000 contracts, ~40,000
payments) and ``M`` (100,000 freelancers, 30,000 clients, ~1,000,000 contracts). It streams:
memory grows with the number of clients, not with the number of lines.

Freelancers follow archetypes so evaluations meet every case: ``star`` (consistently great;
the biggest earn Top Rated Plus through one large client), ``good`` (mostly positive),
``declining`` (great, then recent negative outcomes: at risk or lost), ``rising`` (young,
verified, readiness passed, complete profile, no JSS: Rising Talent), ``casual`` (few
contracts, incomplete profiles). Clients include restricted, banned and reinstated ones; some
accounts get holds (a few still open); some contracts are disputed and lost, some are
long-term, some carry several client feedback records.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workhall.catalog import COUNTRIES

END = datetime(2026, 11, 1, tzinfo=UTC)  # the fixed end instant of every generated history
SPAN = timedelta(days=730)
START = END - SPAN
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Scale:
    freelancers: int
    clients: int


SCALES = {
    "tiny": Scale(freelancers=20, clients=12),
    "S": Scale(freelancers=1_000, clients=500),
    "M": Scale(freelancers=100_000, clients=30_000),
}

# archetype: (share of freelancers, contracts on average, positive share, age in days (lo, hi))
ARCHETYPES: dict[str, tuple[float, int, float, tuple[int, int]]] = {
    "star": (0.22, 20, 0.97, (500, 730)),
    "good": (0.33, 12, 0.8, (200, 730)),
    "declining": (0.12, 12, 0.95, (400, 730)),
    "rising": (0.13, 1, 1.0, (20, 300)),
    "casual": (0.20, 3, 0.6, (30, 730)),
}
FIRST_ARCHETYPES = ("star", "star", "declining", "rising", "rising", "good", "casual")
FIRST = ("Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jia", "Kofi")
LAST = ("Silva", "Okafor", "Novak", "Haddad", "Kim", "Rossi", "Dubois", "Smith", "Tanaka", "Diaz")


def _t(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(line_type: str, /, **fields: Any) -> str:
    return json.dumps({"type": line_type, **fields}, separators=(",", ":"))


class _Gen:
    def __init__(self, seed: int, scale: Scale) -> None:
        self.r = random.Random(f"workhall-history:{seed}")
        self.scale = scale
        self.countries = sorted(COUNTRIES)
        self.contract_no = 0

    def when(self, lo: datetime, hi: datetime) -> datetime:
        """A whole second in [lo, hi]."""
        span = max(int((hi - lo).total_seconds()), 0)
        return (lo + timedelta(seconds=self.r.randint(0, span))).replace(microsecond=0)

    def name(self) -> str:
        return f"{self.r.choice(FIRST)} {self.r.choice(LAST)}"

    # --- clients ------------------------------------------------------------------------------

    def clients(self) -> Iterator[str]:
        r = self.r
        self.client_ids = [f"c{i:06d}" for i in range(1, self.scale.clients + 1)]
        # A share of clients stays a big spender: Top Rated Plus needs one large client.
        self.big_clients = self.client_ids[: max(2, len(self.client_ids) // 20)]
        self.client_created: dict[str, datetime] = {}
        statuses: list[str] = []
        for cid in self.client_ids:
            created = self.when(START - timedelta(days=200), START + timedelta(days=300))
            self.client_created[cid] = created
            yield _line(
                "user",
                id=cid,
                role="client",
                name=self.name(),
                country=r.choice(self.countries),
                created_at=_t(created),
            )
            if r.random() < 0.8:
                yield _line("verification", user=cid, kind="phone", at=_t(created + DAY))
            roll = r.random()
            if cid in self.big_clients:
                continue
            # Every history, even a tiny one, has a banned, a restricted and a reinstated client.
            roll = {0: 0.0, 1: 0.04, 2: 0.07}.get(
                self.client_ids.index(cid) - len(self.big_clients), roll
            )
            if roll < 0.03:  # restricted, then banned after the 30-day appeal window
                at = self.when(START + timedelta(days=200), END - timedelta(days=60))
                statuses.append(_line("client_status", user=cid, at=_t(at), status="restricted"))
                ban = at + timedelta(days=30)
                statuses.append(_line("client_status", user=cid, at=_t(ban), status="banned"))
            elif roll < 0.06:  # restricted, still
                at = self.when(START + timedelta(days=300), END - DAY)
                statuses.append(_line("client_status", user=cid, at=_t(at), status="restricted"))
            elif roll < 0.08:  # restricted, then reinstated on appeal
                at = self.when(START + timedelta(days=100), END - timedelta(days=120))
                statuses.append(_line("client_status", user=cid, at=_t(at), status="restricted"))
                back = at + timedelta(days=r.randint(5, 29))
                statuses.append(_line("client_status", user=cid, at=_t(back), status="active"))
        yield from statuses

    # --- freelancers ----------------------------------------------------------------------------

    def archetype(self, n: int) -> str:
        roll, acc = self.r.random(), 0.0
        if n <= len(FIRST_ARCHETYPES):  # every history has each archetype
            return FIRST_ARCHETYPES[n - 1]
        for name, (share, *_rest) in ARCHETYPES.items():
            acc += share
            if roll < acc:
                return name
        return "casual"

    def freelancer(self, n: int) -> Iterator[str]:
        r = self.r
        fid = f"f{n:06d}"
        kind = self.archetype(n)
        _share, mean_contracts, positive, (age_lo, age_hi) = ARCHETYPES[kind]
        created = (END - timedelta(days=r.randint(age_lo, age_hi))).replace(
            hour=r.randint(0, 23), minute=r.randint(0, 59)
        )
        yield _line(
            "user",
            id=fid,
            role="freelancer",
            name=self.name(),
            country=r.choice(self.countries),
            created_at=_t(created),
        )
        yield from self.profile(fid, kind, created)
        yield from self.holds(fid, created, n)
        contracts = max(0, round(r.gauss(mean_contracts, mean_contracts / 3)))
        if kind == "rising":
            contracts = r.choice((0, 0, 1))
        active_from = created + timedelta(days=r.randint(3, 40))
        if active_from >= END - 7 * DAY:
            contracts = 0
        big = kind == "star" and r.random() < 0.35
        for i in range(contracts):
            yield from self.contract(fid, kind, positive, active_from, big and i < 3)
        yield from self.proposals(fid, kind, created, contracts)

    def profile(self, fid: str, kind: str, created: datetime) -> Iterator[str]:
        r = self.r
        yield _line("profile", user=fid, at=_t(created + timedelta(hours=1)), completeness=29)
        full = kind != "casual" or r.random() < 0.2
        later = min(created + timedelta(days=r.randint(1, 20)), END - DAY)
        value = 100 if full else r.choice((43, 57, 71, 86))
        yield _line("profile", user=fid, at=_t(later), completeness=value)
        if kind != "casual" or r.random() < 0.5:
            yield _line("verification", user=fid, kind="phone", at=_t(later))
        if kind in ("star", "good", "declining", "rising") and r.random() < 0.95:
            at = min(later + timedelta(days=r.randint(1, 10)), END - DAY)
            yield _line("verification", user=fid, kind="identity", at=_t(at))
        if kind == "rising" or r.random() < 0.15:
            at = min(created + timedelta(days=r.randint(1, 15)), END - DAY)
            if r.random() < 0.2:  # failed once, passed on a retake after 24 h
                yield _line("readiness_test", user=fid, at=_t(at), passed=False)
                at = min(at + timedelta(days=2), END - DAY)
            yield _line("readiness_test", user=fid, at=_t(at), passed=True)

    def holds(self, fid: str, created: datetime, n: int) -> Iterator[str]:
        r = self.r
        roll = {6: 0.01, 7: 0.025}.get(n, r.random())  # a lifted and an open hold, always
        if roll < 0.02:
            start = self.when(max(created, START), END - timedelta(days=30))
            until = start + timedelta(days=r.randint(5, 60))
            yield _line("hold", user=fid, **{"from": _t(start)}, until=_t(min(until, END)))
        elif roll < 0.03:
            start = self.when(max(created, END - timedelta(days=120)), END - DAY)
            yield _line("hold", user=fid, **{"from": _t(start)}, until=None)

    def contract(
        self, fid: str, kind: str, positive: float, active_from: datetime, big: bool
    ) -> Iterator[str]:
        r = self.r
        self.contract_no += 1
        cid = f"k{self.contract_no:07d}"
        client = r.choice(self.big_clients) if big else r.choice(self.client_ids)
        hourly = big or r.random() < 0.4
        start_lo = max(active_from, self.client_created[client])
        started = self.when(start_lo, max(start_lo, END - 7 * DAY))
        if hourly:
            length = timedelta(days=r.randint(30, 420) if big or r.random() < 0.5 else 30)
        else:
            length = timedelta(days=r.randint(5, 60))
        ended: datetime | None = started + length
        if ended is not None and (ended > END or (hourly and r.random() < 0.1)):
            ended = None
        yield _line(
            "contract",
            id=cid,
            client=client,
            freelancer=fid,
            kind="hourly" if hourly else "fixed",
            started_at=_t(started),
            ended_at=_t(ended) if ended else None,
        )
        last = ended or END
        times: list[datetime] = []
        if hourly:
            at = started + timedelta(days=r.randint(7, 14))
            while at <= last:
                times.append(at)
                at += timedelta(days=r.randint(10, 28))
        else:
            times = sorted(self.when(started, last) for _ in range(r.randint(1, 3)))
        for at in times:
            if big:
                cents = r.randint(150_000, 400_000)
            elif hourly:
                cents = r.randint(20_000, 150_000)
            else:
                cents = r.randint(5_000, 250_000) // len(times)
            yield _line("payment", contract=cid, at=_t(at), amount_cents=max(cents, 100))
        # Outcomes: the declining archetype turns negative in its last quarter.
        good = r.random() < positive
        if kind == "declining" and started > END - timedelta(days=100):
            good = r.random() < 0.4
        if r.random() < 0.02 and times:
            outcome = r.choice(("client_won", "client_won", "freelancer_won", "split"))
            if kind == "declining" and not good:
                outcome = "client_won"
            decided = min(times[-1] + timedelta(days=r.randint(3, 20)), last)
            yield _line("dispute", contract=cid, decided_at=_t(decided), outcome=outcome)
        if ended is None or r.random() > 0.85:
            return
        first = ended + timedelta(days=r.randint(0, 13), hours=r.randint(0, 23))
        if first > END:
            return
        if r.random() < 0.05:  # an earlier record, replaced by a later one on the same side
            early = self.score(not good)
            yield _line("feedback", contract=cid, **{"from": "client"}, at=_t(first), **early)
            first = min(first + timedelta(days=r.randint(1, 5)), END)
        yield _line(
            "feedback", contract=cid, **{"from": "client"}, at=_t(first), **self.score(good)
        )
        if r.random() < 0.7:
            back = self.score(r.random() < 0.85)
            yield _line("feedback", contract=cid, **{"from": "freelancer"}, at=_t(first), **back)

    def score(self, good: bool) -> dict[str, Any]:
        r = self.r
        if good:
            public = r.randint(440, 500) / 100
            private = r.choice((8, 9, 9, 10, 10, 10))
        else:
            public = r.randint(100, 420) / 100
            private = r.choice((0, 2, 4, 5, 6, 7))
        shape = r.random()
        if shape < 0.15:  # public only
            return {"public_score": public, "private_score": None}
        if shape < 0.25:  # private only
            return {"public_score": None, "private_score": private}
        return {"public_score": public, "private_score": private}

    def proposals(self, fid: str, kind: str, created: datetime, contracts: int) -> Iterator[str]:
        r = self.r
        count = contracts * 2 + (5 if kind == "rising" else r.randint(0, 3))
        lo = max(created, START)
        if kind == "rising":
            lo = max(lo, END - timedelta(days=60))
        for _ in range(count):
            yield _line("proposal", user=fid, at=_t(self.when(lo, END - DAY)))

    def lines(self) -> Iterator[str]:
        yield from self.clients()
        for n in range(1, self.scale.freelancers + 1):
            yield from self.freelancer(n)


def generate(seed: int, scale: str = "tiny") -> Iterator[str]:
    """The history's lines (without newlines) for ``seed`` and ``scale`` (tiny, S or M)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r} (one of {', '.join(SCALES)})")
    return _Gen(seed, SCALES[scale]).lines()


def write(path: Path, seed: int, scale: str = "tiny") -> int:
    """Write the history to ``path``; returns the number of lines."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in generate(seed, scale):
            out.write(line)
            out.write("\n")
            count += 1
    return count
