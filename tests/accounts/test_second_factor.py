"""Staff second factor (marketplace.md §1 "staff accounts use a second factor (TOTP)",
trust.md §3 "Staff log in with a second factor (TOTP, pyotp)")."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from tests.accounts.conftest import anonymous_csrf
from tests.factories import PASSWORD, make_freelancer, make_user
from workhall.accounts import second_factor, service
from workhall.accounts.models import SecondFactorAttempt, User, WebSession
from workhall.audit.models import AuditEvent
from workhall.core import clock
from workhall.core.errors import Forbidden, TooManyRequests, Unauthorized, Unprocessable


def _staff(db, settings):  # type: ignore[no-untyped-def]
    user = make_user(db, settings, "staff", staff_roles="trust_safety")
    db.commit()
    return user


def _password_step(client, user):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={
            "csrf_token": anonymous_csrf(client),
            "email": user.email,
            "password": PASSWORD,
            "next": "/settings/account",
        },
        follow_redirects=False,
    )


def _code_step(client, code):  # type: ignore[no-untyped-def]
    csrf = client.cookies.get("wh_csrf")
    return client.post(
        "/login/second-factor", data={"csrf_token": csrf, "code": code}, follow_redirects=False
    )


def _sessions(db, user) -> int:  # type: ignore[no-untyped-def]
    return len(db.scalars(select(WebSession).where(WebSession.user_id == user.id)).all())


def test_first_sign_in_enrols_then_every_sign_in_asks_for_a_code(client, db, settings):
    staff = _staff(db, settings)
    r = _password_step(client, staff)
    assert r.status_code == 303 and r.headers["location"] == "/login/second-factor"
    assert "wh_session" not in r.headers.get("set-cookie", "")
    assert _sessions(db, staff) == 0  # half-authenticated is not a session
    assert client.get("/settings/account", follow_redirects=False).status_code == 303

    page = client.get("/login/second-factor")
    assert page.status_code == 200 and "Set up two-step sign-in" in page.text
    db.refresh(staff)
    secret = staff.totp_secret
    assert secret and "".join(re.findall(r"<span>([A-Z2-7]{1,4})</span>", page.text)) == secret
    uri = re.search(r'id="otpauth"[^>]*>([^<]+)</textarea>', page.text).group(1)
    assert uri.startswith("otpauth://totp/Workhall:") and f"secret={secret}" in uri

    r = _code_step(client, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert r.status_code == 401 and "not right" in r.text
    r = _code_step(client, pyotp.TOTP(secret).now())
    assert r.status_code == 303 and r.headers["location"] == "/settings/account"
    assert client.get("/settings/account").status_code == 200
    db.refresh(staff)
    assert staff.totp_enabled_at is not None

    # next sign-in: no secret shown, a code asked for
    client.cookies.clear()
    _password_step(client, staff)
    page = client.get("/login/second-factor").text
    assert "Enter your code" in page and secret not in page
    db.refresh(staff)
    assert staff.totp_secret == secret  # enrolment does not start again


def test_a_code_is_never_accepted_twice(db, settings):
    staff = _staff(db, settings)
    second_factor.start_pending_login(db, settings, staff, ip="", user_agent="", next_url="/")
    code = pyotp.TOTP(staff.totp_secret).now()
    second_factor.check_code(db, settings, staff, code)
    with pytest.raises(Unauthorized):
        second_factor.check_code(db, settings, staff, code)


def test_codes_of_neighbouring_steps_are_accepted_for_clock_drift(db, settings):
    staff = _staff(db, settings)
    second_factor.start_pending_login(db, settings, staff, ip="", user_agent="", next_url="/")
    clock.set_now(datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC))
    totp = pyotp.TOTP(staff.totp_secret)
    previous = totp.at(clock.utcnow() - timedelta(seconds=30))
    second_factor.check_code(db, settings, staff, previous)
    with pytest.raises((Unauthorized, TooManyRequests)):
        second_factor.check_code(
            db, settings, staff, totp.at(clock.utcnow() + timedelta(minutes=5))
        )


def test_wrong_codes_are_throttled_per_account(db, settings):
    staff = _staff(db, settings)
    second_factor.start_pending_login(db, settings, staff, ip="", user_agent="", next_url="/")
    clock.set_now(datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC))
    totp = pyotp.TOTP(staff.totp_secret)
    wrong = "123456" if totp.at(clock.utcnow()) != "123456" else "654321"
    for _ in range(3):
        with pytest.raises(Unauthorized):
            second_factor.check_code(db, settings, staff, wrong)
    with pytest.raises(TooManyRequests):  # even the right code waits now
        second_factor.check_code(db, settings, staff, totp.at(clock.utcnow()))
    clock.advance(timedelta(seconds=1.5))
    second_factor.check_code(db, settings, staff, totp.at(clock.utcnow()))
    attempts = db.scalars(
        select(SecondFactorAttempt.succeeded).where(SecondFactorAttempt.user_id == staff.id)
    ).all()
    assert sorted(attempts) == [False, False, False, True]


def test_a_pending_login_dies_after_five_wrong_codes(client, db, settings):
    staff = _staff(db, settings)
    _password_step(client, staff)
    clock.set_now(datetime.now(UTC))
    wrong = (
        "123456" if pyotp.TOTP(db.get(User, staff.id).totp_secret).now() != "123456" else "654321"
    )
    last = None
    for _ in range(settings.second_factor_max_codes_per_login):
        clock.advance(timedelta(seconds=10))  # past the throttle delay, within the 5 minutes
        last = _code_step(client, wrong)
    assert last.status_code == 303 and last.headers["location"] == "/login"
    clock.set_now(None)
    db.refresh(staff)
    r = _code_step(client, pyotp.TOTP(staff.totp_secret).now())
    assert r.status_code == 303 and r.headers["location"] == "/login"  # start again
    assert _sessions(db, staff) == 0


def test_the_pending_login_expires(client, db, settings):
    staff = _staff(db, settings)
    clock.set_now(datetime.now(UTC))
    _password_step(client, staff)
    clock.advance(timedelta(seconds=settings.second_factor_ttl_seconds + 1))
    r = client.get("/login/second-factor", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_the_code_form_needs_a_pending_login_and_csrf(client, db, settings):
    r = client.post(
        "/login/second-factor",
        data={"csrf_token": anonymous_csrf(client), "code": "123456"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/login"
    staff = _staff(db, settings)
    _password_step(client, staff)
    r = client.post("/login/second-factor", data={"code": "123456"})
    assert r.status_code == 403


def test_freelancers_and_clients_have_no_second_step(client, db, settings):
    user = make_freelancer(db, settings)
    r = client.post(
        "/login",
        data={"csrf_token": anonymous_csrf(client), "email": user.email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert _sessions(db, user) == 1


def test_staff_api_tokens_need_the_code_too(client, db, settings):
    staff = _staff(db, settings)
    body = {"email": staff.email, "password": PASSWORD}
    r = client.post("/api/v1/sessions", json=body)
    assert r.status_code == 403  # not enrolled yet: enrol on the website first
    service_token = second_factor.start_pending_login(
        db, settings, staff, ip="", user_agent="", next_url="/"
    )
    assert service_token
    second_factor.check_code(db, settings, staff, pyotp.TOTP(staff.totp_secret).now())
    db.commit()
    r = client.post("/api/v1/sessions", json=body)
    assert r.status_code == 401 and r.json()["second_factor_required"] is True
    r = client.post("/api/v1/sessions", json={**body, "totp_code": "12345"})
    assert r.status_code == 422
    clock.set_now(datetime.now(UTC) + timedelta(seconds=31))  # a fresh step (no replay)
    code = pyotp.TOTP(staff.totp_secret).at(clock.utcnow())
    r = client.post("/api/v1/sessions", json={**body, "totp_code": code})
    assert r.status_code == 201 and r.json()["token"]
    r = client.post("/api/v1/sessions", json={**body, "totp_code": code})
    assert r.status_code == 401  # the same code twice


def test_an_admin_resets_a_lost_authenticator(db, settings):
    staff = _staff(db, settings)
    second_factor.start_pending_login(db, settings, staff, ip="", user_agent="", next_url="/")
    second_factor.check_code(db, settings, staff, pyotp.TOTP(staff.totp_secret).now())
    token, _ = service.create_web_session(db, settings, staff)
    support = make_user(db, settings, "staff", staff_roles="support")
    with pytest.raises(Forbidden):
        second_factor.reset_second_factor(db, support, staff, reason="lost phone")
    admin = make_user(db, settings, "staff", staff_roles="admin")
    with pytest.raises(Unprocessable):
        second_factor.reset_second_factor(db, admin, staff, reason=" ")
    second_factor.reset_second_factor(db, admin, staff, reason="lost phone")
    assert not second_factor.is_enrolled(staff) and staff.totp_secret is None
    assert service.resolve_web_session(db, token) is None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "account.totp_reset"))
    assert event.actor_id == admin.id and event.data["reason"] == "lost phone"
    with pytest.raises(Forbidden):
        second_factor.reset_second_factor(db, admin, make_freelancer(db, settings), reason="x")
