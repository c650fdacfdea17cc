"""Connects API (interfaces.md §1): balance, lots, history, prices, purchases and the plan,
with idempotency (marketplace.md §6.4) and who may call what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.connects.conftest import DECLINED_CARD, GOOD_CARD, T0, lots_of
from tests.factories import api_headers, make_client, make_freelancer
from workhall.connects.api import payment_provider
from workhall.connects.models import ConnectsLot, ConnectsPlanCharge, ConnectsPurchase
from workhall.connects.service import connects_balance, issue_lot, spend_connects
from workhall.connects.tasks import grant_current_month
from workhall.core import clock
from workhall.core.idempotency import IdempotencyRecord
from workhall.payments.provider import Card, ChargeResult, TestPaymentProvider

PURCHASES = "/api/v1/me/connects/purchases"
PLAN = "/api/v1/me/connects/plan"


class CountingProvider(TestPaymentProvider):
    def __init__(self) -> None:
        self.charges: list[tuple[str, int]] = []

    def charge(self, card: Card, amount_cents: int, description: str) -> ChargeResult:
        result = super().charge(card, amount_cents, description)
        self.charges.append((card.last4, amount_cents))
        return result


@pytest.fixture
def provider(app) -> CountingProvider:
    counting = CountingProvider()
    app.dependency_overrides[payment_provider] = lambda: counting
    return counting


@pytest.fixture
def freelancer(db, settings, t0):
    return make_freelancer(db, settings)


@pytest.fixture
def headers(db, settings, freelancer):
    h = api_headers(db, settings, freelancer)
    db.commit()  # a failing request rolls the session back: keep the set-up (a savepoint here)
    return h


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


# --- who may call what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/me/connects", None),
        ("get", PLAN, None),
        ("post", PURCHASES, {"bundle": 10, "card": GOOD_CARD}),
        ("post", PLAN, {"plan": "plus", "card": GOOD_CARD}),
    ],
)
def test_anonymous_401_and_client_403(client, db, settings, provider, t0, method, path, body):
    kwargs = {"json": body} if body is not None else {}
    r = getattr(client, method)(path, **kwargs)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    customer = make_client(db, settings)
    h = api_headers(db, settings, customer)
    db.commit()
    r = getattr(client, method)(path, headers=h, **kwargs)
    assert r.status_code == 403
    assert provider.charges == []
    assert count(db, ConnectsLot) == 0


def test_prices_are_public_and_read_from_settings(client):
    r = client.get("/api/v1/connects/prices")
    assert r.status_code == 200
    body = r.json()
    assert body["fixed"][0] == {"min_cents": 0, "max_cents": 5000, "connects": 2}
    assert body["fixed"][-1] == {"min_cents": 500000, "max_cents": None, "connects": 16}
    assert body["hourly"] == [
        {"duration": "lt1m", "connects": 4},
        {"duration": "1to3m", "connects": 8},
        {"duration": "3to6m", "connects": 12},
        {"duration": "gt6m", "connects": 16},
    ]
    assert body["bundles"][0] == {"connects": 10, "amount_cents": 150}
    assert body["bundles"][-1] == {"connects": 80, "amount_cents": 1200}
    assert body["plans"] == [
        {"plan": "basic", "monthly_grant": 10, "price_cents": 0},
        {"plan": "plus", "monthly_grant": 80, "price_cents": 1499},
    ]
    assert body["boost"] == {"slots": 4, "auction_days": 7, "min_bid": 1}


# --- balance, lots and history ----------------------------------------------------------------


def test_my_connects_lists_live_lots_soonest_first_and_history_newest_first(
    client, db, settings, freelancer, headers
):
    uid = freelancer.id
    issue_lot(
        db,
        settings,
        uid,
        kind="purchase",
        source="p",
        amount=20,
        expires_at=T0 + timedelta(days=100),
    )
    issue_lot(
        db, settings, uid, kind="award", source="gone", amount=7, expires_at=T0 + timedelta(hours=1)
    )
    clock.set_now(T0 + timedelta(hours=2))  # the award lot has expired
    spend_connects(db, settings, uid, 4, purpose="price", proposal_id=55, job_id=5)
    r = client.get("/api/v1/me/connects", headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["balance"] == 26
    assert body["plan"] == "basic" and body["plus_until"] is None
    assert [(lot["kind"], lot["remaining"], lot["original"]) for lot in body["lots"]] == [
        ("purchase", 16, 20),
        ("grant", 10, 10),
    ]
    assert set(body["lots"][0]) == {"kind", "remaining", "expires_at", "issued_at", "original"}
    assert datetime.fromisoformat(body["lots"][0]["expires_at"]) == T0 + timedelta(days=100)
    history = body["history"]
    assert [h["kind"] for h in history] == ["spend", "award", "purchase", "grant"]
    assert history[0] == {
        "at": (T0 + timedelta(hours=2)).isoformat(),
        "kind": "spend",
        "amount": -4,
        "balance_after": 26,
        "job_id": 5,
        "proposal_id": 55,
        "note": "",
    }
    assert (body["page"], body["pages"], body["history_total"]) == (1, 1, 4)


def test_history_is_paginated(client, db, settings, freelancer, headers):
    settings.connects_history_page_size = 3
    for n in range(4):
        clock.set_now(T0 + timedelta(minutes=n + 1))
        issue_lot(db, settings, freelancer.id, kind="award", source=f"a{n}", amount=1)
    first = client.get("/api/v1/me/connects", headers=headers).json()
    second = client.get("/api/v1/me/connects?page=2", headers=headers).json()
    assert (first["pages"], first["history_total"]) == (2, 5)
    assert [h["balance_after"] for h in first["history"]] == [14, 13, 12]
    assert [h["balance_after"] for h in second["history"]] == [11, 10]
    assert client.get("/api/v1/me/connects?page=9", headers=headers).json()["history"] == []
    for bad in ("0", "-1", "x", "10000000"):
        r = client.get(f"/api/v1/me/connects?page={bad}", headers=headers)
        assert r.status_code == 422, bad


# --- purchases --------------------------------------------------------------------------------


def test_buy_a_bundle(client, db, settings, freelancer, headers, provider):
    r = client.post(PURCHASES, json={"bundle": 20, "card": GOOD_CARD}, headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body == {"id": body["id"], "connects": 20, "amount_cents": 300, "balance": 30}
    assert provider.charges == [("4242", 300)]
    purchase = db.get(ConnectsPurchase, body["id"])
    assert (purchase.user_id, purchase.bundle, purchase.amount_cents, purchase.card_last4) == (
        freelancer.id,
        20,
        300,
        "4242",
    )
    assert purchase.provider_reference.startswith("test_")
    lot = lots_of(db, freelancer.id)[-1]
    assert (lot.kind, lot.source, lot.original) == ("purchase", f"purchase:{body['id']}", 20)
    assert lot.expires_at == T0 + timedelta(days=365)


def test_declined_card_is_402_and_stores_nothing(
    client, db, settings, freelancer, headers, provider
):
    r = client.post(PURCHASES, json={"bundle": 10, "card": DECLINED_CARD}, headers=headers)
    assert r.status_code == 402
    problem = r.json()
    assert problem["type"] == "/problems/payment-declined"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert count(db, ConnectsPurchase) == 0
    assert connects_balance(db, freelancer.id) == 10
    assert len(lots_of(db, freelancer.id)) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"bundle": 15, "card": GOOD_CARD},  # not a bundle
        {"bundle": 0, "card": GOOD_CARD},
        {"bundle": "10", "card": GOOD_CARD},  # wrong type
        {"bundle": True, "card": GOOD_CARD},
        {"bundle": 10**30, "card": GOOD_CARD},  # huge number
        {"bundle": 10},  # no card
        {"bundle": 10, "card": GOOD_CARD, "price": 1},  # unknown field
        {"bundle": 10, "card": {**GOOD_CARD, "number": "4242 4242 4242 4241"}},  # Luhn
        {"bundle": 10, "card": {**GOOD_CARD, "number": "<script>alert(1)</script>"}},
        {"bundle": 10, "card": {**GOOD_CARD, "exp_year": 2025}},  # expired
        {"bundle": 10, "card": {**GOOD_CARD, "exp_month": 13}},
        {"bundle": 10, "card": {**GOOD_CARD, "cvc": "12"}},
    ],
)
def test_bad_purchase_input_is_422_and_charges_nothing(client, db, headers, provider, body):
    r = client.post(PURCHASES, json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert provider.charges == []
    assert count(db, ConnectsPurchase) == 0


def test_replaying_a_purchase_returns_the_first_answer_and_charges_once(
    client, db, freelancer, headers, provider
):
    h = {**headers, "Idempotency-Key": "buy-1"}
    first = client.post(PURCHASES, json={"bundle": 40, "card": GOOD_CARD}, headers=h)
    again = client.post(PURCHASES, json={"bundle": 40, "card": GOOD_CARD}, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(provider.charges) == 1
    assert count(db, ConnectsPurchase) == 1
    assert connects_balance(db, freelancer.id) == 50
    # the card number is not kept in the idempotency record
    record = db.scalar(select(IdempotencyRecord))
    assert "4242" not in record.request_hash


def test_same_key_with_another_body_is_422(client, db, freelancer, headers, provider):
    h = {**headers, "Idempotency-Key": "buy-2"}
    assert (
        client.post(PURCHASES, json={"bundle": 10, "card": GOOD_CARD}, headers=h).status_code == 201
    )
    r = client.post(PURCHASES, json={"bundle": 20, "card": GOOD_CARD}, headers=h)
    assert r.status_code == 422
    other_card = {**GOOD_CARD, "number": "4242 4242 4242 4242", "cvc": "999"}
    assert (
        client.post(PURCHASES, json={"bundle": 10, "card": other_card}, headers=h).status_code
        == 422
    )
    assert len(provider.charges) == 1
    assert connects_balance(db, freelancer.id) == 20


def test_a_declined_request_retried_with_its_key_and_a_good_card_succeeds_once(
    client, db, freelancer, headers, provider
):
    h = {**headers, "Idempotency-Key": "buy-3"}
    r = client.post(PURCHASES, json={"bundle": 10, "card": DECLINED_CARD}, headers=h)
    assert r.status_code == 402
    assert count(db, IdempotencyRecord) == 0  # the failed request left nothing behind
    ok = client.post(PURCHASES, json={"bundle": 10, "card": GOOD_CARD}, headers=h)
    assert ok.status_code == 201
    replay = client.post(PURCHASES, json={"bundle": 10, "card": GOOD_CARD}, headers=h)
    assert replay.json() == ok.json()
    assert provider.charges == [("0002", 150), ("4242", 150)]
    assert count(db, ConnectsPurchase) == 1
    assert connects_balance(db, freelancer.id) == 20


def test_keys_belong_to_their_user(client, db, settings, provider, t0):
    one, two = make_freelancer(db, settings), make_freelancer(db, settings)
    body = {"bundle": 10, "card": GOOD_CARD}
    for user in (one, two):
        h = {**api_headers(db, settings, user), "Idempotency-Key": "same-key"}
        assert client.post(PURCHASES, json=body, headers=h).status_code == 201
    assert connects_balance(db, one.id) == connects_balance(db, two.id) == 20


@pytest.mark.parametrize("key", ["", " ", "x" * 201, "bad\tkey"])
def test_malformed_idempotency_keys_are_422(client, db, headers, provider, key):
    r = client.post(
        PURCHASES,
        json={"bundle": 10, "card": GOOD_CARD},
        headers={**headers, "Idempotency-Key": key},
    )
    assert r.status_code == 422
    assert provider.charges == []


# --- the plan ---------------------------------------------------------------------------------


def test_plus_tops_up_this_month_and_runs_to_the_next_first(
    client, db, freelancer, headers, provider
):
    r = client.post(PLAN, json={"plan": "plus", "card": GOOD_CARD}, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["plan"] == "plus"
    assert datetime.fromisoformat(body["plus_until"]) == datetime(2026, 12, 1, tzinfo=UTC)
    # joined this month: the sign-up grant (10) is November's, topped up by 70 to 80
    assert (body["monthly_grant"], body["balance"]) == (80, 80)
    assert provider.charges == [("4242", 1499)]
    charge = db.scalar(select(ConnectsPlanCharge))
    assert (charge.user_id, charge.period, charge.amount_cents) == (freelancer.id, "2026-11", 1499)
    assert freelancer.connects_plan == "plus"
    topup = lots_of(db, freelancer.id)[-1]
    assert (topup.kind, topup.source, topup.original) == ("grant", "grant:2026-11:plus", 70)
    # paying again in the same month: 409, no charge
    again = client.post(PLAN, json={"plan": "plus", "card": GOOD_CARD}, headers=headers)
    assert again.status_code == 409
    assert len(provider.charges) == 1
    # basic: the paid month runs on, basic from the next 1st
    r = client.post(PLAN, json={"plan": "basic"}, headers=headers)
    assert r.status_code == 200 and r.json()["plan"] == "plus"
    assert client.get(PLAN, headers=headers).json()["plan"] == "plus"
    clock.set_now(datetime(2026, 12, 1, 0, 10, tzinfo=UTC))
    assert client.get(PLAN, headers=headers).json()["plan"] == "basic"


def test_plus_before_the_months_grant_is_issued_grants_80_once(client, db, settings, provider):
    clock.set_now(datetime(2026, 10, 3, tzinfo=UTC))
    user = make_freelancer(db, settings)
    headers = api_headers(db, settings, user)
    clock.set_now(T0)  # November; the grant task has not run yet
    r = client.post(PLAN, json={"plan": "plus", "card": GOOD_CARD}, headers=headers)
    assert r.status_code == 200
    assert grant_current_month(db, settings) == 0  # already granted, at the Plus amount
    grants = [(lot.source, lot.original) for lot in lots_of(db, user.id)]
    assert grants == [("signup", 10), ("grant:2026-11", 80)]


def test_plus_after_the_basic_grant_adds_70(client, db, settings, provider):
    clock.set_now(datetime(2026, 10, 3, tzinfo=UTC))
    user = make_freelancer(db, settings)
    headers = api_headers(db, settings, user)
    clock.set_now(datetime(2026, 11, 1, 0, 5, tzinfo=UTC))
    grant_current_month(db, settings)
    clock.set_now(T0)
    client.post(PLAN, json={"plan": "plus", "card": GOOD_CARD}, headers=headers)
    grants = [(lot.source, lot.original) for lot in lots_of(db, user.id)]
    assert grants == [("signup", 10), ("grant:2026-11", 10), ("grant:2026-11:plus", 70)]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"plan": "plus"}, 422),  # no card
        ({"plan": "gold", "card": GOOD_CARD}, 422),
        ({"plan": "plus", "card": DECLINED_CARD}, 402),
        ({"plan": "plus", "card": {**GOOD_CARD, "exp_year": 2020}}, 422),
    ],
)
def test_plan_failures_store_nothing(client, db, freelancer, headers, provider, body, status):
    r = client.post(PLAN, json=body, headers=headers)
    assert r.status_code == status, r.text
    assert count(db, ConnectsPlanCharge) == 0
    assert connects_balance(db, freelancer.id) == 10
    assert client.get(PLAN, headers=headers).json()["plan"] == "basic"


def test_plan_change_is_idempotent(client, db, freelancer, headers, provider):
    h = {**headers, "Idempotency-Key": "plus-1"}
    first = client.post(PLAN, json={"plan": "plus", "card": GOOD_CARD}, headers=h)
    again = client.post(PLAN, json={"plan": "plus", "card": GOOD_CARD}, headers=h)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(provider.charges) == 1


def test_openapi_lists_the_connects_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/me/connects", "/api/v1/connects/prices", PURCHASES, PLAN} <= set(paths)
