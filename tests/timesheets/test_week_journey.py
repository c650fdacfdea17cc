"""A full billing week through the services and the worker tasks, with the clock frozen
(marketplace.md §5 "Hourly", §6.2 fees, §6.3 availability)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.timesheets.conftest import DECLINES_ON_CHARGE, Hourly, count, hire_hourly
from workhall.contracts import service as contracts
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, Unprocessable
from workhall.ledger.service import user_balances
from workhall.notifications.models import Notification
from workhall.payments.models import ClientCharge, Payment
from workhall.payments.tasks import TASKS as PAYMENT_TASKS
from workhall.timesheets import invoicing, service
from workhall.timesheets.models import HourlyInvoice, TimeEntry
from workhall.timesheets.tasks import TASKS


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc,arg-type]


def run(db, settings, name: str) -> int:  # type: ignore[no-untyped-def]
    task = next(t for t in TASKS + PAYMENT_TASKS if t.name == name)
    return task.fn(db, settings)


def log_week(db, settings, h: Hourly) -> None:  # type: ignore[no-untyped-def]
    clock.set_now(at(2026, 11, 30, 18))
    service.log_time(
        db,
        settings,
        h.freelancer,
        h.contract.id,
        work_date=date(2026, 11, 30),
        minutes=240,
        memo="Calendar view",
    )
    clock.set_now(at(2026, 12, 6, 23, 59))  # Sunday 23:59, across the month end
    service.log_time(
        db,
        settings,
        h.freelancer,
        h.contract.id,
        work_date=date(2026, 12, 6),
        minutes=210,
        memo="Booking e-mails",
    )


def test_a_week_is_invoiced_charged_and_paid(db, settings, hourly):  # type: ignore[no-untyped-def]
    h = hourly
    log_week(db, settings, h)

    # Sunday: nothing is invoiced yet
    assert run(db, settings, "invoice-hourly-weeks") == 0

    # spec §5: "on the following Monday the week is invoiced (charge = hours × rate + client fee)"
    clock.set_now(at(2026, 12, 7, 0, 5))
    assert run(db, settings, "invoice-hourly-weeks") == 1
    (invoice,) = service.invoices_of(db, h.contract.id)
    assert (invoice.minutes, invoice.amount_cents, invoice.status) == (450, 37_500, "funded")
    assert invoice.dispute_by == at(2026, 12, 11, 23, 59, 59)
    charge = db.query(ClientCharge).one()
    assert (charge.invoice_id, charge.amount_cents, charge.fee_cents) == (invoice.id, 37_500, 1_125)
    assert user_balances(db, h.client.id)["escrow"] == 37_500
    assert all(e.invoice_id == invoice.id for e in service.entries_of(db, h.contract.id))

    # idempotent: a second run invoices nothing more
    assert run(db, settings, "invoice-hourly-weeks") == 0
    assert count(db, HourlyInvoice) == 1 and count(db, ClientCharge) == 1

    # the week is closed: no edits, no deletes, no new entries on it
    entry = service.entries_of(db, h.contract.id)[0]
    with pytest.raises(Conflict):
        service.update_entry(db, settings, h.freelancer, entry.id, minutes=60)
    with pytest.raises(Conflict):
        service.delete_entry(db, h.freelancer, entry.id)
    with pytest.raises(Unprocessable):
        service.log_time(
            db,
            settings,
            h.freelancer,
            h.contract.id,
            work_date=date(2026, 12, 6),
            minutes=15,
            memo="Late",
        )

    # Friday 23:59:59: still inside the dispute window, not paid
    clock.set_now(at(2026, 12, 11, 23, 59, 59))
    assert run(db, settings, "pay-hourly-invoices") == 0

    # Saturday: paid, pending until the billed week's end + 10 days
    clock.set_now(at(2026, 12, 12, 0, 10))
    assert run(db, settings, "pay-hourly-invoices") == 1
    assert run(db, settings, "pay-hourly-invoices") == 0
    db.refresh(invoice)
    payment = db.get(Payment, invoice.payment_id)
    assert invoice.status == "paid" and payment is not None
    assert (payment.invoice_id, payment.amount_cents, payment.fee_cents) == (
        invoice.id,
        37_500,
        3_750,
    )
    assert payment.available_at == at(2026, 12, 17)
    assert user_balances(db, h.client.id)["escrow"] == 0
    fl = user_balances(db, h.freelancer.id)
    assert (fl["freelancer_pending"], fl["freelancer_available"]) == (33_750, 0)

    # spec §6.3: available 10 days after the billed week ended — not a second before
    mature = "mature-payments"
    clock.set_now(at(2026, 12, 16, 23, 59, 59))
    run(db, settings, mature)
    assert user_balances(db, h.freelancer.id)["freelancer_pending"] == 33_750
    clock.set_now(at(2026, 12, 17, 0, 0, 1))
    run(db, settings, mature)
    fl = user_balances(db, h.freelancer.id)
    assert (fl["freelancer_pending"], fl["freelancer_available"]) == (0, 33_750)


def test_a_disputed_invoice_is_not_paid(db, settings, hourly):  # type: ignore[no-untyped-def]
    h = hourly
    log_week(db, settings, h)
    clock.set_now(at(2026, 12, 7, 1))
    run(db, settings, "invoice-hourly-weeks")
    (invoice,) = service.invoices_of(db, h.contract.id)

    with pytest.raises(Forbidden):  # the freelancer cannot dispute
        invoicing.dispute_invoice(db, settings, h.freelancer, invoice.id, "No")
    with pytest.raises(Unprocessable):
        invoicing.dispute_invoice(db, settings, h.client, invoice.id, "   ")

    clock.set_now(at(2026, 12, 11, 23, 59, 59))
    invoicing.dispute_invoice(db, settings, h.client, invoice.id, "Sunday's hours were not agreed.")
    assert invoice.status == "disputed"
    assert invoicing.disputed_invoices(db, h.contract.id) == [invoice]
    with pytest.raises(Conflict):
        invoicing.dispute_invoice(db, settings, h.client, invoice.id, "Again")

    clock.set_now(at(2026, 12, 20))
    assert run(db, settings, "pay-hourly-invoices") == 0
    assert count(db, Payment) == 0
    assert user_balances(db, h.client.id)["escrow"] == 37_500  # held for the dispute


def test_too_late_to_dispute(db, settings, hourly):  # type: ignore[no-untyped-def]
    log_week(db, settings, hourly)
    clock.set_now(at(2026, 12, 7, 1))
    run(db, settings, "invoice-hourly-weeks")
    (invoice,) = service.invoices_of(db, hourly.contract.id)
    clock.set_now(at(2026, 12, 12, 0, 0, 0))
    with pytest.raises(Conflict):
        invoicing.dispute_invoice(db, settings, hourly.client, invoice.id, "Too late")
    assert invoice.status == "funded"


def test_a_declined_card_is_retried_and_the_client_told(db, settings):  # type: ignore[no-untyped-def]
    h = hire_hourly(db, settings, card=DECLINES_ON_CHARGE)
    log_week(db, settings, h)
    clock.set_now(at(2026, 12, 7, 0, 5))
    assert run(db, settings, "invoice-hourly-weeks") == 1
    (invoice,) = service.invoices_of(db, h.contract.id)
    assert (invoice.status, invoice.charge_attempts) == ("payment_failed", 1)
    assert invoice.last_error
    assert count(db, ClientCharge) == 0
    told = db.query(Notification).filter_by(user_id=h.client.id, kind="hourly_payment_failed")
    assert told.count() == 1

    # not retried before the retry interval
    clock.set_now(at(2026, 12, 7, 23))
    run(db, settings, "invoice-hourly-weeks")
    assert invoice.charge_attempts == 1
    clock.set_now(at(2026, 12, 8, 0, 5))
    run(db, settings, "invoice-hourly-weeks")
    assert (invoice.status, invoice.charge_attempts) == ("payment_failed", 2)
    # a failed invoice is never paid
    clock.set_now(at(2026, 12, 20))
    assert run(db, settings, "pay-hourly-invoices") == 0
    assert count(db, Payment) == 0


def test_the_last_week_of_an_ended_contract(db, settings, hourly):  # type: ignore[no-untyped-def]
    """spec §5: "Time from the contract's last week is invoiced after it ends" — a contract
    ending mid-week: its days up to the end can be logged until Monday, then invoiced."""
    h = hourly
    clock.set_now(at(2026, 12, 2, 15))
    service.log_time(
        db,
        settings,
        h.freelancer,
        h.contract.id,
        work_date=date(2026, 12, 1),
        minutes=120,
        memo="Setup",
    )
    contracts.end_contract(db, settings, h.client, h.contract.id, "Done, thanks")
    clock.set_now(at(2026, 12, 4, 9))
    service.log_time(  # the end day itself, logged after the end
        db,
        settings,
        h.freelancer,
        h.contract.id,
        work_date=date(2026, 12, 2),
        minutes=60,
        memo="Hand-over notes",
    )
    with pytest.raises(Unprocessable):
        service.log_time(
            db,
            settings,
            h.freelancer,
            h.contract.id,
            work_date=date(2026, 12, 3),
            minutes=60,
            memo="After the end",
        )
    clock.set_now(at(2026, 12, 7, 0, 5))
    assert run(db, settings, "invoice-hourly-weeks") == 1
    (invoice,) = service.invoices_of(db, h.contract.id)
    assert (invoice.minutes, invoice.amount_cents, invoice.status) == (180, 15_000, "funded")


def test_weeks_without_time_are_not_invoiced(db, settings, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(at(2026, 12, 14, 1))
    assert run(db, settings, "invoice-hourly-weeks") == 0
    assert count(db, HourlyInvoice) == 0
    assert count(db, TimeEntry) == 0


def test_two_weeks_two_invoices(db, settings, hourly):  # type: ignore[no-untyped-def]
    h = hourly
    log_week(db, settings, h)
    clock.set_now(at(2026, 12, 8, 10))
    service.log_time(
        db,
        settings,
        h.freelancer,
        h.contract.id,
        work_date=date(2026, 12, 8),
        minutes=600,
        memo="Full limit",
    )
    clock.set_now(at(2026, 12, 14, 0, 1))  # the first week was never run on its Monday
    assert run(db, settings, "invoice-hourly-weeks") == 2
    weeks = [(i.week_start, i.minutes) for i in service.invoices_of(db, h.contract.id)]
    assert weeks == [(date(2026, 12, 7), 600), (date(2026, 11, 30), 450)]
