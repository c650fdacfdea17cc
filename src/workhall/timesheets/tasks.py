"""Worker tasks of hourly contracts (marketplace.md §5 "Hourly"). Both act once per (contract,
week) however often they run and however many workers run them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workhall.core.settings import Settings
from workhall.timesheets.invoicing import invoice_due_weeks, pay_due_invoices
from workhall.worker import Task


def _invoice(session: Session, settings: Settings) -> int:
    """spec: marketplace.md §5 — "on the following Monday the week is invoiced to the client"."""
    return invoice_due_weeks(session, settings)


def _pay(session: Session, settings: Settings) -> int:
    """spec: marketplace.md §5 — "undisputed hours are paid" after the dispute deadline."""
    return pay_due_invoices(session, settings)


TASKS = [
    Task("invoice-hourly-weeks", 600, _invoice),
    Task("pay-hourly-invoices", 600, _pay),
]
