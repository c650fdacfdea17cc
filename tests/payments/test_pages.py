"""The earnings and billing pages (marketplace.md §6): what they show, their forms, CSRF and
who may open them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer, sign_in_browser
from tests.payments.conftest import balances, pair, paying_client
from workhall.core import clock
from workhall.payments import payouts
from workhall.payments import service as payments
from workhall.payments.models import PayoutMethod, Withdrawal
from workhall.payments.tasks import mature_payments

IBAN = "DE89 3704 0044 0532 0130 00"


def earn(db, settings, freelancer, amount, *, contract_id=3, mature=True):  # type: ignore[no-untyped-def]
    client, _ = pair(db, settings)
    payments.fund_escrow(
        db,
        settings,
        client=client,
        freelancer_id=freelancer.id,
        contract_id=contract_id,
        amount_cents=amount,
    )
    payments.release_escrow(
        db,
        settings,
        client_id=client.id,
        freelancer_id=freelancer.id,
        contract_id=contract_id,
        amount_cents=amount,
        available_at=clock.utcnow() if mature else clock.utcnow() + timedelta(days=5),
    )
    if mature:
        mature_payments(db, settings)


@pytest.fixture
def freelancer(db, settings, t0):
    return make_freelancer(db, settings, identity_verified_at=t0)


@pytest.fixture
def csrf(client, db, settings, freelancer) -> str:
    return sign_in_browser(client, db, settings, freelancer)


def test_pages_need_a_sign_in(client):
    for path in ("/earnings", "/billing"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code in (302, 303, 307) and "/login" in r.headers["location"]


def test_each_page_is_for_its_role(client, db, settings, t0):
    sign_in_browser(client, db, settings, make_client(db, settings))
    assert client.get("/earnings").status_code == 403
    assert client.get("/billing").status_code == 200
    sign_in_browser(client, db, settings, make_freelancer(db, settings))
    assert client.get("/billing").status_code == 403


def test_earnings_shows_balances_pending_dates_and_payments(
    client, db, settings, freelancer, csrf, t0
):
    earn(db, settings, freelancer, 10_000, contract_id=3)
    earn(db, settings, freelancer, 20_000, contract_id=4, mature=False)
    db.commit()
    html = client.get("/earnings").text
    assert re.search(r'id="available-balance">\$90\.00<', html)
    assert re.search(r'id="pending-balance">\$180\.00<', html)
    assert re.search(r'id="lifetime-earnings">\$300\.00<', html)
    assert (t0 + timedelta(days=5)).strftime("%b %d, %Y") in html  # when the pending one frees
    assert 'href="/contracts/3"' in html and 'href="/contracts/4"' in html
    assert "−$20.00" in html  # the fee of the $200 payment
    assert "Verify your identity to withdraw" not in html
    assert 'href="/earnings"' in html  # the user menu


def test_the_identity_requirement_is_explained(client, db, settings, t0):
    user = make_freelancer(db, settings)
    sign_in_browser(client, db, settings, user)
    html = client.get("/earnings").text
    assert "Verify your identity to withdraw" in html
    assert 'action="/earnings/withdraw"' not in html


def test_add_a_payout_method_and_withdraw_through_the_forms(client, db, settings, freelancer, csrf):
    earn(db, settings, freelancer, 10_000)
    db.commit()
    r = client.post(
        "/earnings/payout-methods",
        data={"csrf_token": csrf, "holder_name": "Ada", "kind": "iban", "iban": IBAN},
        follow_redirects=False,
    )
    assert r.status_code == 303
    method = db.scalar(select(PayoutMethod))
    assert method is not None and method.label == "Bank ····3000"
    page = client.get("/earnings").text
    assert "Bank ····3000 was added." in page
    key = re.search(r'name="form_key" value="([^"]+)"', page).group(1)
    form = {
        "csrf_token": csrf,
        "amount": "40.50",
        "payout_method_id": str(method.id),
        "form_key": key,
    }
    r = client.post("/earnings/withdraw", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert "$40.50 is on its way" in client.get("/earnings").text
    # The same form sent twice (a double click) withdraws once.
    assert client.post("/earnings/withdraw", data=form, follow_redirects=False).status_code == 303
    assert db.scalar(select(func.count()).select_from(Withdrawal)) == 1
    assert balances(db, freelancer.id)["freelancer_available"] == 9_000 - 4_050


def test_a_us_bank_account_through_the_form(client, db, freelancer, csrf):
    r = client.post(
        "/earnings/payout-methods",
        data={
            "csrf_token": csrf,
            "holder_name": "Ada",
            "kind": "us",
            "routing_number": "110000000",
            "account_number": "000123456789",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert db.scalar(select(PayoutMethod.label)) == "Bank ····6789"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"amount": "500", "payout_method_id": "{m}"}, "You have $90.00 available"),
        ({"amount": "0.50", "payout_method_id": "{m}"}, "Withdraw between $1.00"),
        ({"amount": "ten", "payout_method_id": "{m}"}, "Enter an amount in dollars"),
        ({"amount": "10", "payout_method_id": "x"}, "Choose a payout method"),
        ({"amount": "10", "payout_method_id": "999999"}, "No such payout method"),
    ],
)
def test_a_bad_withdrawal_shows_why_and_keeps_nothing(
    client, db, settings, freelancer, csrf, form, message
):
    earn(db, settings, freelancer, 10_000)
    method = payouts.add_payout_method(
        db, settings, freelancer, payouts.bank_account("Ada", iban=IBAN)
    )
    db.commit()
    data = {k: v.replace("{m}", str(method.id)) for k, v in form.items()}
    r = client.post("/earnings/withdraw", data={"csrf_token": csrf, **data})
    assert r.status_code == 400 and message in r.text
    assert db.scalar(select(func.count()).select_from(Withdrawal)) == 0
    assert balances(db, freelancer.id)["freelancer_available"] == 9_000


def test_a_bad_iban_shows_why(client, db, csrf):
    r = client.post(
        "/earnings/payout-methods",
        data={"csrf_token": csrf, "holder_name": "Ada", "kind": "iban", "iban": "DE00 1234"},
    )
    assert r.status_code == 400 and "Enter a valid IBAN." in r.text
    assert db.scalar(select(func.count()).select_from(PayoutMethod)) == 0


def test_remove_a_payout_method_only_your_own(client, db, settings, freelancer, csrf):
    mine = payouts.add_payout_method(db, settings, freelancer, payouts.bank_account("A", iban=IBAN))
    other = make_freelancer(db, settings)
    theirs = payouts.add_payout_method(db, settings, other, payouts.bank_account("B", iban=IBAN))
    db.commit()
    r = client.post(f"/earnings/payout-methods/{theirs.id}/remove", data={"csrf_token": csrf})
    assert r.status_code == 400 and "No such payout method" in r.text
    r = client.post(
        f"/earnings/payout-methods/{mine.id}/remove",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(mine)
    db.refresh(theirs)
    assert mine.removed_at is not None and theirs.removed_at is None


@pytest.mark.parametrize(
    "path", ["/earnings/withdraw", "/earnings/payout-methods", "/earnings/payout-methods/1/remove"]
)
def test_forms_need_the_csrf_token(client, db, settings, freelancer, csrf, path):
    earn(db, settings, freelancer, 10_000)
    db.commit()
    r = client.post(path, data={"amount": "10", "holder_name": "A", "iban": IBAN})
    assert r.status_code == 403
    assert db.scalar(select(func.count()).select_from(PayoutMethod)) == 0


def test_billing_shows_the_card_charges_refunds_and_escrow(client, db, settings, t0):
    buyer = paying_client(db, settings)
    freelancer = make_freelancer(db, settings)
    payments.fund_escrow(
        db, settings, client=buyer, freelancer_id=freelancer.id, contract_id=8, amount_cents=10_000
    )
    payments.refund_escrow(db, settings, client_id=buyer.id, contract_id=8, amount_cents=2_500)
    sign_in_browser(client, db, settings, buyer)
    html = client.get("/billing").text
    assert "Card ending in <strong>4242</strong>" in html
    assert re.search(r'id="escrow-balance">\$75\.00<', html)
    assert "−$103.00" in html and "+$25.75" in html
    assert 'href="/contracts/8"' in html
    assert 'href="/billing"' in html  # the user menu


def test_billing_without_a_card_invites_to_add_one(client, db, settings, t0):
    sign_in_browser(client, db, settings, make_client(db, settings))
    html = client.get("/billing").text
    assert "Add a card" in html and "No charges yet" in html
