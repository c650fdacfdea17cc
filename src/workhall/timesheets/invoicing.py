"""Weekly invoices of hourly contracts (marketplace.md §5 "Hourly", §6.2, §6.3).

- ``invoice_due_weeks`` (worker task ``invoice-hourly-weeks``): every week with time whose
  invoicing Monday has come is invoiced once — amount = minutes × rate ÷ 60 rounded half up —
  and charged (amount + client fee) into escrow. A declined card leaves the invoice
  ``payment_failed``; the same task retries it every ``hourly_charge_retry_hours``.
- ``dispute_invoice``: the client disputes until Friday 23:59:59 UTC of the invoicing week.
- ``pay_due_invoices`` (task ``pay-hourly-invoices``): undisputed, charged invoices are released
  to the freelancer after that Friday, pending until the billed week's end + 10 days.

Locks: invoicing takes the contract row (as the time-entry writes do), then the ledger accounts
through the payments service. Paying and disputing claim the invoice row. Two workers invoice a
week once: the second waits for the contract lock, then finds the invoice; the unique
(contract, week) constraint is the backstop.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts import service as contracts
from workhall.contracts.models import Contract
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, PaymentDeclined, Unprocessable
from workhall.core.money import format_cents
from workhall.core.settings import Settings
from workhall.notifications.service import notify
from workhall.payments import service as payments
from workhall.proposals.service import clean_text
from workhall.timesheets import rules
from workhall.timesheets.models import DISPUTE_REASON_MAX, HourlyInvoice, TimeEntry


def _label(invoice: HourlyInvoice) -> str:
    end = invoice.week_start + timedelta(days=6)
    return f"the week of {invoice.week_start:%b %d} – {end:%b %d, %Y}"


def _link(invoice: HourlyInvoice) -> str:
    return f"/contracts/{invoice.contract_id}/invoices"


# --- invoicing ----------------------------------------------------------------------------------


def invoice_due_weeks(session: Session, settings: Settings, limit: int | None = None) -> int:
    """Invoice every (contract, week) with unbilled time whose invoicing Monday has come, then
    retry declined charges that are due again. Returns how many invoices were issued."""
    now = utcnow()
    this_monday = rules.week_start(now.date())
    due = session.execute(
        select(TimeEntry.contract_id, TimeEntry.week_start)
        .where(TimeEntry.invoice_id.is_(None), TimeEntry.week_start < this_monday)
        .group_by(TimeEntry.contract_id, TimeEntry.week_start)
        .order_by(TimeEntry.week_start, TimeEntry.contract_id)
        .limit(limit or settings.hourly_task_batch_size)
    ).all()
    issued = 0
    for contract_id, monday in due:
        if _invoice_week(session, settings, contract_id, monday) is not None:
            issued += 1
    retry_before = now - timedelta(hours=settings.hourly_charge_retry_hours)
    failed = session.scalars(
        select(HourlyInvoice.id)
        .where(
            HourlyInvoice.status == "payment_failed",
            HourlyInvoice.last_attempt_at <= retry_before,
        )
        .order_by(HourlyInvoice.id)
        .limit(limit or settings.hourly_task_batch_size)
    ).all()
    for invoice_id in failed:
        contract = contracts.lock_contract(session, _contract_id_of(session, invoice_id))
        invoice = _lock_invoice(session, invoice_id)
        if invoice.status == "payment_failed" and invoice.last_attempt_at <= retry_before:  # type: ignore[operator]
            _charge(session, settings, contract, invoice)
    return issued


def _contract_id_of(session: Session, invoice_id: int) -> int:
    contract_id = session.scalar(
        select(HourlyInvoice.contract_id).where(HourlyInvoice.id == invoice_id)
    )
    assert contract_id is not None
    return contract_id


def _lock_invoice(session: Session, invoice_id: int) -> HourlyInvoice:
    return lock_row(session, HourlyInvoice, invoice_id, "There is no such invoice.")


def _invoice_week(
    session: Session, settings: Settings, contract_id: int, monday: date
) -> HourlyInvoice | None:
    """Issue and charge the invoice of one (contract, week), or None if another worker did.
    Locks the contract row first, so the week's entries cannot change meanwhile."""
    contract = contracts.lock_contract(session, contract_id)
    exists = session.scalar(
        select(HourlyInvoice.id).where(
            HourlyInvoice.contract_id == contract_id, HourlyInvoice.week_start == monday
        )
    )
    if exists is not None:
        return None
    entries = list(
        session.scalars(
            select(TimeEntry).where(
                TimeEntry.contract_id == contract_id,
                TimeEntry.week_start == monday,
                TimeEntry.invoice_id.is_(None),
            )
        )
    )
    minutes = sum(e.minutes for e in entries)
    if minutes <= 0:
        return None
    assert contract.hourly_rate_cents is not None
    invoice = HourlyInvoice(
        contract_id=contract.id,
        client_id=contract.client_id,
        freelancer_id=contract.freelancer_id,
        week_start=monday,
        minutes=minutes,
        rate_cents=contract.hourly_rate_cents,
        amount_cents=rules.invoice_amount(minutes, contract.hourly_rate_cents),
        status="payment_failed",  # until the charge below succeeds
        issued_at=utcnow(),
        dispute_by=rules.dispute_deadline(
            monday, settings.hourly_dispute_weekday, settings.hourly_dispute_time
        ),
        available_at=rules.available_at(monday, settings.hourly_available_days_after_week),
    )
    try:
        with session.begin_nested():
            session.add(invoice)
            session.flush()
    except IntegrityError:  # another worker invoiced this week after all
        return None
    for entry in entries:
        entry.invoice_id = invoice.id
    notify(
        session,
        contracts.load_user(session, contract.freelancer_id),
        "hourly_invoiced",
        f"{_label(invoice).capitalize()} was invoiced: {rules.format_minutes(minutes)} h, "
        f"{format_cents(invoice.amount_cents)}.",
        _link(invoice),
        email=False,
    )
    _charge(session, settings, contract, invoice)
    return invoice


def _charge(
    session: Session, settings: Settings, contract: Contract, invoice: HourlyInvoice
) -> None:
    """Charge the invoice (amount + client fee) into escrow; a declined or missing card leaves
    it ``payment_failed`` and tells the client. The caller holds the contract lock."""
    now = utcnow()
    invoice.charge_attempts += 1
    invoice.last_attempt_at = now
    if invoice.amount_cents == 0:  # nothing to charge (a tiny rate); nothing to pay either
        invoice.status, invoice.funded_at, invoice.paid_at = "paid", now, now
        return
    client = contracts.load_user(session, contract.client_id)
    try:
        with session.begin_nested():
            payments.fund_escrow(
                session,
                settings,
                client=client,
                freelancer_id=contract.freelancer_id,
                contract_id=contract.id,
                amount_cents=invoice.amount_cents,
                invoice_id=invoice.id,
                memo=f"Contract {contract.id}, hourly invoice for {_label(invoice)}"[:300],
                # One key per attempt: the provider remembers a declined key as declined.
                idempotency_key=f"hourly-invoice:{invoice.id}:{invoice.charge_attempts}",
            )
    except (PaymentDeclined, Forbidden) as exc:
        invoice.status = "payment_failed"
        invoice.last_error = exc.detail[:300]
        notify(
            session,
            client,
            "hourly_payment_failed",
            f"We could not charge your card {format_cents(invoice.amount_cents)} (plus the "
            f"client fee) for {_label(invoice)} on “{contract.title}”: {exc.detail} "
            f"We will try again in {settings.hourly_charge_retry_hours} hours.",
            _link(invoice),
        )
        return
    invoice.status = "funded"
    invoice.funded_at = now
    invoice.last_error = ""
    notify(
        session,
        client,
        "hourly_invoiced",
        f"Invoice for {_label(invoice)} on “{contract.title}”: "
        f"{format_cents(invoice.amount_cents)} plus the client fee was charged. You may dispute "
        f"it until {invoice.dispute_by:%A %b %d, %H:%M:%S} UTC.",
        _link(invoice),
    )


# --- disputes -----------------------------------------------------------------------------------


def invoice_for(session: Session, user: User, invoice_id: int) -> HourlyInvoice:
    """An invoice its contract's parties may read; 404 otherwise."""
    invoice = session.get(HourlyInvoice, invoice_id)
    if invoice is None or user.id not in (invoice.client_id, invoice.freelancer_id):
        raise NotFound("There is no such invoice.")
    return invoice


def dispute_invoice(
    session: Session, settings: Settings, client: User, invoice_id: int, reason: str
) -> HourlyInvoice:
    """The client disputes an issued invoice until its deadline (§5): it becomes ``disputed``
    and is not paid; the disputes feature lets the freelancer escalate it. Locks the invoice."""
    invoice_for(session, client, invoice_id)
    found = session.get(HourlyInvoice, invoice_id)
    assert found is not None
    if client.id != found.client_id:
        raise Forbidden("Only the client of this contract can dispute its invoices.")
    text = clean_text(reason, "reason")
    if not text:
        raise Unprocessable("Say why you dispute this invoice.", field="reason")
    if len(text) > DISPUTE_REASON_MAX:
        raise Unprocessable(
            f"The reason is at most {DISPUTE_REASON_MAX:,} characters.", field="reason"
        )
    invoice = _lock_invoice(session, invoice_id)
    now = utcnow()
    if not rules.can_dispute(invoice.status, now, invoice.dispute_by):
        raise Conflict(
            "This invoice can no longer be disputed."
            if invoice.status in ("funded", "payment_failed")
            else f"This invoice is {invoice.status.replace('_', ' ')}.",
            status_now=invoice.status,
        )
    invoice.status = "disputed"
    invoice.disputed_at = now
    invoice.dispute_reason = text
    notify(
        session,
        contracts.load_user(session, invoice.freelancer_id),
        "hourly_invoice_disputed",
        f"{client.name} disputed the invoice for {_label(invoice)} "
        f"({format_cents(invoice.amount_cents)}).",
        _link(invoice),
    )
    session.flush()
    return invoice


def disputed_invoices(session: Session, contract_id: int | None = None) -> list[HourlyInvoice]:
    """Invoices in ``disputed`` state (for the disputes feature), oldest first."""
    query = select(HourlyInvoice).where(HourlyInvoice.status == "disputed")
    if contract_id is not None:
        query = query.where(HourlyInvoice.contract_id == contract_id)
    return list(session.scalars(query.order_by(HourlyInvoice.disputed_at, HourlyInvoice.id)))


# --- payment ------------------------------------------------------------------------------------


def pay_due_invoices(session: Session, settings: Settings, limit: int | None = None) -> int:
    """Release every charged, undisputed invoice whose dispute deadline has passed (§5), pending
    until the billed week's end + 10 days (§6.3). Each invoice is claimed by a conditional
    UPDATE, so two workers pay it once. Returns how many were paid."""
    now = utcnow()
    due = (HourlyInvoice.status == "funded", HourlyInvoice.dispute_by < now)
    ids = session.scalars(
        select(HourlyInvoice.id)
        .where(*due)
        .order_by(HourlyInvoice.dispute_by, HourlyInvoice.id)
        .limit(limit or settings.hourly_task_batch_size)
    ).all()
    paid = 0
    for invoice_id in ids:
        claimed = session.execute(
            update(HourlyInvoice)
            .where(HourlyInvoice.id == invoice_id, *due)
            .values(status="paid", paid_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        invoice = _lock_invoice(session, invoice_id)
        payment = payments.release_escrow(
            session,
            settings,
            client_id=invoice.client_id,
            freelancer_id=invoice.freelancer_id,
            contract_id=invoice.contract_id,
            amount_cents=invoice.amount_cents,
            available_at=invoice.available_at,
            invoice_id=invoice.id,
            memo=f"Contract {invoice.contract_id}, hourly invoice for {_label(invoice)}"[:300],
        )
        invoice.payment_id = payment.id
        notify(
            session,
            contracts.load_user(session, invoice.freelancer_id),
            "hourly_invoice_paid",
            f"{format_cents(invoice.amount_cents)} for {_label(invoice)} was paid; it becomes "
            f"available on {invoice.available_at:%b %d, %Y}.",
            _link(invoice),
        )
        paid += 1
    return paid
