"""Reads of the conduct program for the staff queue, the case page and the standing page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts.models import AccountHold, User
from workhall.conduct import rules
from workhall.conduct.models import ConductCase, ConductCaseEvent
from workhall.conduct.service import require_agent
from workhall.conduct.signals import load_facts
from workhall.contracts.models import Contract
from workhall.core.settings import Settings
from workhall.jobs.models import Job, JobReport

SIGNAL_FILTERS = {
    "harsh": "Harsh scores ≥ threshold",
    "poor": "Poor private feedback ≥ threshold",
    "disputes": "Disputes lost ≥ threshold",
}


@dataclass(frozen=True)
class QueueRow:
    case: ConductCase
    client: User
    overdue: bool
    reports: int


def overdue(case: ConductCase, now: datetime, settings: Settings) -> bool:
    return rules.is_overdue(case.status, case.opened_at, now, settings.conduct_overdue_days)


def _signal_hit(case: ConductCase, signal: str, th: rules.Thresholds) -> bool:
    if signal == "harsh":
        return case.harsh_share is not None and case.harsh_share >= th.share_percent
    if signal == "poor":
        return case.poor_share is not None and case.poor_share >= th.share_percent
    return case.disputes_lost >= th.disputes_lost


def staff_queue(
    session: Session,
    settings: Settings,
    agent: User,
    now: datetime,
    *,
    state: str | None = None,
    only_overdue: bool = False,
    signal: str | None = None,
    limit: int = 200,
) -> list[QueueRow]:
    """Cases for trust & safety: by default those not closed, the oldest first."""
    require_agent(agent)
    query = select(ConductCase, User).join(User, User.id == ConductCase.client_id)
    if state:
        query = query.where(ConductCase.status == state)
    else:
        query = query.where(ConductCase.open_key.is_not(None))
    if only_overdue:
        query = query.where(
            ConductCase.status == "open",
            ConductCase.opened_at < now - timedelta(days=settings.conduct_overdue_days),
        )
    rows = session.execute(query.order_by(ConductCase.opened_at, ConductCase.id)).all()
    th = rules.Thresholds.of(settings)
    picked = [(c, u) for c, u in rows if not signal or _signal_hit(c, signal, th)][:limit]
    counts = report_counts(session, [c.client_id for c, _ in picked])
    return [
        QueueRow(c, u, overdue(c, now, settings), counts.get(c.client_id, 0)) for c, u in picked
    ]


@dataclass(frozen=True)
class ReportRow:
    report: JobReport
    job: Job
    reporter: User


def _reports_query(client_ids: list[int]):  # type: ignore[no-untyped-def]
    return (
        select(JobReport, Job, User)
        .join(Job, Job.id == JobReport.job_id)
        .join(User, User.id == JobReport.reporter_id)
        .where(Job.client_id.in_(client_ids), User.role == "freelancer")
    )


def reports_on(session: Session, client_id: int) -> list[ReportRow]:
    """Freelancers' reports of the client's jobs (marketplace.md §2), newest first."""
    rows = session.execute(_reports_query([client_id]).order_by(JobReport.id.desc())).all()
    return [ReportRow(r, j, u) for r, j, u in rows]


def report_counts(session: Session, client_ids: list[int]) -> dict[int, int]:
    if not client_ids:
        return {}
    counts: dict[int, int] = {}
    for _, job, _ in session.execute(_reports_query(sorted(set(client_ids)))).all():
        counts[job.client_id] = counts.get(job.client_id, 0) + 1
    return counts


def events_of(session: Session, case_id: int, *, client_view: bool) -> list[ConductCaseEvent]:
    query = select(ConductCaseEvent).where(ConductCaseEvent.case_id == case_id)
    if client_view:
        query = query.where(ConductCaseEvent.visible_to_client.is_(True))
    return list(session.scalars(query.order_by(ConductCaseEvent.at, ConductCaseEvent.id)))


@dataclass(frozen=True)
class ConsideredContract:
    contract: Contract
    freelancer: str
    given: str  # the public score given, two decimals, or "—"
    harsh: bool
    poor: bool


def contracts_considered(
    session: Session, settings: Settings, case: ConductCase
) -> list[ConsideredContract]:
    """The contracts that counted when the case was opened: ended in the window at T, after
    the client's last closed case, with the harsh / poor marks as of T."""
    th = rules.Thresholds.of(settings)
    t = case.opened_at
    facts = load_facts(session, [case.client_id], t, th)[case.client_id]
    counted = [c for c in rules.counted_contracts(facts, t) if rules.in_window(c.ended_at, t, th)]
    if not counted:
        return []
    contracts = {
        c.id: c
        for c in session.scalars(select(Contract).where(Contract.id.in_([f.id for f in counted])))
    }
    names = dict(
        session.execute(
            select(User.id, User.name).where(User.id.in_({f.freelancer_id for f in counted}))
        ).all()
    )
    out = []
    for f in reversed(counted):
        given = "—" if f.given is None else f"{float(f.given):.2f}"
        out.append(
            ConsideredContract(
                contracts[f.id],
                names.get(f.freelancer_id, "?"),
                given,
                rules.in_window(f.given_at, t, th) and rules.is_harsh(facts, f, t, th),
                rules.in_window(f.received_at, t, th) and rules.is_poor(f, th),
            )
        )
    return out


def holds_of(session: Session, user: User) -> list[AccountHold]:
    return list(
        session.scalars(
            select(AccountHold)
            .where(AccountHold.user_id == user.id)
            .order_by(AccountHold.starts_at.desc())
        )
    )


def get_case(session: Session, case_id: int) -> ConductCase | None:
    return session.get(ConductCase, case_id)
