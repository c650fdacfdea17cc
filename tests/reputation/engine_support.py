"""Helpers for the evaluation engine tests: a small seeded history in the import format,
importing it, and the results the pure rules give for it (the oracle)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from sqlalchemy import select

from workhall.accounts.models import User
from workhall.core.db import Database
from workhall.core.settings import Settings
from workhall.reputation import rules
from workhall.reputation.facts import PreviousResult
from workhall.reputation.history import History, parse_history, to_facts
from workhall.reputation.importer import import_history
from workhall.reputation.models import Evaluation

START = datetime(2024, 9, 20, tzinfo=UTC)
END = datetime(2026, 10, 10, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def history_lines(seed: int = 7, freelancers: int = 12, clients: int = 6) -> list[str]:
    """A varied history: strong and weak freelancers, long-term contracts, private and public
    feedback, disputes, holds, a restricted client, new accounts fit for Rising Talent."""
    rng = Random(seed)
    out: list[dict[str, Any]] = []
    for c in range(clients):
        out.append(
            {"type": "user", "id": f"c{c}", "role": "client", "name": f"Client {c}",
             "country": "US", "created_at": iso(START)}
        )  # fmt: skip
    out.append({"type": "client_status", "user": "c5", "at": iso(START + timedelta(days=400)),
                "status": "restricted"})  # fmt: skip
    contract_no = 0
    for f in range(freelancers):
        span = (END - START).days
        created = START + timedelta(days=rng.randint(0, span - 20) if f % 3 else rng.randint(0, 60))
        fid = f"f{f:02d}"
        out.append({"type": "user", "id": fid, "role": "freelancer", "name": f"Free {f}",
                    "country": "DE", "created_at": iso(created)})  # fmt: skip
        out.append({"type": "profile", "user": fid, "at": iso(created + timedelta(hours=5)),
                    "completeness": rng.choice([100, 100, 100, 86])})  # fmt: skip
        for kind in ("identity", "phone"):
            if rng.random() < 0.85:
                out.append({"type": "verification", "user": fid, "kind": kind,
                            "at": iso(created + timedelta(days=1))})  # fmt: skip
        if rng.random() < 0.7:
            out.append({"type": "readiness_test", "user": fid,
                        "at": iso(created + timedelta(days=2)), "passed": True})  # fmt: skip
        if rng.random() < 0.15:
            hold = created + timedelta(days=rng.randint(30, 300))
            out.append({"type": "hold", "user": fid, "from": iso(hold),
                        "until": iso(hold + timedelta(days=20))})  # fmt: skip
        room = (END - created).days
        strong = f % 2 == 0
        for _ in range(rng.randint(8, 16) if strong else rng.randint(0, 6)):
            contract_no += 1
            cid = f"k{contract_no}"
            started = created + timedelta(days=rng.randint(1, max(2, room - 5)))
            length = rng.choice([10, 30, 60, 120, 200])
            ended = started + timedelta(days=length)
            ongoing = ended > END or rng.random() < 0.15
            out.append({"type": "contract", "id": cid, "client": f"c{rng.randrange(clients)}",
                        "freelancer": fid, "kind": rng.choice(["fixed", "hourly"]),
                        "started_at": iso(started),
                        "ended_at": None if ongoing else iso(ended)})  # fmt: skip
            last = min(ended, END) if not ongoing else END
            for _p in range(rng.randint(0 if not strong else 1, 4)):
                at = started + timedelta(days=rng.randint(0, max(0, (last - started).days)))
                cents = rng.choice([5_000, 30_000, 90_000, 250_000])
                out.append(
                    {"type": "payment", "contract": cid, "at": iso(at), "amount_cents": cents}
                )
            if not ongoing and rng.random() < 0.9:
                good = rng.random() < (0.97 if strong else 0.5)
                out.append({"type": "feedback", "contract": cid, "from": "client",
                            "at": iso(ended + timedelta(days=3)),
                            "public_score": rng.choice([5, 4.8] if good else [4.2, 3.5, 2]),
                            "private_score": rng.choice([10, 9, None] if good
                                                        else [8, 5, None])})  # fmt: skip
            if not ongoing and rng.random() < (0.02 if strong else 0.1):
                out.append({"type": "dispute", "contract": cid,
                            "decided_at": iso(ended + timedelta(days=5)),
                            "outcome": rng.choice(["client_won", "freelancer_won"])})  # fmt: skip
        for _ in range(rng.randint(0, 5)):
            at = created + timedelta(days=rng.randint(0, room))
            out.append({"type": "proposal", "user": fid, "at": iso(at)})
    rng.shuffle(out)
    return [json.dumps(line) for line in out]


def import_lines(database: Database, settings: Settings, lines: list[str]) -> History:
    history = parse_history(lines)
    with database.unit_of_work() as session:
        import_history(session, settings, history)
    return history


def oracle(history: History, until: datetime) -> dict[tuple[str, datetime], tuple]:
    """(handle, instant) → (jss, earned, level, at_risk, arm) by the pure rules alone."""
    facts, statuses = to_facts(history)
    first = min(u.created_at for u in history.users.values())
    previous: dict[str, PreviousResult] = {}
    out: dict[tuple[str, datetime], tuple] = {}
    for instant in rules.evaluation_instants(first, until):
        for key, h in sorted(facts.items()):
            if h.created_at > instant:
                continue
            r = rules.evaluate(h, instant, previous.get(key, PreviousResult()), statuses)
            previous[key] = PreviousResult(r.level, r.at_risk)
            arm = rules.pilot_arm(h.handle) if r.rising_talent_eligible else None
            out[(h.handle, instant)] = (r.jss, r.earned, r.level, r.at_risk, arm)
    return out


def stored(database: Database) -> dict[tuple[str, datetime], tuple]:
    with database.unit_of_work(write=False) as session:
        rows = session.execute(
            select(
                User.handle,
                Evaluation.instant,
                Evaluation.jss,
                Evaluation.earned_level,
                Evaluation.level,
                Evaluation.at_risk,
                Evaluation.rising_talent,
            ).join(User, User.id == Evaluation.user_id)
        ).all()
    out: dict[tuple[str, datetime], tuple] = {}
    for handle, instant, *rest in rows:
        key = (handle, instant)
        assert key not in out, f"{key} evaluated twice"
        out[key] = tuple(rest)
    return out
