"""Phone verification API contract (trust.md §2.1): problem JSON, limits, auth."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import api_headers
from tests.verification.conftest import (
    DE_MOBILE,
    GB_MOBILE,
    T0,
    last_sms_code,
    other_code,
    unverified,
)
from workhall.core import clock
from workhall.verification.models import PhoneCodeAttempt

pytestmark = pytest.mark.usefixtures("frozen")

PROBLEM = "application/problem+json"


@pytest.fixture
def account(db, settings):
    """An account in the UK without a phone, and its API headers (committed for the requests)."""
    user = unverified(db, settings, country="GB")
    headers = api_headers(db, settings, user)
    db.commit()
    return user, headers


def test_anonymous_is_401_everywhere(client, db):
    for method, path, body in [
        ("get", "/api/v1/me/phone", None),
        ("post", "/api/v1/me/phone", {"phone": GB_MOBILE}),
        ("post", "/api/v1/me/phone/verify", {"code": "123456"}),
    ]:
        r = client.request(method, path, json=body)
        assert r.status_code == 401, path
        assert r.headers["content-type"].startswith(PROBLEM)
        r = client.request(method, path, json=body, headers={"Authorization": "Bearer nope"})
        assert r.status_code == 401, path


def test_send_then_verify(client, db, account):
    _user, headers = account
    r = client.post("/api/v1/me/phone", json={"phone": "07400 123456"}, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json() == {
        "phone": GB_MOBILE,
        "expires_at": "2026-03-02T09:10:00Z",
        "resend_after": "2026-03-02T09:01:00Z",
    }
    status = client.get("/api/v1/me/phone", headers=headers).json()
    assert status == {
        "phone": None,
        "verified_at": None,
        "pending": {"phone": GB_MOBILE, "expires_at": "2026-03-02T09:10:00Z", "expired": False},
        "attempts_left": 5,
        "resend_after": "2026-03-02T09:01:00Z",
    }
    clock.set_now(T0 + timedelta(seconds=30))
    r = client.post(
        "/api/v1/me/phone/verify", json={"code": last_sms_code(db, GB_MOBILE)}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"phone": GB_MOBILE, "verified_at": "2026-03-02T09:00:30Z"}
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["phone_verified"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"phone": "12345"},
        {"phone": "020 7946 0000"},  # landline
        {"phone": ""},
        {"phone": "+44" + "1" * 40},
        {"phone": 7400123456},
        {},
        {"phone": GB_MOBILE, "country": "GB"},  # unknown field
    ],
)
def test_invalid_number_is_422_problem(client, db, account, body):
    _, headers = account
    r = client.post("/api/v1/me/phone", json=body, headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["status"] == 422 and r.json()["detail"]


def test_number_taken_is_409(client, db, settings, account):
    _, headers = account
    holder = unverified(db, settings)
    holder.phone_e164, holder.phone_verified_at = GB_MOBILE, T0
    db.commit()
    r = client.post("/api/v1/me/phone", json={"phone": GB_MOBILE}, headers=headers)
    assert r.status_code == 409
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["reason"] == "number_taken"


def test_limits_are_429_with_retry_after(client, db, account):
    _, headers = account
    r = client.post("/api/v1/me/phone", json={"phone": GB_MOBILE}, headers=headers)
    assert r.status_code == 202
    clock.set_now(T0 + timedelta(seconds=15))
    r = client.post("/api/v1/me/phone", json={"phone": GB_MOBILE}, headers=headers)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "45"
    body = r.json()
    assert body["reason"] == "resend_too_soon" and body["retry_at"] == "2026-03-02T09:01:00Z"
    assert "45 seconds" in body["detail"]


def test_wrong_code_is_422_with_attempts_left_then_429(client, db, account):
    _, headers = account
    client.post("/api/v1/me/phone", json={"phone": GB_MOBILE}, headers=headers)
    wrong = other_code(last_sms_code(db, GB_MOBILE))
    for left in (4, 3, 2, 1, 0):
        r = client.post("/api/v1/me/phone/verify", json={"code": wrong}, headers=headers)
        assert r.status_code == 422
        assert r.headers["content-type"].startswith(PROBLEM)
        assert r.json()["attempts_left"] == left and r.json()["reason"] == "wrong_code"
    # The wrong attempts were committed although the requests failed.
    assert len(db.scalars(select(PhoneCodeAttempt.id)).all()) == 5
    r = client.post(
        "/api/v1/me/phone/verify", json={"code": last_sms_code(db, GB_MOBILE)}, headers=headers
    )
    assert r.status_code == 429
    assert r.headers["retry-after"] == str(24 * 3600)
    assert r.json()["attempts_left"] == 0


def test_expired_code_is_422_and_not_counted(client, db, account):
    _, headers = account
    client.post("/api/v1/me/phone", json={"phone": GB_MOBILE}, headers=headers)
    clock.set_now(T0 + timedelta(minutes=10))
    r = client.post(
        "/api/v1/me/phone/verify", json={"code": last_sms_code(db, GB_MOBILE)}, headers=headers
    )
    assert r.status_code == 422
    assert r.json()["reason"] == "expired" and r.json()["attempts_left"] == 5


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "", None])
def test_malformed_code_is_422(client, db, account, code):
    _, headers = account
    r = client.post("/api/v1/me/phone/verify", json={"code": code}, headers=headers)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)


def test_accounts_see_only_their_own_codes(client, db, settings, account):
    _user, headers = account
    other = unverified(db, settings)
    other_headers = api_headers(db, settings, other)
    db.commit()
    client.post("/api/v1/me/phone", json={"phone": DE_MOBILE}, headers=headers)
    code = last_sms_code(db, DE_MOBILE)
    # Another account cannot use (or even see) this account's pending code.
    assert client.get("/api/v1/me/phone", headers=other_headers).json()["pending"] is None
    r = client.post("/api/v1/me/phone/verify", json={"code": code}, headers=other_headers)
    assert r.status_code == 422 and r.json()["reason"] == "no_code"
    db.refresh(other)
    assert other.phone_verified_at is None
