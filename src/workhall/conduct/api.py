"""Conduct case API for the client (trust.md §1.3): read its own case, acknowledge the
outreach message, appeal a restriction. A client only ever reaches its own case; a
freelancer is refused (403) and a client without a case gets 404."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.conduct import queries, rules, service
from workhall.conduct.models import ConductCase
from workhall.conduct.schemas import AppealIn, CaseEventOut, ConductCaseOut
from workhall.core.clock import utcnow
from workhall.core.errors import NotFound, documented_problems
from workhall.core.settings import Settings
from workhall.core.web import ApiClient, DbDep, SettingsDep

router = APIRouter(tags=["conduct"])

_problems = documented_problems(
    {
        403: "Only clients have conduct cases",
        404: "You have no conduct case",
        409: "The case is not at a step where this is possible",
    }
)


def case_out(db: Session, settings: Settings, client: User, case: ConductCase) -> ConductCaseOut:
    now = utcnow()
    closes = (
        rules.appeal_closes(case.restricted_at, settings.conduct_appeal_days)
        if case.restricted_at
        else None
    )
    appeal_problem = rules.appeal_problem(
        case.status, case.restricted_at, case.appealed_at, now, settings.conduct_appeal_days
    )
    return ConductCaseOut(
        id=case.id,
        state=case.status,
        opened_at=case.opened_at,
        contacted_at=case.contacted_at,
        contact_message=case.contact_message,
        acknowledged_at=case.acknowledged_at,
        monitoring_started_at=case.monitoring_started_at,
        monitoring_due_at=case.monitoring_due_at,
        extended_at=case.extended_at,
        restricted_at=case.restricted_at,
        appeal_closes_at=closes,
        appealed_at=case.appealed_at,
        appeal_text=case.appeal_text,
        closed_at=case.closed_at,
        can_acknowledge=case.status == "contacted",
        can_appeal=appeal_problem is None,
        events=[
            CaseEventOut(
                at=e.at,
                kind=e.kind,
                state=e.to_state,
                note=e.note,
                by_client=e.actor_id == client.id,
            )
            for e in queries.events_of(db, case.id, client_view=True)
        ],
    )


def _own(db: Session, user: User) -> ConductCase:
    case = service.client_case(db, user)
    if case is None:
        raise NotFound("You have no conduct case.")
    return case


@router.get("/me/conduct-case", response_model=ConductCaseOut, responses=_problems(401, 403, 404))
def read_case(user: ApiClient, db: DbDep, settings: SettingsDep) -> ConductCaseOut:
    """The client's own latest conduct case with the messages it may see."""
    return case_out(db, settings, user, _own(db, user))


@router.post(
    "/me/conduct-case/acknowledge",
    response_model=ConductCaseOut,
    responses=_problems(401, 403, 404, 409),
)
def acknowledge(user: ApiClient, db: DbDep, settings: SettingsDep) -> ConductCaseOut:
    """Acknowledge trust & safety's message; monitoring of new contracts starts now."""
    case = service.acknowledge(db, settings, user)
    return case_out(db, settings, user, case)


@router.post(
    "/me/conduct-case/appeal",
    response_model=ConductCaseOut,
    responses=_problems(401, 403, 404, 409, 422),
)
def appeal(body: AppealIn, user: ApiClient, db: DbDep, settings: SettingsDep) -> ConductCaseOut:
    """Appeal a restriction, once, in writing, within 30 days of it."""
    case = service.appeal(db, settings, user, body.text)
    return case_out(db, settings, user, case)
