"""The conduct case workflow (trust.md §1.3): writes, one unit of work each, never committed here.

Every step goes through ``_move``: the transition table of ``conduct.rules`` decides whether
the actor (an agent, the client, the system) may take it, and the step is written as a case
event (actor, time, note) and an audit record. Each writer locks the case row first
(``lock_row``) and re-reads its state, so two workers or two agents act once.

Effects on the account: restricted → ``ClientStatusChange('restricted')``, account status
``restricted`` and the client's open jobs closed with Connects refunded; reinstated →
``ClientStatusChange('active')`` and status ``active``; banned → ``ClientStatusChange('banned')``
and status ``suspended`` (marketplace.md §1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.accounts.service import change_status
from workhall.audit.service import record
from workhall.conduct import rules
from workhall.conduct.models import (
    CLOSED_STATES,
    MESSAGE_MAX,
    NOTE_MAX,
    ClientStatusChange,
    ConductCase,
    ConductCaseEvent,
)
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.jobs.service import close_jobs_of_restricted_client
from workhall.notifications.service import notify
from workhall.staff import access

STANDING_LINK = "/account/standing"
NOTIFICATION_KIND = "conduct_case"


def is_agent(user: User) -> bool:
    """Trust & safety staff (admin passes too) work conduct cases; support does not see them
    (they hold aggregates of private feedback). The staff console's table decides."""
    return access.can(user, "conduct")


def require_agent(user: User) -> User:
    if not is_agent(user):
        raise Forbidden("Conduct cases are handled by trust & safety staff.")
    return user


def _text(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise Unprocessable(f"Write the {field}.")
    if len(text) > limit:
        raise Unprocessable(f"The {field} is at most {limit:,} characters.")
    return text


def lock_case(session: Session, case_id: int) -> ConductCase:
    return lock_row(session, ConductCase, case_id, "No such conduct case.")


def _event(
    session: Session,
    case: ConductCase,
    kind: str,
    to_state: str,
    *,
    actor: User | None,
    note: str,
    at: datetime,
    from_state: str | None,
    visible: bool = True,
) -> None:
    session.add(
        ConductCaseEvent(
            case_id=case.id,
            at=at,
            actor_id=actor.id if actor else None,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            note=note,
            visible_to_client=visible,
        )
    )
    record(
        session,
        f"conduct.{kind}",
        "conduct_case",
        case.id,
        actor_id=actor.id if actor else None,
        client_id=case.client_id,
        from_state=from_state,
        to_state=to_state,
        note=note[:500],
    )


def _move(
    session: Session,
    case: ConductCase,
    to_state: str,
    who: rules.Actor,
    *,
    kind: str,
    actor: User | None,
    note: str,
    at: datetime,
) -> None:
    problem = rules.transition_problem(case.status, to_state, who)
    if problem is not None:
        raise Conflict(problem)
    _event(session, case, kind, to_state, actor=actor, note=note, at=at, from_state=case.status)
    case.status = to_state
    case.updated_at = at
    if to_state in CLOSED_STATES:
        case.open_key = None
        case.closed_at = at
    session.flush()


def _client(session: Session, case: ConductCase) -> User:
    user = session.get(User, case.client_id)
    assert user is not None
    return user


def _tell(session: Session, settings: Settings, case: ConductCase, text: str, body: str) -> None:
    """In the app (notification, and the case on the standing page) and by email."""
    notify(
        session,
        _client(session, case),
        NOTIFICATION_KIND,
        text,
        STANDING_LINK,
        email_body=body,
        base_url=settings.base_url,
    )


def _status_change(
    session: Session, case: ConductCase, status: str, actor: User | None, note: str, at: datetime
) -> None:
    """The row the reputation engine reads (reputation.md §1.3)."""
    session.add(
        ClientStatusChange(
            client_id=case.client_id,
            at=at,
            status=status,
            case_id=case.id,
            actor_id=actor.id if actor else None,
            note=note[:1000],
        )
    )


# --- opening (called by the evaluation) ----------------------------------------------------------


def open_case(
    session: Session, client_id: int, instant: datetime, s: rules.Signals
) -> ConductCase | None:
    """A case for a flagged client at the evaluation instant, holding the signals at T; None
    when the client already has an open case or one was opened at this instant (the unique
    keys decide, inside a savepoint, so a second run or a second worker opens nothing)."""
    case = ConductCase(
        client_id=client_id,
        open_key=client_id,
        status="open",
        opened_at=instant,
        ended_count=s.ended,
        scores_given=s.scores_given,
        harsh_count=s.harsh,
        harsh_share=s.harsh_share,
        private_received=s.private_received,
        poor_count=s.poor,
        poor_share=s.poor_share,
        disputes_lost=s.disputes_lost,
        updated_at=instant,
    )
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except IntegrityError:
        return None
    note = (
        f"Flagged at the evaluation: {s.ended} contracts ended, harsh scores "
        f"{_share(s.harsh_share)}, poor private feedback {_share(s.poor_share)}, "
        f"{s.disputes_lost} dispute(s) lost."
    )
    _event(
        session,
        case,
        "opened",
        "open",
        actor=None,
        note=note,
        at=instant,
        from_state=None,
        visible=False,
    )
    return case


def _share(value: object) -> str:
    return "not defined" if value is None else f"{value}%"


# --- agent: contact ------------------------------------------------------------------------------


def contact(
    session: Session, settings: Settings, agent: User, case_id: int, message: str
) -> ConductCase:
    """The agent writes the outreach message; the client gets it in the app and by email.
    Locks the case row."""
    require_agent(agent)
    text = _text(message, "message to the client", MESSAGE_MAX)
    case = lock_case(session, case_id)
    now = utcnow()
    _move(session, case, "contacted", "agent", kind="contacted", actor=agent, note=text, at=now)
    case.contacted_at = now
    case.contacted_by_id = agent.id
    case.contact_message = text
    _tell(
        session,
        settings,
        case,
        "Trust & safety wrote to you about how you work with freelancers",
        f"{text}\n\nPlease read it and acknowledge it on your account standing page. "
        f"Monitoring of your new contracts starts when you do, or "
        f"{settings.conduct_auto_monitoring_days} days from now.",
    )
    return case


# --- monitoring ----------------------------------------------------------------------------------


def _start_monitoring(
    session: Session,
    settings: Settings,
    case: ConductCase,
    who: rules.Actor,
    actor: User | None,
    note: str,
    at: datetime,
) -> None:
    _move(session, case, "monitoring", who, kind="monitoring", actor=actor, note=note, at=at)
    case.monitoring_started_at = at
    case.monitoring_due_at = at + timedelta(days=settings.conduct_monitoring_days)


def client_case(session: Session, client: User) -> ConductCase | None:
    """The client's latest case (its own only)."""
    return session.scalars(
        select(ConductCase)
        .where(ConductCase.client_id == client.id)
        .order_by(ConductCase.opened_at.desc(), ConductCase.id.desc())
        .limit(1)
    ).first()


def _own_case(session: Session, client: User) -> ConductCase:
    found = client_case(session, client) if client.is_client else None
    if found is None:
        raise NotFound("You have no conduct case.")
    return lock_case(session, found.id)


def acknowledge(session: Session, settings: Settings, client: User) -> ConductCase:
    """The client acknowledges the outreach; monitoring starts now. Locks the case row."""
    case = _own_case(session, client)
    if case.status != "contacted":
        raise Conflict("There is no message from trust & safety waiting for your acknowledgement.")
    now = utcnow()
    _start_monitoring(
        session, settings, case, "client", client, "The client acknowledged the message.", now
    )
    case.acknowledged_at = now
    return case


def _due_cases(
    session: Session,
    status: str,
    stamp: str,
    days: int,
    due: Callable[[datetime, datetime, int], bool],
    now: datetime,
) -> Iterator[ConductCase]:
    """The cases in ``status`` whose ``stamp`` (a time column) is at least ``days`` old, each
    row locked and re-checked with the rule ``due`` before it is handed out."""
    column = getattr(ConductCase, stamp)
    limit = now - timedelta(days=days)
    ids = session.scalars(
        select(ConductCase.id).where(ConductCase.status == status, column <= limit)
    ).all()
    for case_id in ids:
        case = lock_case(session, case_id)
        since = getattr(case, stamp)
        if case.status == status and since is not None and due(since, now, days):
            yield case


def start_due_monitoring(session: Session, settings: Settings) -> int:
    """Contacted cases not acknowledged within 7 days start monitoring (trust.md §1.3). Locks
    each case row and re-checks it. Returns how many started."""
    now = utcnow()
    days = settings.conduct_auto_monitoring_days
    note = f"Monitoring started {days} days after the contact without an acknowledgement."
    started = 0
    for case in _due_cases(
        session, "contacted", "contacted_at", days, rules.auto_monitoring_due, now
    ):
        _start_monitoring(session, settings, case, "system", None, note, now)
        started += 1
    return started


def end_monitoring(
    session: Session,
    settings: Settings,
    case: ConductCase,
    result: rules.MonitoringResult,
    instant: datetime,
) -> None:
    """Apply a monitoring outcome at an evaluation instant (the case row is locked by the
    caller): extend once by 90 days, resolve, or restrict."""
    note = result.summary()
    if result.outcome == "extended":
        _move(
            session,
            case,
            "monitoring",
            "system",
            kind="extended",
            actor=None,
            note=f"Monitoring extended by {settings.conduct_monitoring_days} days. {note}",
            at=instant,
        )
        case.extended_at = instant
        case.monitoring_due_at = instant + timedelta(days=settings.conduct_monitoring_days)
        _tell(
            session,
            settings,
            case,
            "Trust & safety extended the monitoring of your account",
            f"{note}\nWe will look again in {settings.conduct_monitoring_days} days.",
        )
    elif result.outcome == "resolved":
        _move(
            session,
            case,
            "resolved",
            "system",
            kind="resolved",
            actor=None,
            note=f"Monitoring ended well. {note}",
            at=instant,
        )
        _tell(
            session,
            settings,
            case,
            "Your conduct case is resolved",
            "Thank you: monitoring ended and no further action is needed.",
        )
    else:
        restrict(session, settings, case, f"Monitoring ended. {note}", instant)


def restrict(
    session: Session, settings: Settings, case: ConductCase, note: str, at: datetime
) -> None:
    """spec: trust.md §1.3 — the client cannot post jobs or send offers; their open jobs are
    closed with Connects refunded; existing contracts continue. Locks the client's open jobs."""
    _move(session, case, "restricted", "system", kind="restricted", actor=None, note=note, at=at)
    case.restricted_at = at
    client = _client(session, case)
    _status_change(session, case, "restricted", None, note, at)
    change_status(session, client, "restricted", actor=None, reason=f"Conduct case {case.id}")
    close_jobs_of_restricted_client(session, settings, client.id)
    closes = rules.appeal_closes(at, settings.conduct_appeal_days)
    _tell(
        session,
        settings,
        case,
        "Your account is restricted: you cannot post jobs or send offers",
        f"{note}\nYour open jobs were closed and their proposals' Connects refunded; your "
        f"current contracts continue. You may appeal once, in writing, until "
        f"{closes:%B %d, %Y %H:%M} UTC on your account standing page; without an appeal the "
        "account is suspended then.",
    )


# --- appeal and ban ------------------------------------------------------------------------------


def appeal(session: Session, settings: Settings, client: User, text: str) -> ConductCase:
    """The client appeals a restriction once, in writing, within 30 days. Locks the case."""
    body = _text(text, "appeal", MESSAGE_MAX)
    case = _own_case(session, client)
    now = utcnow()
    problem = rules.appeal_problem(
        case.status, case.restricted_at, case.appealed_at, now, settings.conduct_appeal_days
    )
    if problem is not None:
        raise Conflict(problem)
    _move(session, case, "appealed", "client", kind="appealed", actor=client, note=body, at=now)
    case.appealed_at = now
    case.appeal_text = body
    return case


DECISIONS = ("reinstated", "banned")


def decide_appeal(
    session: Session, settings: Settings, agent: User, case_id: int, decision: str, note: str
) -> ConductCase:
    """An agent decides an appeal: ``reinstated`` (restrictions lifted, contracts count again)
    or ``banned``. Locks the case row."""
    require_agent(agent)
    if decision not in DECISIONS:
        raise Unprocessable("Choose to reinstate the client or to ban them.")
    text = _text(note, "note for the client", NOTE_MAX)
    case = lock_case(session, case_id)
    now = utcnow()
    if decision == "banned":
        ban(session, settings, case, "agent", agent, text, now)
        return case
    _move(session, case, "reinstated", "agent", kind="reinstated", actor=agent, note=text, at=now)
    client = _client(session, case)
    _status_change(session, case, "active", agent, text, now)
    if client.status == "restricted":
        change_status(session, client, "active", actor=agent, reason=f"Conduct case {case.id}")
    _tell(session, settings, case, "Your appeal was accepted: your account is active again", text)
    return case


def ban(
    session: Session,
    settings: Settings,
    case: ConductCase,
    who: rules.Actor,
    actor: User | None,
    note: str,
    at: datetime,
) -> None:
    """spec: trust.md §1.3 — "`banned`: the account is `suspended`; contracts still open
    continue to their end under staff watch"."""
    _move(session, case, "banned", who, kind="banned", actor=actor, note=note, at=at)
    client = _client(session, case)
    _status_change(session, case, "banned", actor, note, at)
    _tell(session, settings, case, "Your account is suspended", note)
    change_status(session, client, "suspended", actor=actor, reason=f"Conduct case {case.id}")


def ban_unappealed(session: Session, settings: Settings) -> int:
    """Restricted cases without an appeal for 30 days become banned. Locks each case row and
    re-checks it. Returns how many."""
    now = utcnow()
    days = settings.conduct_appeal_days
    note = f"No appeal within {days} days of the restriction."
    banned = 0
    for case in _due_cases(session, "restricted", "restricted_at", days, rules.ban_due, now):
        ban(session, settings, case, "system", None, note, now)
        banned += 1
    return banned
