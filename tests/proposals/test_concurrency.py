"""No double spend and the proposal cap under real concurrency (quality.md §2).

Real threads, each with its own session and transaction on the real database (SQLite and
PostgreSQL), released together by a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer
from tests.proposals.conftest import make_job, set_balance
from workhall.accounts.models import User
from workhall.connects.models import ConnectsLot, ConnectsSpend
from workhall.connects.service import connects_balance
from workhall.core.db import Database
from workhall.core.errors import Problem
from workhall.jobs.models import Job
from workhall.proposals import service
from workhall.proposals.models import Proposal

pytestmark = pytest.mark.concurrency
LETTER = "Racing for the last Connects, with a cover letter all the same."


def race(database: Database, calls: list[Callable[..., object]]) -> Counter[str]:
    """Run each call in its own thread and unit of work, all released at once."""
    barrier = threading.Barrier(len(calls))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(call: Callable[..., object]) -> None:
        barrier.wait()
        try:
            with database.unit_of_work() as session:
                call(session)
            result = "ok"
        except Problem as exc:
            result = str(exc.status)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result = f"crash: {exc!r}"
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_fifty_concurrent_proposals_spend_exactly_the_balance(committed_db, settings):
    """quality.md §2 "No double spend": 50 concurrent proposals from one freelancer whose
    balance covers k of them → exactly k succeed, the balance is exact."""
    k = 7
    with committed_db.unit_of_work() as db:
        client = make_client(db, settings)
        freelancer = make_freelancer(db, settings)
        # two lots, so the spend crosses lots: 10 at sign-up + 4 awarded = 14 = 7 × 2
        set_balance(db, settings, freelancer, 2 * k)
        job_ids = [make_job(db, settings, client, budget_cents=4_000).id for _ in range(50)]
        assert db.get(Job, job_ids[0]).connects_cost == 2  # < $50 → 2 Connects (§4.2)
        fid = freelancer.id

    def submit(job_id: int) -> Callable[..., object]:
        def call(session):
            user = session.get(User, fid)
            return service.submit_proposal(session, settings, user, job_id, LETTER, 3_000)

        return call

    outcomes = race(committed_db, [submit(j) for j in job_ids])
    assert outcomes == Counter({"ok": k, "402": 50 - k})

    with committed_db.unit_of_work(write=False) as db:
        assert connects_balance(db, fid) == 0
        assert db.scalar(select(func.count()).select_from(Proposal)) == k
        spent = db.scalar(
            select(func.sum(ConnectsSpend.amount)).where(ConnectsSpend.user_id == fid)
        )
        assert spent == 2 * k
        remaining = db.scalars(select(ConnectsLot.remaining).where(ConnectsLot.user_id == fid))
        assert all(r >= 0 for r in remaining)
        # every proposal is paid by exactly its price
        per_proposal = db.execute(
            select(ConnectsSpend.proposal_id, func.sum(ConnectsSpend.amount)).group_by(
                ConnectsSpend.proposal_id
            )
        ).all()
        assert sorted(a for _, a in per_proposal) == [2] * k
        assert sum(db.scalars(select(Job.proposal_count))) == k


def test_sixty_freelancers_race_for_a_jobs_fifty_places(committed_db, settings):
    """spec: marketplace.md §2 — "A job accepts proposals only while open and under 50"."""
    with committed_db.unit_of_work() as db:
        job_id = make_job(db, settings).id
        ids = [make_freelancer(db, settings).id for _ in range(60)]

    def submit(fid: int) -> Callable[..., object]:
        def call(session):
            user = session.get(User, fid)
            return service.submit_proposal(session, settings, user, job_id, LETTER, 3_000)

        return call

    outcomes = race(committed_db, [submit(f) for f in ids])
    assert outcomes == Counter({"ok": 50, "409": 10})
    with committed_db.unit_of_work(write=False) as db:
        assert db.get(Job, job_id).proposal_count == 50
        assert db.scalar(select(func.count()).select_from(Proposal)) == 50
        balances = Counter(connects_balance(db, f) for f in ids)
        assert balances == Counter({6: 50, 10: 10})


def test_racing_boosts_keep_exactly_four_slots(committed_db, settings):
    """Eight bidders raise at once: the auction stays consistent — four holders, every loser's
    hold back in its balance."""
    with committed_db.unit_of_work() as db:
        job_id = make_job(db, settings).id
        people = []
        for _ in range(8):
            f = make_freelancer(db, settings)
            set_balance(db, settings, f, 30)
            p = service.submit_proposal(db, settings, f, job_id, LETTER, 3_000).proposal
            people.append((f.id, p.id))

    def bid(fid: int, pid: int, amount: int) -> Callable[..., object]:
        def call(session):
            return service.place_boost(session, settings, session.get(User, fid), pid, amount)

        return call

    outcomes = race(committed_db, [bid(f, p, 2 + i % 4) for i, (f, p) in enumerate(people)])
    assert outcomes["ok"] >= 4 and set(outcomes) <= {"ok", "409"}
    with committed_db.unit_of_work(write=False) as db:
        proposals = [db.get(Proposal, p) for _, p in people]
        held = [p for p in proposals if p.boost_state == "held"]
        assert len(held) == 4
        for fid, pid in people:
            p = db.get(Proposal, pid)
            expected = 30 - 4 - (p.boost_connects if p.boost_state == "held" else 0)
            assert connects_balance(db, fid) == expected


def test_concurrent_api_proposals_with_idempotency_keys_never_deadlock(committed_db, settings):
    """The same freelancer sending proposals to several jobs at once through the API, each with
    its own Idempotency-Key: every one succeeds (the key's row references the user, and the
    wallet lock must not deadlock against that reference on PostgreSQL)."""
    from fastapi.testclient import TestClient

    from tests.factories import api_headers
    from workhall.app import create_app

    n = 12
    with committed_db.unit_of_work() as db:
        client = make_client(db, settings)
        freelancer = make_freelancer(db, settings)
        set_balance(db, settings, freelancer, 2 * n)
        job_ids = [make_job(db, settings, client, budget_cents=4_000).id for _ in range(n)]
        headers = api_headers(db, settings, freelancer)
        fid = freelancer.id
    app = create_app(settings=settings, database=committed_db)
    barrier = threading.Barrier(n)
    codes: Counter[int] = Counter()
    lock = threading.Lock()

    def post(i: int) -> None:
        with TestClient(app, raise_server_exceptions=False) as http:
            barrier.wait()
            r = http.post(
                f"/api/v1/jobs/{job_ids[i]}/proposals",
                json={"cover_letter": LETTER, "bid_cents": 3_000},
                headers={**headers, "Idempotency-Key": f"proposal-{i}"},
            )
        with lock:
            codes[r.status_code] += 1

    threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert codes == Counter({201: n})
    with committed_db.unit_of_work(write=False) as db:
        assert connects_balance(db, fid) == 0
