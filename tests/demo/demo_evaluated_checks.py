"""``workhall demo`` ends evaluated (interfaces.md §2): the printed login is Top Rated with a
JSS, and the demo shows Top Rated Plus, at-risk and Rising Talent freelancers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from workhall.accounts.models import User
from workhall.reputation import rules
from workhall.reputation.models import Evaluation, EvaluationRun
from workhall.reputation.queries import standings


def check_evaluated(committed_db, demo, text):  # type: ignore[no-untyped-def]
    """Run by tests/demo/test_demo.py on its demo (one demo per database for the suite)."""
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
    assert "Top Rated freelancer" in text and "at risk" in text
