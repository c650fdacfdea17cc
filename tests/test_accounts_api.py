"""Accounts API contract (interfaces.md §1)."""

from __future__ import annotations

from tests.factories import PASSWORD, api_headers, make_client, make_freelancer

SIGNUP = {
    "email": "ana@example.com",
    "password": "a long enough passphrase",
    "name": "Ana Lima",
    "country": "BR",
    "role": "freelancer",
}


def test_sign_up_returns_account_and_grants_connects(client, db):
    r = client.post("/api/v1/accounts", json=SIGNUP)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"id", "handle", "email", "name", "role"}
    assert body["role"] == "freelancer" and body["email"] == "ana@example.com"
    r = client.post(
        "/api/v1/sessions", json={"email": SIGNUP["email"], "password": SIGNUP["password"]}
    )
    assert r.status_code == 201
    token = r.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["connects_balance"] == 10  # spec: marketplace.md §4.1 basic grant at sign-up


def test_email_taken_is_409(client, db, settings):
    make_freelancer(db, settings, email="taken@example.com")
    r = client.post("/api/v1/accounts", json={**SIGNUP, "email": "Taken@Example.com"})
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")


def test_common_and_short_passwords_are_refused(client, db):
    for pw in ["password1234", "short", "x" * 129]:
        r = client.post("/api/v1/accounts", json={**SIGNUP, "password": pw})
        assert r.status_code == 422, pw
        assert r.json()["status"] == 422


def test_wrong_password_is_401_then_throttled(client, db, settings):
    user = make_client(db, settings)
    codes = [
        client.post(
            "/api/v1/sessions", json={"email": user.email, "password": "wrong password!"}
        ).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [401, 401, 401]
    assert 429 in codes[3:]


def test_me_requires_token(client, db, settings):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    user = make_client(db, settings)
    r = client.get("/api/v1/me", headers=api_headers(db, settings, user))
    assert r.status_code == 200 and "connects_balance" not in r.json()
    r = client.post("/api/v1/sessions", json={"email": user.email, "password": PASSWORD})
    assert r.status_code == 201
