"""Timesheet and invoice pages (marketplace.md §5 "Hourly", quality.md §3): the freelancer logs,
edits and deletes time through the forms; mistakes re-render with a message and store nothing;
the client disputes until the deadline; strangers and the signed-out are kept out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from tests.factories import make_client, sign_in_browser
from tests.timesheets.conftest import count
from workhall.core import clock
from workhall.timesheets import invoicing, service
from workhall.timesheets.models import TimeEntry

WED = datetime(2026, 12, 2, 12, tzinfo=UTC)
HOSTILE = "<script>alert('x')</script> & more"


def well_formed(html: str, csrf: str) -> None:
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
    assert forms
    for form in forms:
        assert f'name="csrf_token" value="{csrf}"' in form, form[:300]


def as_user(client, db, settings, user) -> str:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    return sign_in_browser(client, db, settings, user)


def test_freelancer_logs_edits_and_deletes_time(client, db, settings, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    csrf = as_user(client, db, settings, hourly.freelancer)
    url = f"/contracts/{hourly.contract.id}/timesheet"
    page = client.get(url)
    assert page.status_code == 200
    assert f'href="/contracts/{hourly.contract.id}"' in page.text  # back to the contract
    assert "0:00 of 10:00 h" in page.text
    well_formed(page.text, csrf)

    r = client.post(
        url,
        data={"csrf_token": csrf, "work_date": "2026-12-01", "hours": "1.5", "memo": HOSTILE},
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert "1:30 of 10:00 h" in r.text
    assert "&lt;script&gt;" in r.text and HOSTILE not in r.text
    (entry,) = service.entries_of(db, hourly.contract.id)
    assert entry.minutes == 90

    r = client.post(
        f"/time-entries/{entry.id}/edit",
        data={"csrf_token": csrf, "work_date": "2026-12-02", "hours": "2:15", "memo": "Fixed"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "2:15 of 10:00 h" in r.text
    db.refresh(entry)
    assert (entry.work_date, entry.minutes, entry.memo) == (date(2026, 12, 2), 135, "Fixed")

    r = client.post(
        f"/time-entries/{entry.id}/delete", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert r.status_code == 200 and "0:00 of 10:00 h" in r.text
    assert count(db, TimeEntry) == 0


def test_mistakes_re_render_with_a_message(client, db, settings, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    csrf = as_user(client, db, settings, hourly.freelancer)
    url = f"/contracts/{hourly.contract.id}/timesheet"
    for form, message in [
        ({"work_date": "2026-12-01", "hours": "1.1", "memo": "x"}, "15-minute steps"),
        ({"work_date": "2026-12-01", "hours": "0:20", "memo": "x"}, "15-minute steps"),
        ({"work_date": "2026-12-01", "hours": "1.123", "memo": "x"}, "1.5 or 1:30"),
        ({"work_date": "2026-12-01", "hours": "25", "memo": "x"}, "1.5 or 1:30"),
        ({"work_date": "2026-12-01", "hours": "11", "memo": "x"}, "weekly limit"),
        ({"work_date": "2026-12-05", "hours": "1", "memo": "x"}, "future"),
        ({"work_date": "nope", "hours": "1", "memo": "x"}, "Pick the day"),
        ({"work_date": "2026-12-01", "hours": "1", "memo": ""}, "Write a memo"),
        ({"work_date": "2026-12-01", "hours": "NaN", "memo": "x"}, "1.5 or 1:30"),
    ]:
        r = client.post(url, data={"csrf_token": csrf, **form})
        assert r.status_code == 400, form
        assert message in r.text, (form, r.text[:2000])
        assert f'value="{form["hours"]}"' in r.text  # what was typed is kept
    assert count(db, TimeEntry) == 0
    # without the CSRF token nothing happens
    r = client.post(url, data={"work_date": "2026-12-01", "hours": "1", "memo": "x"})
    assert r.status_code == 403
    assert count(db, TimeEntry) == 0


def test_client_sees_and_disputes_invoices(client, db, settings, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    service.log_time(
        db,
        settings,
        hourly.freelancer,
        hourly.contract.id,
        work_date=date(2026, 12, 1),
        minutes=120,
        memo="Work",
    )
    clock.set_now(datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    invoicing.invoice_due_weeks(db, settings)
    (invoice,) = service.invoices_of(db, hourly.contract.id)

    csrf = as_user(client, db, settings, hourly.client)
    timesheet = client.get(f"/contracts/{hourly.contract.id}/timesheet")
    assert timesheet.status_code == 200
    assert "Charged" in timesheet.text and "Log time" not in timesheet.text
    page = client.get(f"/contracts/{hourly.contract.id}/invoices")
    assert page.status_code == 200
    assert "$100.00" in page.text and "Fri Dec 11, 23:59:59 UTC" in page.text
    assert f'action="/invoices/{invoice.id}/dispute"' in page.text
    well_formed(page.text, csrf)

    r = client.post(
        f"/invoices/{invoice.id}/dispute",
        data={"csrf_token": csrf, "reason": "Not agreed"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "Invoice disputed" in r.text
    db.refresh(invoice)
    assert invoice.status == "disputed"
    assert f'action="/invoices/{invoice.id}/dispute"' not in r.text

    # the freelancer sees the invoice, never a dispute button
    as_user(client, db, settings, hourly.freelancer)
    page = client.get(f"/contracts/{hourly.contract.id}/invoices")
    assert page.status_code == 200 and "Disputed" in page.text and "Not agreed" in page.text
    assert "Dispute this invoice" not in page.text


def test_no_dispute_button_after_the_deadline(client, db, settings, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    service.log_time(
        db,
        settings,
        hourly.freelancer,
        hourly.contract.id,
        work_date=date(2026, 12, 1),
        minutes=60,
        memo="Work",
    )
    clock.set_now(datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    invoicing.invoice_due_weeks(db, settings)
    clock.set_now(datetime(2026, 12, 12, 0, 0, tzinfo=UTC))
    as_user(client, db, settings, hourly.client)
    page = client.get(f"/contracts/{hourly.contract.id}/invoices")
    assert page.status_code == 200 and "Dispute this invoice" not in page.text


def test_strangers_and_signed_out(client, db, settings, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    entry = service.log_time(
        db,
        settings,
        hourly.freelancer,
        hourly.contract.id,
        work_date=date(2026, 12, 1),
        minutes=60,
        memo="Work",
    )
    for path in ("timesheet", "invoices"):
        r = client.get(f"/contracts/{hourly.contract.id}/{path}", follow_redirects=False)
        assert r.status_code in (302, 303) and "/login" in r.headers["location"]
    csrf = as_user(client, db, settings, make_client(db, settings))
    for path in ("timesheet", "invoices"):
        assert client.get(f"/contracts/{hourly.contract.id}/{path}").status_code == 404
    r = client.post(f"/time-entries/{entry.id}/delete", data={"csrf_token": csrf})
    assert r.status_code == 404
    # the client may not log time
    csrf = as_user(client, db, settings, hourly.client)
    r = client.post(
        f"/contracts/{hourly.contract.id}/timesheet",
        data={"csrf_token": csrf, "work_date": "2026-12-01", "hours": "1", "memo": "x"},
    )
    assert r.status_code == 400 and "Only the freelancer" in r.text
    assert count(db, TimeEntry) == 1
