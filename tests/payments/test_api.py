"""Payments API: balance, payments, ledger lines, payout methods and withdrawals (§6), with
idempotency (§6.4) and who may call what (quality.md §2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import api_headers, make_client, make_freelancer
from tests.payments.conftest import balances, pair
from workhall.core import clock
from workhall.payments import payouts
from workhall.payments import service as payments
from workhall.payments.api import payment_provider
from workhall.payments.models import PayoutMethod, Withdrawal
from workhall.payments.provider import ChargeResult, TestPaymentProvider
from workhall.payments.tasks import mature_payments

IBAN = "DE89370400440532013000"
WITHDRAWALS = "/api/v1/me/withdrawals"
METHODS = "/api/v1/me/payout-methods"


def earn(db, settings, freelancer, amount, *, contract_id=1, mature=True):  # type: ignore[no-untyped-def]
    client, _ = pair(db, settings)
    payments.fund_escrow(
        db,
        settings,
        client=client,
        freelancer_id=freelancer.id,
        contract_id=contract_id,
        amount_cents=amount,
        milestone_id=contract_id * 10,
    )
    payment = payments.release_escrow(
        db,
        settings,
        client_id=client.id,
        freelancer_id=freelancer.id,
        contract_id=contract_id,
        amount_cents=amount,
        milestone_id=contract_id * 10,
        available_at=clock.utcnow() if mature else clock.utcnow() + timedelta(days=5),
    )
    if mature:
        mature_payments(db, settings)
    return client, payment


@pytest.fixture
def freelancer(db, settings, t0):
    return make_freelancer(db, settings, identity_verified_at=t0)


@pytest.fixture
def headers(db, settings, freelancer):
    h = api_headers(db, settings, freelancer)
    db.commit()  # a failing request rolls back to here
    return h


@pytest.fixture
def method(db, settings, freelancer):
    m = payouts.add_payout_method(db, settings, freelancer, payouts.bank_account("Ada", iban=IBAN))
    db.commit()
    return m


# --- who may call what ------------------------------------------------------------------------

ENDPOINTS = [
    ("GET", "/api/v1/me/balance", None),
    ("GET", "/api/v1/me/payments", None),
    ("GET", "/api/v1/me/transactions", None),
    ("GET", METHODS, None),
    ("POST", METHODS, {"holder_name": "Ada", "iban": IBAN}),
    ("DELETE", f"{METHODS}/1", None),
    ("GET", WITHDRAWALS, None),
    ("POST", WITHDRAWALS, {"amount_cents": 100, "payout_method_id": 1}),
]


@pytest.mark.parametrize(("method_", "path", "body"), ENDPOINTS)
def test_anonymous_is_401(client, method_, path, body):
    r = client.request(method_, path, json=body)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


FREELANCER_ONLY = [e for e in ENDPOINTS if "payout-methods" in e[1] or "withdrawals" in e[1]]


@pytest.mark.parametrize(("method_", "path", "body"), FREELANCER_ONLY)
def test_clients_have_no_payouts(client, db, settings, t0, method_, path, body):
    headers = api_headers(db, settings, make_client(db, settings))
    r = client.request(method_, path, json=body, headers=headers)
    assert r.status_code == 403


def test_another_freelancers_payout_method_is_404(client, db, settings, headers, freelancer):
    earn(db, settings, freelancer, 10_000)
    other = make_freelancer(db, settings, identity_verified_at=clock.utcnow())
    theirs = payouts.add_payout_method(db, settings, other, payouts.bank_account("B", iban=IBAN))
    db.commit()
    r = client.post(
        WITHDRAWALS, json={"amount_cents": 1_000, "payout_method_id": theirs.id}, headers=headers
    )
    assert r.status_code == 404
    assert client.delete(f"{METHODS}/{theirs.id}", headers=headers).status_code == 404
    assert client.get(METHODS, headers=headers).json() == []
    assert db.get(PayoutMethod, theirs.id).removed_at is None
    assert balances(db, freelancer.id)["freelancer_available"] == 9_000


def test_each_user_sees_only_their_own_money(client, db, settings, headers, freelancer):
    earn(db, settings, freelancer, 10_000)
    other = make_freelancer(db, settings)
    other_headers = api_headers(db, settings, other)
    db.commit()
    assert client.get("/api/v1/me/payments", headers=other_headers).json()["items"] == []
    assert client.get("/api/v1/me/transactions", headers=other_headers).json()["total"] == 0
    assert client.get("/api/v1/me/balance", headers=other_headers).json()["available_cents"] == 0


# --- reading --------------------------------------------------------------------------------------


def test_balance_and_payments_of_a_freelancer(client, db, settings, headers, freelancer, t0):
    earn(db, settings, freelancer, 10_000, contract_id=1)
    _, pending = earn(db, settings, freelancer, 20_000, contract_id=2, mature=False)
    db.commit()
    body = client.get("/api/v1/me/balance", headers=headers).json()
    assert body == {
        "pending_cents": 18_000,
        "available_cents": 9_000,
        "escrow_cents": 0,
        "lifetime_earnings_cents": 30_000,
        "next_available": [
            {
                "payment_id": pending.id,
                "net_cents": 18_000,
                "available_at": (t0 + timedelta(days=5)).isoformat(),
            }
        ],
    }
    got = client.get("/api/v1/me/payments", headers=headers).json()
    assert got["role"] == "freelancer" and got["total"] == 2
    newest = got["items"][0]
    assert newest["kind"] == "payment" and newest["contract_id"] in (1, 2)
    by_contract = {i["contract_id"]: i for i in got["items"]}
    assert by_contract[1] | {"id": 0, "at": ""} == {
        "kind": "payment",
        "id": 0,
        "at": "",
        "contract_id": 1,
        "milestone_id": 10,
        "invoice_id": None,
        "amount_cents": 10_000,
        "fee_cents": 1_000,
        "net_cents": 9_000,
        "total_cents": None,
        "status": "available",
        "available_at": t0.isoformat(),
    }
    assert by_contract[2]["status"] == "pending"


def test_charges_and_refunds_of_a_client(client, db, settings, t0):
    buyer, freelancer = pair(db, settings)
    payments.fund_escrow(
        db, settings, client=buyer, freelancer_id=freelancer.id, contract_id=5, amount_cents=10_000
    )
    clock.set_now(t0 + timedelta(hours=1))
    payments.refund_escrow(db, settings, client_id=buyer.id, contract_id=5, amount_cents=4_000)
    headers = api_headers(db, settings, buyer)
    db.commit()
    got = client.get("/api/v1/me/payments", headers=headers).json()
    assert got["role"] == "client" and got["total"] == 2
    assert [
        (i["kind"], i["amount_cents"], i["fee_cents"], i["total_cents"]) for i in got["items"]
    ] == [
        ("refund", 4_000, 120, 4_120),
        ("charge", 10_000, 300, 10_300),
    ]
    assert client.get("/api/v1/me/balance", headers=headers).json()["escrow_cents"] == 6_000


def test_transactions_are_the_users_ledger_lines_paginated(
    client, db, settings, headers, freelancer
):
    settings.ledger_page_size = 2
    earn(db, settings, freelancer, 10_000)  # release (+pending), available (−pending, +available)
    db.commit()
    first = client.get("/api/v1/me/transactions", headers=headers).json()
    assert (first["total"], first["pages"], len(first["items"])) == (3, 2, 2)
    second = client.get("/api/v1/me/transactions?page=2", headers=headers).json()
    lines = first["items"] + second["items"]
    assert sorted((x["kind"], x["account"], x["amount_cents"]) for x in lines) == [
        ("available", "freelancer_available", 9_000),
        ("available", "freelancer_pending", -9_000),
        ("release", "freelancer_pending", 9_000),
    ]
    assert client.get("/api/v1/me/transactions?page=0", headers=headers).status_code == 422


# --- payout methods ------------------------------------------------------------------------------


def test_add_list_and_remove_payout_methods(client, headers):
    r = client.post(
        METHODS,
        json={"holder_name": "Ada L", "iban": "DE89 3704 0044 0532 0130 00"},
        headers=headers,
    )
    assert r.status_code == 201 and r.json()["label"] == "Bank ····3000"
    us = client.post(
        METHODS,
        json={
            "holder_name": "Ada L",
            "routing_number": "110000000",
            "account_number": "000123456789",
        },
        headers=headers,
    )
    assert us.status_code == 201
    assert [m["label"] for m in client.get(METHODS, headers=headers).json()] == [
        "Bank ····3000",
        "Bank ····6789",
    ]
    assert client.delete(f"{METHODS}/{r.json()['id']}", headers=headers).status_code == 204
    assert [m["label"] for m in client.get(METHODS, headers=headers).json()] == ["Bank ····6789"]


@pytest.mark.parametrize(
    "body",
    [
        {"holder_name": "Ada", "iban": "DE89370400440532013001"},  # bad check digits
        {"holder_name": "Ada"},  # neither kind
        {"holder_name": "Ada", "iban": IBAN, "routing_number": "110000000"},  # both
        {"holder_name": "Ada", "routing_number": "110000000"},  # no account number
        {"holder_name": "Ada", "routing_number": "110000001", "account_number": "1234"},
        {"holder_name": "", "iban": IBAN},
        {"holder_name": "<script>alert(1)</script>" * 10, "iban": IBAN},  # too long
        {"holder_name": "Ada", "iban": IBAN, "extra": 1},
        {"holder_name": "Ada\x00", "iban": IBAN},
    ],
)
def test_bad_bank_details_are_422_and_store_nothing(client, db, headers, body):
    r = client.post(METHODS, json=body, headers=headers)
    assert r.status_code == 422
    assert db.scalar(select(func.count()).select_from(PayoutMethod)) == 0


# --- withdrawals ----------------------------------------------------------------------------


def test_withdraw_201_then_listed(client, db, settings, headers, freelancer, method):
    earn(db, settings, freelancer, 10_000)
    db.commit()
    r = client.post(
        WITHDRAWALS, json={"amount_cents": 2_500, "payout_method_id": method.id}, headers=headers
    )
    assert r.status_code == 201
    body = r.json()
    assert (body["amount_cents"], body["available_cents"], body["status"]) == (2_500, 6_500, "paid")
    assert body["payout_method_label"] == "Bank ····3000"
    listed = client.get(WITHDRAWALS, headers=headers).json()["items"]
    assert [w["id"] for w in listed] == [body["id"]]


def test_withdraw_without_identity_says_why(client, db, settings, freelancer, headers, method):
    earn(db, settings, freelancer, 10_000)
    freelancer.identity_verified_at = None
    db.commit()
    r = client.post(
        WITHDRAWALS, json={"amount_cents": 2_500, "payout_method_id": method.id}, headers=headers
    )
    assert r.status_code == 403
    assert r.json()["type"] == "/problems/identity-verification-required"
    assert "Verify your identity to withdraw" in r.json()["detail"]


def test_withdraw_more_than_available_is_409(client, db, settings, headers, freelancer, method):
    earn(db, settings, freelancer, 10_000)
    db.commit()
    r = client.post(
        WITHDRAWALS, json={"amount_cents": 9_001, "payout_method_id": method.id}, headers=headers
    )
    assert r.status_code == 409 and r.json()["available_cents"] == 9_000


@pytest.mark.parametrize(
    "body",
    [
        {"amount_cents": 0, "payout_method_id": 1},
        {"amount_cents": 50, "payout_method_id": 1},  # under $1 (the service's limit)
        {"amount_cents": "100", "payout_method_id": 1},
        {"amount_cents": 10**12, "payout_method_id": 1},
        {"amount_cents": 100.5, "payout_method_id": 1},
        {"amount_cents": 100},
        {"amount_cents": 100, "payout_method_id": 1, "note": "x"},
    ],
)
def test_bad_withdrawals_are_422(client, db, settings, headers, freelancer, method, body):
    earn(db, settings, freelancer, 10_000)
    db.commit()
    body = {**body, "payout_method_id": method.id} if "payout_method_id" in body else body
    r = client.post(WITHDRAWALS, json=body, headers=headers)
    assert r.status_code == 422
    assert db.scalar(select(func.count()).select_from(Withdrawal)) == 0


def test_replaying_a_key_returns_the_first_answer_and_moves_nothing(
    client, db, settings, headers, freelancer, method
):
    earn(db, settings, freelancer, 10_000)
    db.commit()
    h = {**headers, "Idempotency-Key": "w-1"}
    body = {"amount_cents": 2_000, "payout_method_id": method.id}
    first = client.post(WITHDRAWALS, json=body, headers=h)
    again = client.post(WITHDRAWALS, json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert balances(db, freelancer.id)["freelancer_available"] == 7_000
    other = client.post(WITHDRAWALS, json={**body, "amount_cents": 2_001}, headers=h)
    assert other.status_code == 422
    assert balances(db, freelancer.id)["freelancer_available"] == 7_000
    assert db.scalar(select(func.count()).select_from(Withdrawal)) == 1


class CrashAfterPayout(TestPaymentProvider):
    """Pays out, then the connection drops before Workhall hears back — once."""

    def __init__(self, base: TestPaymentProvider) -> None:
        super().__init__(base.store_path)
        self.crash = True

    def payout(
        self, destination_token: str, amount_cents: int, idempotency_key: str
    ) -> ChargeResult:
        result = super().payout(destination_token, amount_cents, idempotency_key)
        if self.crash:
            self.crash = False
            raise ConnectionError("the provider's answer was lost")
        return result


def test_a_request_killed_mid_way_is_retried_once(
    app, client, db, settings, headers, freelancer, method, provider
):
    """quality.md §2 — the bank was paid but the request failed; retried with its key, the
    money moves exactly once."""
    crashing = CrashAfterPayout(provider)
    app.dependency_overrides[payment_provider] = lambda: crashing
    earn(db, settings, freelancer, 10_000)
    db.commit()
    h = {**headers, "Idempotency-Key": "w-crash"}
    body = {"amount_cents": 4_000, "payout_method_id": method.id}
    assert client.post(WITHDRAWALS, json=body, headers=h).status_code == 500
    assert balances(db, freelancer.id)["freelancer_available"] == 9_000
    retried = client.post(WITHDRAWALS, json=body, headers=h)
    replayed = client.post(WITHDRAWALS, json=body, headers=h)
    assert retried.status_code == replayed.status_code == 201
    assert retried.json() == replayed.json()
    assert balances(db, freelancer.id)["freelancer_available"] == 5_000
    assert len(provider.operations("payout")) == 1
    assert db.scalar(select(func.count()).select_from(Withdrawal)) == 1
