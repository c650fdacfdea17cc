"""Disputes about hourly invoices (marketplace.md §5): "the freelancer may dispute within 7 days
after … the client … disputes an hourly invoice". The invoice's escrow stays frozen (the hourly
feature pays only undisputed invoices) until the dispute is decided."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.timesheets.conftest import Hourly, hire_hourly
from tests.timesheets.test_week_journey import at, log_week, run
from workhall.core import clock
from workhall.core.errors import Conflict
from workhall.disputes import service
from workhall.disputes.service import Subject
from workhall.ledger import service as ledger
from workhall.payments.models import Payment
from workhall.timesheets import invoicing
from workhall.timesheets import service as timesheets
from workhall.timesheets.models import HourlyInvoice

REASON = "Every hour was logged with a memo and agreed in the thread."


def invoice_of(db, settings, h: Hourly, *, dispute: bool = True) -> HourlyInvoice:
    log_week(db, settings, h)
    clock.set_now(at(2026, 12, 7, 1))
    run(db, settings, "invoice-hourly-weeks")
    (invoice,) = timesheets.invoices_of(db, h.contract.id)
    if dispute:
        clock.set_now(at(2026, 12, 9, 12))
        invoicing.dispute_invoice(db, settings, h.client, invoice.id, "Not agreed.")
    return invoice


@pytest.fixture
def hourly(db, settings) -> Hourly:
    return hire_hourly(db, settings)


def test_client_won_refunds_the_invoice(db, settings, hourly, agent):
    invoice = invoice_of(db, settings, hourly)
    held = ledger.user_balances(db, hourly.client.id)["escrow"]
    assert held == invoice.amount_cents > 0
    d = service.file_dispute(
        db, settings, hourly.freelancer, Subject(invoice_id=invoice.id), REASON
    )
    assert (d.subject_kind, d.at_stake_cents) == ("invoice", held)
    assert service.has_open_dispute(db, invoice_id=invoice.id)
    service.answer_dispute(db, settings, hourly.client, d.id, "We never agreed to Sunday.")
    service.decide_dispute(db, settings, agent, d.id, outcome="client_won")
    assert ledger.user_balances(db, hourly.client.id)["escrow"] == 0
    assert ledger.user_balances(db, hourly.freelancer.id)["freelancer_pending"] == 0
    db.refresh(invoice)
    assert invoice.status == "disputed" and invoice.payment_id is None
    clock.set_now(at(2026, 12, 30))
    assert run(db, settings, "pay-hourly-invoices") == 0


def test_default_pays_the_invoice_when_its_money_would_have_been(db, settings, hourly):
    invoice = invoice_of(db, settings, hourly)
    d = service.file_dispute(
        db, settings, hourly.freelancer, Subject(invoice_id=invoice.id), REASON
    )
    clock.set_now(d.filed_at + timedelta(days=5))
    assert service.default_unanswered_disputes(db, settings) == 1
    db.refresh(invoice)
    payment = db.get(Payment, invoice.payment_id)
    assert invoice.status == "paid" and payment is not None
    assert payment.amount_cents == invoice.amount_cents
    assert payment.available_at == invoice.available_at  # the billed week's end + 10 days
    clock.set_now(at(2026, 12, 30))
    assert run(db, settings, "pay-hourly-invoices") == 0  # paid once
    assert db.scalar(select(func.count()).select_from(Payment)) == 1


def test_split_of_an_invoice(db, settings, hourly, agent):
    invoice = invoice_of(db, settings, hourly)
    d = service.file_dispute(
        db, settings, hourly.freelancer, Subject(invoice_id=invoice.id), REASON
    )
    service.answer_dispute(db, settings, hourly.client, d.id, "Half of it.")
    half = invoice.amount_cents // 2
    service.decide_dispute(
        db,
        settings,
        agent,
        d.id,
        outcome="split",
        freelancer_cents=half,
        client_cents=invoice.amount_cents - half,
    )
    assert ledger.user_balances(db, hourly.client.id)["escrow"] == 0
    assert ledger.user_balances(db, hourly.freelancer.id)["freelancer_pending"] == half - half // 10


def test_only_a_disputed_invoice_within_7_days(db, settings, hourly, client):
    invoice = invoice_of(db, settings, hourly, dispute=False)
    with pytest.raises(Conflict):
        service.file_dispute(
            db, settings, hourly.freelancer, Subject(invoice_id=invoice.id), REASON
        )
    clock.set_now(at(2026, 12, 9, 12))
    invoicing.dispute_invoice(db, settings, hourly.client, invoice.id, "Not agreed.")
    clock.set_now(at(2026, 12, 16, 12))  # exactly 7 days after the client's dispute
    r = client.post(
        "/api/v1/disputes", json={"invoice_id": invoice.id, "reason": REASON}, headers=hourly.fh
    )
    assert r.status_code == 409, r.text
    clock.set_now(at(2026, 12, 16, 11, 59, 59))
    r = client.post(
        "/api/v1/disputes", json={"invoice_id": invoice.id, "reason": REASON}, headers=hourly.fh
    )
    assert r.status_code == 201 and r.json()["invoice_id"] == invoice.id
    r = client.post(
        "/api/v1/disputes", json={"invoice_id": invoice.id, "reason": REASON}, headers=hourly.ch
    )
    assert r.status_code == 403


def test_open_a_dispute_page_for_an_invoice(db, settings, hourly, client):
    from tests.factories import sign_in_browser

    invoice = invoice_of(db, settings, hourly)
    csrf = sign_in_browser(client, db, settings, hourly.freelancer)
    page = client.get(f"/disputes/new?invoice={invoice.id}")
    assert page.status_code == 200 and "hourly invoice for the week of Nov 30" in page.text
    r = client.post(
        "/disputes/new",
        data={"csrf_token": csrf, "invoice": invoice.id, "reason": REASON},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Hourly invoice #" in client.get(r.headers["location"]).text
