"""The Connects page: what it shows, and its buy and plan forms with CSRF (marketplace.md §4)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.connects.conftest import T0
from tests.factories import make_client, make_freelancer
from workhall.accounts.service import create_web_session
from workhall.connects.api import payment_provider
from workhall.connects.models import ConnectsPlanCharge, ConnectsPurchase
from workhall.connects.service import connects_balance, issue_lot
from workhall.core import clock
from workhall.core.web import SESSION_COOKIE
from workhall.payments.provider import Card, ChargeResult, TestPaymentProvider


class CountingProvider(TestPaymentProvider):
    def __init__(self) -> None:
        self.charges = 0

    def charge(self, card: Card, amount_cents: int, description: str) -> ChargeResult:
        self.charges += 1
        return super().charge(card, amount_cents, description)


@pytest.fixture
def provider(app) -> CountingProvider:
    counting = CountingProvider()
    app.dependency_overrides[payment_provider] = lambda: counting
    return counting


def sign_in(client, db, settings, user) -> str:
    """Start a browser session for ``user``; returns the CSRF token its forms carry."""
    token, web_session = create_web_session(db, settings, user)
    db.commit()  # a failing form rolls the session back: keep the set-up (a savepoint here)
    client.cookies.set(SESSION_COOKIE, token)
    return web_session.csrf_token


@pytest.fixture
def freelancer(db, settings, t0):
    return make_freelancer(db, settings)


@pytest.fixture
def csrf(client, db, settings, freelancer) -> str:
    return sign_in(client, db, settings, freelancer)


def buy_form(csrf: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": csrf,
        "bundle": "20",
        "card_number": "4242 4242 4242 4242",
        "exp_month": "12",
        "exp_year": "2030",
        "cvc": "123",
        "form_key": "k-1",
        **fields,
    }


def test_anonymous_is_sent_to_sign_in_and_clients_are_refused(client, db, settings, t0):
    r = client.get("/connects", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/connects")
    sign_in(client, db, settings, make_client(db, settings))
    assert client.get("/connects").status_code == 403


def test_page_shows_balance_plan_lots_history_prices_and_forms(
    client, db, settings, freelancer, csrf
):
    issue_lot(
        db,
        settings,
        freelancer.id,
        kind="purchase",
        source="p",
        amount=20,
        expires_at=T0 + timedelta(days=30),
    )
    db.commit()
    r = client.get("/connects")
    assert r.status_code == 200
    html = r.text
    assert re.search(r'id="connects-balance">\s*30\s*<', html)
    assert "Basic" in html
    # lots, soonest expiry first: the purchase (Dec 18) before the sign-up grant
    assert html.index("Dec 18, 2026") < html.index("Nov 18, 2027")
    assert "Welcome grant" in html  # the history
    # §4.2 price table, from settings
    for text in (
        "budget under $50.00",
        "$50.00 – $599.99",
        "$600.00 – $1,999.99",
        "$2,000.00 – $4,999.99",
        "budget $5,000.00 or more",
        "more than 6 months",
    ):
        assert text in html, text
    assert "4000 0000 0000 0002" in html  # the test cards are hinted
    assert html.count(f'name="csrf_token" value="{csrf}"') >= 2
    assert 'name="form_key"' in html
    for size, price in ((10, "$1.50"), (80, "$12.00")):
        assert f'value="{size}"' in html and price in html
    assert "<script>" not in html.split("</head>")[1]  # no inline scripts (CSP)


def test_history_pages_are_linked(client, db, settings, freelancer, csrf):
    settings.connects_history_page_size = 2
    for n in range(3):
        issue_lot(db, settings, freelancer.id, kind="award", source=f"a{n}", amount=1)
    db.commit()
    first = client.get("/connects").text
    assert "Page 1 of 2" in first and 'href="/connects?page=2"' in first
    assert "Page 2 of 2" in client.get("/connects?page=2").text
    assert client.get("/connects?page=0").status_code == 400


def test_buy_form_needs_the_csrf_token(client, db, freelancer, csrf, provider):
    r = client.post("/connects/purchases", data=buy_form("wrong"))
    assert r.status_code == 403
    r = client.post(
        "/connects/purchases", data={k: v for k, v in buy_form(csrf).items() if k != "csrf_token"}
    )
    assert r.status_code == 403
    assert provider.charges == 0
    assert db.scalar(select(func.count()).select_from(ConnectsPurchase)) == 0


def test_buy_form_buys_once_even_when_submitted_twice(client, db, freelancer, csrf, provider):
    r = client.post("/connects/purchases", data=buy_form(csrf), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/connects"
    page = client.get("/connects").text
    assert "You bought 20 Connects for $3.00" in page
    again = client.post("/connects/purchases", data=buy_form(csrf))
    assert "already made" in again.text
    assert provider.charges == 1
    assert connects_balance(db, freelancer.id) == 30
    # a fresh form (new key) buys again
    client.post("/connects/purchases", data=buy_form(csrf, form_key="k-2", bundle="10"))
    assert connects_balance(db, freelancer.id) == 40


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"card_number": "4000 0000 0000 0002"}, "declined"),
        ({"bundle": "15"}, "bundles of 10, 20, 40, 60, 80"),
        ({"bundle": ""}, "Choose the bundle"),
        ({"card_number": "1234"}, "valid card number"),
        ({"exp_year": "20x0"}, "Choose the expiry year"),
        ({"exp_year": "2020"}, "expired"),
    ],
)
def test_buy_form_errors_show_on_the_page_and_store_nothing(
    client, db, freelancer, csrf, provider, fields, message
):
    r = client.post("/connects/purchases", data=buy_form(csrf, **fields))
    assert r.status_code == 400
    assert message in r.text
    assert db.scalar(select(func.count()).select_from(ConnectsPurchase)) == 0
    assert connects_balance(db, freelancer.id) == 10


def test_plan_form_upgrades_and_explains_the_end_of_the_month(
    client, db, freelancer, csrf, provider
):
    form = {
        "csrf_token": csrf,
        "plan": "plus",
        "card_number": "4242424242424242",
        "exp_month": "1",
        "exp_year": "2031",
        "cvc": "321",
    }
    r = client.post("/connects/plan", data=form, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/connects").text
    assert "You are on Plus until December 01, 2026" in page
    assert re.search(r'id="connects-balance">\s*80\s*<', page)
    assert 'value="basic"' in page  # the way back to Basic is offered
    r = client.post("/connects/plan", data={"csrf_token": csrf, "plan": "basic"})
    assert "back on Basic from then" in r.text
    assert db.scalar(select(func.count()).select_from(ConnectsPlanCharge)) == 1
    clock.set_now(T0 + timedelta(days=13))  # December 1st: Plus has ended
    assert 'value="plus"' in client.get("/connects").text


def test_plan_form_decline_is_shown(client, db, freelancer, csrf, provider):
    form = {
        "csrf_token": csrf,
        "plan": "plus",
        "card_number": "4000000000000002",
        "exp_month": "1",
        "exp_year": "2031",
        "cvc": "321",
    }
    r = client.post("/connects/plan", data=form)
    assert r.status_code == 400 and "declined" in r.text
    assert db.scalar(select(func.count()).select_from(ConnectsPlanCharge)) == 0
