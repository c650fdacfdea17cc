"""``workhall demo`` builds a believable marketplace through the real services (interfaces.md
§2), here at a small size: everyone can sign in with the printed password, the money is in
the ledger and it balances, and the shapes the pages need are there."""

from __future__ import annotations

import io

from rich.console import Console
from sqlalchemy import func, select

from tests.demo.demo_evaluated_checks import check_evaluated
from tests.demo.demo_trust_checks import check_trust_and_safety
from workhall.accounts.models import User
from workhall.accounts.service import authenticate
from workhall.contracts.models import Contract, Milestone
from workhall.demo.generator import DEMO_PASSWORD, DemoRefused, DemoSize, run_demo
from workhall.jobs.models import Job
from workhall.ledger.service import ledger_problems
from workhall.proposals.models import Proposal


def _count(session, model, *where):  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_small_demo(committed_db, settings):
    out = io.StringIO()
    demo = run_demo(
        committed_db,
        settings,
        seed=7,
        if_empty=False,
        console=Console(file=out, width=160),
        size=DemoSize(freelancers=30, clients=8, jobs=40),
    )
    assert demo is not None
    text = out.getvalue()
    assert "freelancer@example.com" in text and DEMO_PASSWORD in text
    with committed_db.unit_of_work() as s:
        assert _count(s, User, User.role == "freelancer") == 30
        assert _count(s, Job) == 40
        assert _count(s, Proposal) > 40
        assert _count(s, Contract) > 0
        assert _count(s, Milestone, Milestone.status == "approved") > 0
        assert ledger_problems(s) == []
        user = authenticate(s, settings, "client@example.com", DEMO_PASSWORD, "127.0.0.1")
        assert user.is_client and user.email_verified
    # the same demo is evaluated and shows trust and support data (one demo per database)
    check_evaluated(committed_db, demo, text)
    check_trust_and_safety(committed_db, text, settings)
    # only an empty database is filled; --if-empty leaves a filled one alone
    assert (
        run_demo(committed_db, settings, seed=7, if_empty=True, console=Console(file=io.StringIO()))
        is None
    )
    try:
        run_demo(committed_db, settings, seed=7, if_empty=False, console=Console(file=out))
    except DemoRefused:
        pass
    else:
        raise AssertionError("a second demo on a filled database must be refused")


def test_trust_sections_leave_the_demo_generator_alone(settings):
    """The sections draw from a generator of their own, seeded from the demo's: the demo's own
    sequence goes on as if they had not run, and the same seed gives the same draws."""
    import random

    from workhall.core.clock import utcnow
    from workhall.demo.generator import Demo
    from workhall.demo.trust import _own_rng

    def draws(seed: int) -> tuple[list[float], list[float]]:
        demo = Demo(random.Random(seed), settings, utcnow(), "hash")
        with _own_rng(demo, "trust"):
            mine = [demo.rng.random() for _ in range(3)]
        return mine, [demo.rng.random() for _ in range(3)]

    mine, after = draws(7)
    untouched = random.Random(7)
    assert after == [untouched.random() for _ in range(3)]
    assert (mine, after) == draws(7) and mine != draws(8)[0] and mine != after
