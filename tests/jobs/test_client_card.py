"""The client's screening card (marketplace.md §2, trust.md §1.4)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.factories import api_headers, make_client, make_job
from workhall.core import clock
from workhall.jobs import service


def test_a_new_client_card(db, settings):
    clock.set_now(datetime(2025, 2, 3, tzinfo=UTC))
    client = make_client(db, settings, country="DE")
    card = service.client_card(db, client.id)
    assert card.member_since == datetime(2025, 2, 3, tzinfo=UTC)
    assert card.country == "DE" and card.country_name == "Germany"
    assert card.payment_verified is False
    assert (card.jobs_posted, card.open_jobs, card.hires, card.hire_rate) == (0, 0, 0, None)
    assert (card.total_spent_cents, card.feedback_average, card.feedback_count) == (0, None, 0)


def test_jobs_posted_hires_and_hire_rate(db, settings):
    client = make_client(db, settings)
    assert client.client_profile is not None
    client.client_profile.payment_method_verified_at = datetime(2025, 1, 1, tzinfo=UTC)
    hired_closed = make_job(db, settings, client)
    service.record_hire(db, settings, hired_closed.id)
    hired_open = make_job(db, settings, client)
    service.record_hire(db, settings, hired_open.id, keep_hiring=True)
    cancelled = make_job(db, settings, client)
    service.cancel_job(db, settings, client, cancelled.id)
    make_job(db, settings, client)  # open, no hire yet: no outcome
    make_job(db, settings)  # another client's
    card = service.client_card(db, client.id)
    assert card.payment_verified is True
    assert card.jobs_posted == 4 and card.open_jobs == 2
    assert card.hires == 2
    # spec: "hire rate (jobs with a hire ÷ jobs closed)": 2 with a hire, 1 closed without
    assert card.hire_rate == 67


def test_spend_and_feedback_come_from_the_contracts_hook(db, settings, monkeypatch):
    client = make_client(db, settings)
    history = service.ClientHistory(
        total_spent_cents=250_000,
        feedback=(
            (Decimal("5.00"), 100_000),
            (Decimal("3.00"), 100_000),
            (Decimal("1.00"), 0),
            (None, 50_000),
        ),
    )
    monkeypatch.setattr(service, "client_spend_and_feedback", lambda session, cid: history)
    card = service.client_card(db, client.id)
    assert card.total_spent_cents == 250_000
    # spec: "Σ stars × amount paid ÷ Σ amount paid, over contracts with feedback and > $0 paid"
    assert card.feedback_average == Decimal("4.00") and card.feedback_count == 2


def test_the_card_is_on_the_job_for_everyone(client, db, settings, monkeypatch):
    owner = make_client(db, settings, country="FR")
    job = make_job(db, settings, owner)
    monkeypatch.setattr(
        service,
        "client_spend_and_feedback",
        lambda session, cid: service.ClientHistory(12_345, ((Decimal("4.50"), 1_000),)),
    )
    card = client.get(f"/api/v1/jobs/{job.id}").json()["client_card"]
    assert card["country"] == "FR" and card["jobs_posted"] == 1 and card["open_jobs"] == 1
    assert card["total_spent_cents"] == 12_345
    assert card["feedback_average"] == 4.5 and card["feedback_count"] == 1
    page = client.get(f"/jobs/{job.id}")
    for fact in (
        "About the client",
        "France",
        "Payment method not verified",
        "Member since",
        "Jobs posted",
        "Hire rate",
        "$123.45",
        "Hires",
        "4.50",
        "1 review",
    ):
        assert fact in page.text, fact
    other = make_client(db, settings)
    assert (
        client.get(f"/api/v1/jobs/{job.id}", headers=api_headers(db, settings, other)).status_code
        == 200
    )
