"""Profile API (marketplace.md §1; problem documents per interfaces.md §1)."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import PROBLEM, headers_for
from tests.factories import make_client, make_freelancer, make_user
from workhall.accounts.models import PortfolioItem


def test_freelancer_patches_the_profile_partially(client, db, settings):
    user = make_freelancer(db, settings)
    headers = headers_for(db, settings, user)
    r = client.patch(
        "/api/v1/me/profile",
        headers=headers,
        json={"title": "Flutter developer", "skills": ["Flutter", "dart-is-not-there"]},
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["field"] == "skills"
    r = client.patch(
        "/api/v1/me/profile",
        headers=headers,
        json={
            "title": "Flutter developer",
            "skills": ["Flutter", "iOS", "Android"],
            "hourly_rate_cents": 6_000,
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["freelancer"]["title"] == "Flutter developer"
    assert body["freelancer"]["hourly_rate_cents"] == 6000
    assert body["profile_completeness"] == 57  # title, skills, rate, phone
    assert body["missing"] == ["photo", "overview", "portfolio"]
    r = client.patch("/api/v1/me/profile", headers=headers, json={"availability": "unavailable"})
    assert r.json()["freelancer"]["title"] == "Flutter developer"  # untouched
    assert r.json()["freelancer"]["availability"] == "unavailable"
    r = client.patch("/api/v1/me/profile", headers=headers, json={"hourly_rate_cents": None})
    assert r.status_code == 200 and r.json()["freelancer"]["hourly_rate_cents"] is None
    assert client.get("/api/v1/me/profile", headers=headers).json()["profile_completeness"] == 43


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x" * 121},
        {"overview": "x" * 5001},
        {"skills": []},
        {"skills": ["python"] * 16},
        {"hourly_rate_cents": 299},
        {"hourly_rate_cents": 99_901},
        {"hourly_rate_cents": "4500"},
        {"hourly_rate_cents": 45.5},
        {"hourly_rate_cents": True},
        {"hourly_rate_cents": 10**30},
        {"availability": "weekends"},
        {"title": None},
        {"company_name": "Acme"},
        {"unknown": 1},
        {"title": "nul\u0000"},
        '{"overview": "lone \\ud800 surrogate"}',  # sent as raw JSON text
        '{"title": "x"',  # not JSON
    ],
)
def test_bad_patches_are_422_and_change_nothing(client, db, settings, body):
    user = make_freelancer(db, settings)
    headers = headers_for(db, settings, user)
    if isinstance(body, str):
        r = client.patch(
            "/api/v1/me/profile",
            content=body.encode(),
            headers={**headers, "Content-Type": "application/json"},
        )
    else:
        r = client.patch("/api/v1/me/profile", headers=headers, json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    db.refresh(user.freelancer_profile)
    assert user.freelancer_profile.title == "" and user.freelancer_profile.hourly_rate_cents is None


def test_client_patches_company_only(client, db, settings):
    user = make_client(db, settings)
    headers = headers_for(db, settings, user)
    r = client.patch("/api/v1/me/profile", headers=headers, json={"company_name": "Acme"})
    assert r.status_code == 200 and r.json()["client"]["company_name"] == "Acme"
    r = client.patch("/api/v1/me/profile", headers=headers, json={"title": "CEO"})
    assert r.status_code == 422 and r.json()["field"] == "title"
    r = client.patch("/api/v1/me/profile", headers=headers, json={"company_name": None})
    assert r.status_code == 422


def test_profile_endpoints_refuse_anonymous_and_staff(client, db, settings):
    assert client.patch("/api/v1/me/profile", json={"title": "x"}).status_code == 401
    assert client.get("/api/v1/me/profile").status_code == 401
    staff = make_user(db, settings, "staff", staff_roles="support")
    headers = headers_for(db, settings, staff)
    assert (
        client.patch("/api/v1/me/profile", headers=headers, json={"title": "x"}).status_code == 403
    )
    assert client.get("/api/v1/me/profile", headers=headers).status_code == 403


def test_portfolio_api_and_its_owner(client, db, settings):
    owner = make_freelancer(db, settings)
    headers = headers_for(db, settings, owner)
    r = client.post(
        "/api/v1/me/portfolio",
        headers=headers,
        json={"title": "Landing page", "url": "https://example.com/landing"},
    )
    assert r.status_code == 201
    item_id = r.json()["id"]
    r = client.post(
        "/api/v1/me/portfolio",
        headers=headers,
        json={"title": "Bad link", "url": "javascript:alert(1)"},
    )
    assert r.status_code == 422 and r.json()["field"] == "url"
    intruder = make_freelancer(db, settings)
    r = client.delete(
        f"/api/v1/me/portfolio/{item_id}", headers=headers_for(db, settings, intruder)
    )
    assert r.status_code == 404 and db.get(PortfolioItem, item_id) is not None
    r = client.delete("/api/v1/me/portfolio/99999999999999999999", headers=headers)
    assert r.status_code == 422
    client_user = make_client(db, settings)
    r = client.post(
        "/api/v1/me/portfolio", headers=headers_for(db, settings, client_user), json={"title": "x"}
    )
    assert r.status_code == 403
    assert client.delete(f"/api/v1/me/portfolio/{item_id}", headers=headers).status_code == 204
    assert db.get(PortfolioItem, item_id) is None


def test_payment_method_api(client, db, settings):
    user = make_client(db, settings)
    headers = headers_for(db, settings, user)
    card = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
    r = client.post(
        "/api/v1/me/payment-method", headers=headers, json={**card, "number": "4000 0000 0000 0002"}
    )
    assert r.status_code == 402 and r.headers["content-type"].startswith(PROBLEM)
    r = client.post("/api/v1/me/payment-method", headers=headers, json={**card, "exp_month": 13})
    assert r.status_code == 422
    r = client.post("/api/v1/me/payment-method", headers=headers, json=card)
    assert r.status_code == 200 and r.json()["last4"] == "4242"
    public = client.get(f"/api/v1/users/{user.handle}").json()
    assert public["client"]["payment_verified"] is True and "4242" not in str(public)
    freelancer = make_freelancer(db, settings)
    r = client.post(
        "/api/v1/me/payment-method", headers=headers_for(db, settings, freelancer), json=card
    )
    assert r.status_code == 403


def test_sign_up_refuses_control_characters_in_the_name(client, db):
    r = client.post(
        "/api/v1/accounts",
        json={
            "email": "nul@example.com",
            "password": "a long enough passphrase",
            "name": "Ana\u0000Lima",
            "country": "BR",
            "role": "freelancer",
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "name"
