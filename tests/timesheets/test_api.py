"""The timesheet and invoice API (marketplace.md §5 "Hourly"): the freelancer logs time within
the weekly limit, the client reads and disputes; everyone else is kept out (quality.md §2
"Authorization matrix", "Bad input")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.factories import api_headers, make_client, make_freelancer
from tests.timesheets.conftest import count, problem
from workhall.core import clock
from workhall.timesheets import invoicing, service
from workhall.timesheets.models import HourlyInvoice, TimeEntry

WED = datetime(2026, 12, 2, 12, tzinfo=UTC)


def entry(day: str = "2026-12-01", minutes: int = 90, memo: str = "Calendar view") -> dict:
    return {"work_date": day, "minutes": minutes, "memo": memo}


def test_log_list_edit_delete(client, db, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    url = f"/api/v1/contracts/{hourly.contract.id}/time-entries"
    r = client.post(url, json=entry(), headers=hourly.fh)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["minutes"] == 90 and created["week_start"] == "2026-11-30"
    assert created["editable"] is True

    for headers in (hourly.fh, hourly.ch):  # both parties read the timesheet
        r = client.get(url, headers=headers)
        assert r.status_code == 200
        body = r.json()
        assert body["this_week"] == {
            "week_start": "2026-11-30",
            "minutes": 90,
            "weekly_limit_minutes": 600,
        }
        assert [e["id"] for e in body["items"]] == [created["id"]]

    r = client.patch(
        f"/api/v1/time-entries/{created['id']}", json={"minutes": 120}, headers=hourly.fh
    )
    assert r.status_code == 200 and r.json()["minutes"] == 120
    assert r.json()["memo"] == "Calendar view"
    r = client.delete(f"/api/v1/time-entries/{created['id']}", headers=hourly.fh)
    assert r.status_code == 204
    assert count(db, TimeEntry) == 0


def test_weekly_limit_enforced(client, db, hourly):  # type: ignore[no-untyped-def]
    """spec §5: "the freelancer logs time … within the weekly limit" (10 h here)."""
    clock.set_now(WED)
    url = f"/api/v1/contracts/{hourly.contract.id}/time-entries"
    assert client.post(url, json=entry("2026-11-30", 480), headers=hourly.fh).status_code == 201
    r = client.post(url, json=entry("2026-12-01", 120), headers=hourly.fh)
    assert r.status_code == 201  # exactly 10 h
    body = problem(client.post(url, json=entry("2026-12-02", 15), headers=hourly.fh), 422)
    assert "weekly limit" in body["detail"] and body["field"] == "minutes"
    # an edit may not push the week over either, but may keep it at the limit
    second = r.json()["id"]
    problem(
        client.patch(f"/api/v1/time-entries/{second}", json={"minutes": 135}, headers=hourly.fh),
        422,
    )
    r = client.patch(f"/api/v1/time-entries/{second}", json={"minutes": 105}, headers=hourly.fh)
    assert r.status_code == 200
    assert service.week_minutes(db, hourly.contract.id, date(2026, 11, 30)) == 585


@pytest.mark.parametrize(
    "body",
    [
        entry(minutes=20),  # not a 15-minute step
        entry(minutes=0),
        entry(minutes=1455),
        entry(minutes="90"),  # type: ignore[arg-type]
        entry(minutes=1.5),  # type: ignore[arg-type]
        entry(memo=""),
        entry(memo="   "),
        entry(memo="x" * 501),
        entry(memo="bad \x00 byte"),
        entry(day="2026-12-03"),  # in the future
        entry(day="2026-11-29"),  # before the contract started
        entry(day="2026-02-30"),
        entry(day="yesterday"),
        entry(day="9999-12-31"),
        {"work_date": "2026-12-01", "minutes": 60},
        {**entry(), "invoice_id": 1},
        {**entry(), "minutes": 10**30},
    ],
)
def test_bad_input_is_4xx_and_stores_nothing(client, db, hourly, body):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    r = client.post(
        f"/api/v1/contracts/{hourly.contract.id}/time-entries", json=body, headers=hourly.fh
    )
    problem(r, 422)
    assert count(db, TimeEntry) == 0


def test_hostile_memo_is_stored_as_text(client, db, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    memo = "<script>alert(1)</script> ünïcødé"
    r = client.post(
        f"/api/v1/contracts/{hourly.contract.id}/time-entries",
        json=entry(memo=memo),
        headers=hourly.fh,
    )
    assert r.status_code == 201 and r.json()["memo"] == memo


def test_invoices_and_dispute_through_the_api(client, db, settings, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    client.post(
        f"/api/v1/contracts/{hourly.contract.id}/time-entries", json=entry(), headers=hourly.fh
    )
    clock.set_now(datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    invoicing.invoice_due_weeks(db, settings)
    r = client.get(f"/api/v1/contracts/{hourly.contract.id}/invoices", headers=hourly.ch)
    assert r.status_code == 200
    (inv,) = r.json()["items"]
    assert inv["amount_cents"] == 7_500 and inv["status"] == "funded"
    assert inv["can_dispute"] is True and inv["dispute_by"].startswith("2026-12-11T23:59:59")
    assert inv["week_end"] == "2026-12-06"
    problem(client.post(f"/api/v1/invoices/{inv['id']}/dispute", json={}, headers=hourly.ch), 422)
    problem(
        client.post(
            f"/api/v1/invoices/{inv['id']}/dispute", json={"reason": "x" * 2001}, headers=hourly.ch
        ),
        422,
    )
    r = client.post(
        f"/api/v1/invoices/{inv['id']}/dispute",
        json={"reason": "Not agreed"},
        headers=hourly.ch,
    )
    assert r.status_code == 200 and r.json()["status"] == "disputed"
    body = problem(
        client.post(
            f"/api/v1/invoices/{inv['id']}/dispute", json={"reason": "Again"}, headers=hourly.ch
        ),
        409,
    )
    assert body["status_now"] == "disputed"


@pytest.fixture
def scene(client, db, settings, hourly):  # type: ignore[no-untyped-def]
    clock.set_now(WED)
    e = service.log_time(
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
    open_entry = service.log_time(
        db,
        settings,
        hourly.freelancer,
        hourly.contract.id,
        work_date=date(2026, 12, 7),
        minutes=60,
        memo="Monday work",
    )
    (invoice,) = service.invoices_of(db, hourly.contract.id)
    return {
        "contract": hourly.contract.id,
        "entry": open_entry.id,
        "closed_entry": e.id,
        "invoice": invoice.id,
        "freelancer": hourly.fh,
        "client": hourly.ch,
        "stranger_fl": api_headers(db, settings, make_freelancer(db, settings)),
        "stranger_cl": api_headers(db, settings, make_client(db, settings)),
        "anonymous": {},
    }


ENDPOINTS = [
    ("get", "/api/v1/contracts/{contract}/time-entries", None),
    ("post", "/api/v1/contracts/{contract}/time-entries", entry("2026-12-07", 30)),
    ("patch", "/api/v1/time-entries/{entry}", {"minutes": 30}),
    ("delete", "/api/v1/time-entries/{entry}", None),
    ("get", "/api/v1/contracts/{contract}/invoices", None),
    ("post", "/api/v1/invoices/{invoice}/dispute", {"reason": "Not agreed"}),
]
# who → expected status per endpoint, in the order above
MATRIX = {
    "freelancer": [200, 201, 200, 204, 200, 403],
    "client": [200, 403, 403, 403, 200, 200],
    "stranger_fl": [404, 404, 404, 404, 404, 404],
    "stranger_cl": [404, 404, 404, 404, 404, 404],
    "anonymous": [401, 401, 401, 401, 401, 401],
}


@pytest.mark.parametrize("who", list(MATRIX))
@pytest.mark.parametrize("index", range(len(ENDPOINTS)))
def test_authorization_matrix(client, db, scene, who, index):  # type: ignore[no-untyped-def]
    method, path, body = ENDPOINTS[index]
    url = path.format(**scene)
    kwargs = {"headers": scene[who]}
    if body is not None:
        kwargs["json"] = body
    before = (count(db, TimeEntry), db.query(HourlyInvoice).filter_by(status="disputed").count())
    r = client.request(method.upper(), url, **kwargs)
    expected = MATRIX[who][index]
    if expected >= 400:
        problem(r, expected)
        after = (count(db, TimeEntry), db.query(HourlyInvoice).filter_by(status="disputed").count())
        assert after == before
    else:
        assert r.status_code == expected, r.text


def test_invoiced_entries_cannot_change(client, db, scene):  # type: ignore[no-untyped-def]
    url = f"/api/v1/time-entries/{scene['closed_entry']}"
    problem(client.patch(url, json={"minutes": 30}, headers=scene["freelancer"]), 409)
    problem(client.delete(url, headers=scene["freelancer"]), 409)


def test_unknown_and_absurd_ids(client, scene):  # type: ignore[no-untyped-def]
    h = scene["freelancer"]
    problem(client.get("/api/v1/contracts/999999/time-entries", headers=h), 404)
    problem(client.patch("/api/v1/time-entries/999999", json={"minutes": 30}, headers=h), 404)
    problem(client.get(f"/api/v1/contracts/{10**20}/invoices", headers=h), 422)
    problem(client.delete("/api/v1/time-entries/0", headers=h), 422)


def test_fixed_price_contracts_have_no_timesheet(client, db, settings):  # type: ignore[no-untyped-def]
    from tests.contracts.conftest import hire, make_world

    clock.set_now(WED)
    w = make_world(db, settings)
    contract, _ = hire(db, settings, w, 10_000)
    problem(client.get(f"/api/v1/contracts/{contract.id}/time-entries", headers=w.fh), 404)
    problem(
        client.post(f"/api/v1/contracts/{contract.id}/time-entries", json=entry(), headers=w.fh),
        409,
    )
