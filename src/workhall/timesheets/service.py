"""Time entries of hourly contracts (marketplace.md §5 "Hourly"): log, edit, delete, and the
reads both parties see. Invoicing and payment are in ``invoicing``.

Every write runs in the caller's unit of work and never commits. Lock order: the contract row
(``contracts.service.lock_contract``), then the entry row. Locking the contract serialises all
writes of one contract's time, so the weekly-limit check cannot be raced past, and the invoicing
task — which takes the same contract lock before it closes a week — never bills an entry that is
being edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts import service as contracts
from workhall.contracts.models import Contract
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.proposals.service import clean_text
from workhall.timesheets import rules
from workhall.timesheets.models import MEMO_MAX, HourlyInvoice, TimeEntry

# --- reading ------------------------------------------------------------------------------------


def hourly_contract_for(session: Session, user: User, contract_id: int) -> Contract:
    """The hourly contract if ``user`` may read it (its parties); 404 otherwise."""
    contract = contracts.contract_for(session, user, contract_id)
    if contract.kind != "hourly":
        raise NotFound("This contract is not hourly: it has no timesheet.")
    return contract


def entries_of(session: Session, contract_id: int, monday: date | None = None) -> list[TimeEntry]:
    query = select(TimeEntry).where(TimeEntry.contract_id == contract_id)
    if monday is not None:
        query = query.where(TimeEntry.week_start == monday)
    return list(session.scalars(query.order_by(TimeEntry.work_date.desc(), TimeEntry.id.desc())))


def invoices_of(session: Session, contract_id: int) -> list[HourlyInvoice]:
    return list(
        session.scalars(
            select(HourlyInvoice)
            .where(HourlyInvoice.contract_id == contract_id)
            .order_by(HourlyInvoice.week_start.desc())
        )
    )


@dataclass(frozen=True)
class WeekSummary:
    week_start: date
    minutes: int
    invoice: HourlyInvoice | None


def weeks_of(session: Session, contract_id: int) -> list[WeekSummary]:
    """Each week with logged time, newest first, with its invoice if it has one."""
    rows = session.execute(
        select(TimeEntry.week_start, func.sum(TimeEntry.minutes))
        .where(TimeEntry.contract_id == contract_id)
        .group_by(TimeEntry.week_start)
        .order_by(TimeEntry.week_start.desc())
    ).all()
    invoices = {i.week_start: i for i in invoices_of(session, contract_id)}
    return [WeekSummary(w, int(m), invoices.get(w)) for w, m in rows]


def week_minutes(session: Session, contract_id: int, monday: date) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(TimeEntry.minutes), 0)).where(
                TimeEntry.contract_id == contract_id, TimeEntry.week_start == monday
            )
        )
        or 0
    )


# --- writing ------------------------------------------------------------------------------------


def _freelancer_contract(session: Session, user: User, contract_id: int) -> Contract:
    """The hourly contract, locked, for its freelancer: strangers 404, the client 403."""
    found = session.get(Contract, contract_id)
    if found is None or user.id not in found.party_ids():
        raise NotFound("There is no such contract.")
    contracts.require_party(user, found, "freelancer")
    if found.kind != "hourly":
        raise Conflict("Only hourly contracts have a timesheet.")
    return contracts.lock_contract(session, contract_id)


def _checked(
    session: Session,
    settings: Settings,
    contract: Contract,
    work_date: date,
    minutes: int,
    memo: str,
    *,
    ignore_entry_id: int | None = None,
) -> str:
    """Check one entry against §5's rules; returns the cleaned memo. The contract is locked."""
    text = clean_text(memo, "memo")
    if not text:
        raise Unprocessable("Write a memo: what did you work on?", field="memo")
    if len(text) > MEMO_MAX:
        raise Unprocessable(f"The memo is at most {MEMO_MAX} characters.", field="memo")
    problem = rules.minutes_problem(minutes, settings.hourly_minutes_step)
    if problem:
        raise Unprocessable(problem, field="minutes")
    now = utcnow()
    problem = rules.date_problem(
        work_date,
        today=now.date(),
        started=contract.started_at.date(),
        ended=contract.ended_at.date() if contract.ended_at else None,
        now=now,
    )
    if problem:
        raise Unprocessable(problem, field="work_date")
    monday = rules.week_start(work_date)
    others = [e for e in entries_of(session, contract.id, monday) if e.id != ignore_entry_id]
    assert contract.weekly_limit_hours is not None
    problem = rules.limit_problem(
        sum(e.minutes for e in others),
        sum(e.minutes for e in others if e.work_date == work_date),
        minutes,
        contract.weekly_limit_hours,
    )
    if problem:
        raise Unprocessable(problem, field="minutes")
    return text


def log_time(
    session: Session,
    settings: Settings,
    freelancer: User,
    contract_id: int,
    *,
    work_date: date,
    minutes: int,
    memo: str,
) -> TimeEntry:
    """The freelancer logs time on an hourly contract (§5): a day of the current, still open
    billing week, not in the future, not before the start or after the end of the contract,
    within the weekly limit. Locks the contract row."""
    contract = _freelancer_contract(session, freelancer, contract_id)
    text = _checked(session, settings, contract, work_date, minutes, memo)
    entry = TimeEntry(
        contract_id=contract.id,
        freelancer_id=freelancer.id,
        work_date=work_date,
        week_start=rules.week_start(work_date),
        minutes=minutes,
        memo=text,
        created_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def _own_entry(session: Session, user: User, entry_id: int) -> tuple[Contract, TimeEntry]:
    entry = session.get(TimeEntry, entry_id)
    if entry is None:
        raise NotFound("There is no such time entry.")
    owner = session.get(Contract, entry.contract_id)
    if owner is None or user.id not in owner.party_ids():
        raise NotFound("There is no such time entry.")
    if user.id != owner.freelancer_id:
        raise Forbidden("Only the freelancer edits the timesheet.")
    contract = contracts.lock_contract(session, owner.id)
    session.refresh(entry, with_for_update={"key_share": True})
    if entry.invoice_id is not None or not rules.week_open(entry.week_start, utcnow()):
        raise Conflict("This entry's week has been invoiced; it can no longer change.")
    return contract, entry


def entry_for(session: Session, user: User, entry_id: int) -> TimeEntry:
    """An entry its contract's parties may read; 404 otherwise."""
    entry = session.get(TimeEntry, entry_id)
    if entry is None:
        raise NotFound("There is no such time entry.")
    owner = session.get(Contract, entry.contract_id)
    if owner is None or user.id not in owner.party_ids():
        raise NotFound("There is no such time entry.")
    return entry


def update_entry(
    session: Session,
    settings: Settings,
    freelancer: User,
    entry_id: int,
    *,
    work_date: date | None = None,
    minutes: int | None = None,
    memo: str | None = None,
) -> TimeEntry:
    """Change an entry of a week not yet invoiced; the new values are checked as a new entry
    would be (the entry's old minutes do not count against the limit). Locks the contract row,
    then the entry."""
    contract, entry = _own_entry(session, freelancer, entry_id)
    new_date = work_date if work_date is not None else entry.work_date
    new_minutes = minutes if minutes is not None else entry.minutes
    text = _checked(
        session,
        settings,
        contract,
        new_date,
        new_minutes,
        memo if memo is not None else entry.memo,
        ignore_entry_id=entry.id,
    )
    entry.work_date = new_date
    entry.week_start = rules.week_start(new_date)
    entry.minutes = new_minutes
    entry.memo = text
    entry.updated_at = utcnow()
    session.flush()
    return entry


def delete_entry(session: Session, freelancer: User, entry_id: int) -> None:
    """Delete an entry of a week not yet invoiced. Locks the contract row, then the entry."""
    _, entry = _own_entry(session, freelancer, entry_id)
    session.delete(entry)
    session.flush()
