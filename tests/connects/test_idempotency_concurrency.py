"""Idempotent purchases under real concurrency and after a crash (marketplace.md §6.4,
quality.md §2 "Idempotency")."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.connects.conftest import GOOD_CARD
from tests.factories import api_headers, make_freelancer
from workhall.app import create_app
from workhall.connects.api import payment_provider
from workhall.connects.models import ConnectsPurchase
from workhall.connects.service import connects_balance
from workhall.payments.provider import Card, ChargeResult, TestPaymentProvider

PURCHASES = "/api/v1/me/connects/purchases"


class CountingProvider(TestPaymentProvider):
    def __init__(self, fail_first: bool = False) -> None:
        self.charges = 0
        self.fail_first = fail_first
        self._lock = threading.Lock()

    def charge(self, card: Card, amount_cents: int, description: str) -> ChargeResult:
        with self._lock:
            if self.fail_first:
                self.fail_first = False
                raise ConnectionError("the provider did not answer")
            self.charges += 1
        return super().charge(card, amount_cents, description)


def _app(settings, database, provider):
    app = create_app(settings=settings, database=database)
    app.dependency_overrides[payment_provider] = lambda: provider
    return app


@pytest.mark.concurrency
def test_two_requests_with_one_key_at_once_buy_once(committed_db, settings):
    with committed_db.unit_of_work() as session:
        user = make_freelancer(session, settings)
        headers = {**api_headers(session, settings, user), "Idempotency-Key": "race-1"}
    provider = CountingProvider()
    app = _app(settings, committed_db, provider)
    barrier = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []

    def post() -> None:
        with TestClient(app, raise_server_exceptions=False) as client:
            barrier.wait()
            r = client.post(PURCHASES, json={"bundle": 10, "card": GOOD_CARD}, headers=headers)
            answers.append((r.status_code, r.json()))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a[0] for a in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert provider.charges == 1
    with committed_db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(ConnectsPurchase)) == 1
        assert connects_balance(session, user.id) == 20


@pytest.mark.concurrency
def test_a_request_that_crashed_mid_way_is_retried_once(committed_db, settings):
    with committed_db.unit_of_work() as session:
        user = make_freelancer(session, settings)
        headers = {**api_headers(session, settings, user), "Idempotency-Key": "crash-1"}
    provider = CountingProvider(fail_first=True)
    body = {"bundle": 20, "card": GOOD_CARD}
    with TestClient(_app(settings, committed_db, provider), raise_server_exceptions=False) as c:
        assert c.post(PURCHASES, json=body, headers=headers).status_code == 500
        first = c.post(PURCHASES, json=body, headers=headers)
        again = c.post(PURCHASES, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert provider.charges == 1
    with committed_db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(ConnectsPurchase)) == 1
        assert connects_balance(session, user.id) == 30
