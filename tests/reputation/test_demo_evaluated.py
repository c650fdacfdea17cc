"""``workhall demo`` ends evaluated (interfaces.md §2): the printed login is Top Rated with a
JSS, and the demo shows Top Rated Plus, at-risk and Rising Talent freelancers."""

from __future__ import annotations

import io
from datetime import timedelta

from rich.console import Console
from sqlalchemy import func, select

from workhall.accounts.models import User
from workhall.demo.generator import DemoSize, run_demo
from workhall.reputation import rules
from workhall.reputation.models import Evaluation, EvaluationRun
from workhall.reputation.queries import standings


def test_small_demo_is_evaluated_up_to_now(committed_db, settings):
    out = io.StringIO()
    demo = run_demo(
        committed_db,
        settings,
        seed=7,
        if_empty=False,
        console=Console(file=out, width=160),
        size=DemoSize(freelancers=30, clients=8, jobs=20),
    )
    assert demo is not None
    latest = rules.evaluation_instants(demo.now - timedelta(days=20), demo.now)[-1]
    with committed_db.unit_of_work(write=False) as s:
        assert s.scalar(select(func.count()).where(EvaluationRun.status != "done")) == 0
        freelancers = list(s.scalars(select(User).where(User.role == "freelancer")))
        assert s.scalar(select(func.count()).where(Evaluation.instant == latest)) == len(
            freelancers
        )
        found = standings(s, [f.id for f in freelancers], demo.now)
    login = next(f for f in freelancers if f.email == "freelancer@example.com")
    assert found[login.id].level in ("top_rated", "top_rated_plus")
    assert found[login.id].jss is not None and found[login.id].jss >= 90
    assert any(s.level == "top_rated_plus" for s in found.values())
    assert any(s.at_risk for s in found.values())
    text = out.getvalue()
    assert "Top Rated freelancer" in text and "at risk" in text
