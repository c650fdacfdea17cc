"""Security headers and cookie flags (trust.md §3): on a page and on an API response, the
Content-Security-Policy (no inline scripts, no framing), X-Frame-Options, X-Content-Type-Options
and Referrer-Policy; the session and CSRF cookies HttpOnly and SameSite=Lax, and Secure (with
HSTS) in production settings."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, make_freelancer
from workhall.core.settings import Settings
from workhall.core.web import CSRF_COOKIE, SESSION_COOKIE, get_db


def assert_common_headers(r) -> None:  # type: ignore[no-untyped-def]
    h = r.headers
    csp = {
        part.strip().split(" ", 1)[0]: part.strip()
        for part in h["content-security-policy"].split(";")
    }
    assert csp["default-src"] == "default-src 'self'"
    assert csp["script-src"] == "script-src 'self'"  # no 'unsafe-inline' for scripts
    assert csp["object-src"] == "object-src 'none'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["form-action"] == "form-action 'self'"
    assert csp["base-uri"] == "base-uri 'self'"
    assert h["x-frame-options"] == "DENY"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


def cookies_set(r) -> dict[str, SimpleCookie]:  # type: ignore[no-untyped-def]
    found = {}
    for raw in r.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(raw)
        for name in jar:
            found[name] = jar
    return found


def flags(jar: SimpleCookie, name: str) -> dict[str, object]:
    morsel = jar[name]
    return {
        "httponly": bool(morsel["httponly"]),
        "samesite": str(morsel["samesite"]).lower(),
        "secure": bool(morsel["secure"]),
    }


def test_page_and_api_responses_carry_the_headers(client):
    assert_common_headers(client.get("/login"))
    api = client.get("/api/v1/me")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")
    assert_common_headers(api)
    assert_common_headers(client.get("/api/v1/jobs"))


def test_staff_pages_carry_the_headers(db, settings, client):
    from tests.staff.conftest import browse_as, make_staff

    browse_as(client, db, settings, make_staff(db, settings, "admin"))
    for path in ("/staff", "/staff/health", "/staff/health.json", "/staff/audit"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert_common_headers(r)


def _sign_in(c: TestClient, email: str) -> dict[str, SimpleCookie]:
    form = c.get("/login")
    assert form.status_code == 200
    csrf_cookie = cookies_set(form)[CSRF_COOKIE]
    token = csrf_cookie[CSRF_COOKIE].value
    r = c.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    return {**cookies_set(form), **cookies_set(r)}


def test_cookies_httponly_lax_and_not_secure_outside_production(db, settings, client):
    fl = make_freelancer(db, settings)
    db.commit()
    jars = _sign_in(client, fl.email)
    for name in (CSRF_COOKIE, SESSION_COOKIE):
        assert flags(jars[name], name) == {"httponly": True, "samesite": "lax", "secure": False}
    assert "strict-transport-security" not in client.get("/login").headers


@pytest.fixture
def production_client(tmp_path, database, db: Session) -> Iterator[TestClient]:
    from workhall.app import create_app

    prod = Settings(
        environment="production",
        data_dir=tmp_path / "prod",
        secret_key="production-secret-key-for-the-test",
        _env_file=None,
    )  # type: ignore[call-arg]
    app = create_app(settings=prod, database=database)

    def _test_db() -> Iterator[Session]:
        db.commit()
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise

    app.dependency_overrides[get_db] = _test_db
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def test_cookies_are_secure_in_production(db, settings, production_client):
    fl = make_freelancer(db, settings)
    db.commit()
    jars = _sign_in(production_client, fl.email)
    for name in (CSRF_COOKIE, SESSION_COOKIE):
        assert flags(jars[name], name) == {"httponly": True, "samesite": "lax", "secure": True}
    page = production_client.get("/login")
    assert_common_headers(page)
    assert page.headers["strict-transport-security"].startswith("max-age=")
