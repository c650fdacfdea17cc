"""``workhall demo`` builds a believable marketplace through the real services (interfaces.md
§2), here at a small size: everyone can sign in with the printed password, the money is in
the ledger and it balances, and the shapes the pages need are there."""

from __future__ import annotations

import io

from rich.console import Console
from sqlalchemy import func, select

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
        console=Console(file=out, width=120),
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
