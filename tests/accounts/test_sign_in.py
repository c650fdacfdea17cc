"""Sign-in security (trust.md §3): throttling, locking, reset links, sessions, CSRF, redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.accounts.conftest import T0, anonymous_csrf, last_link
from tests.factories import PASSWORD, make_client, make_freelancer, sign_in_browser
from workhall.accounts import service
from workhall.accounts.models import User
from workhall.core import clock
from workhall.core.errors import TooManyRequests, Unauthorized


def _api_login(client, email, password):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/sessions", json={"email": email, "password": password})


# --- throttling per (account, IP) and per IP (trust.md §3) ------------------------------------


def test_pair_throttling_delays_grow_after_three_failures(client, db, settings):
    user = make_freelancer(db, settings)
    clock.set_now(T0)
    assert [_api_login(client, user.email, "wrong password!").status_code for _ in range(3)] == [
        401,
        401,
        401,
    ]
    r = _api_login(client, user.email, PASSWORD)  # even the right password waits
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    clock.advance(timedelta(seconds=1.5))  # 4th failure is allowed after 1 s …
    assert _api_login(client, user.email, "wrong password!").status_code == 401
    clock.advance(timedelta(seconds=1.5))  # … and the next one waits 2 s
    assert _api_login(client, user.email, PASSWORD).status_code == 429
    clock.advance(timedelta(seconds=1))
    assert _api_login(client, user.email, PASSWORD).status_code == 201


def test_pair_throttling_does_not_block_the_same_account_from_another_address(db, settings):
    user = make_freelancer(db, settings)
    clock.set_now(T0)
    for _ in range(4):
        with pytest.raises((Unauthorized, TooManyRequests)):
            service.authenticate(db, settings, user.email, "wrong password!", "198.51.100.7")
    with pytest.raises(TooManyRequests):
        service.authenticate(db, settings, user.email, PASSWORD, "198.51.100.7")
    assert service.authenticate(db, settings, user.email, PASSWORD, "203.0.113.9").id == user.id


def test_ip_throttling_across_accounts(db, settings):
    victim = make_client(db, settings)
    clock.set_now(T0)
    ip = "198.51.100.66"
    for n in range(settings.login_ip_max_failures_per_hour):  # 50 accounts, one guess each
        with pytest.raises(Unauthorized):
            service.authenticate(db, settings, f"guess{n}@example.com", "wrong password!", ip)
    with pytest.raises(TooManyRequests):
        service.authenticate(db, settings, victim.email, PASSWORD, ip)
    assert service.authenticate(db, settings, victim.email, PASSWORD, "203.0.113.1").id == victim.id
    clock.advance(timedelta(hours=1, seconds=1))
    assert service.authenticate(db, settings, victim.email, PASSWORD, ip).id == victim.id


# --- locking after 100 consecutive failures, unlocking by reset --------------------------------


def _fail(db, settings, user, n):  # type: ignore[no-untyped-def]
    """n wrong passwords, each after the pair's delay and from rotating addresses."""
    for i in range(n):
        clock.advance(timedelta(seconds=settings.login_pair_max_delay_seconds + 1))
        with pytest.raises(Unauthorized):
            service.authenticate(db, settings, user.email, "wrong password!", f"192.0.2.{i % 200}")


def test_account_locks_after_100_consecutive_failures_and_reset_unlocks_it(client, db, settings):
    user = make_freelancer(db, settings)
    clock.set_now(T0)
    _fail(db, settings, user, 99)
    assert user.locked_at is None
    _fail(db, settings, user, 1)  # the 100th (spec: trust.md §3)
    assert user.locked_at is not None
    clock.advance(timedelta(hours=1))
    r = _api_login(client, user.email, PASSWORD)
    assert r.status_code == 401 and r.json()["locked"] is True

    service.request_password_reset(db, settings, user.email)
    token = last_link(db, user.email, "/reset-password")
    service.reset_password(db, settings, token, "a brand new passphrase")
    assert user.locked_at is None and user.failed_logins == 0
    assert _api_login(client, user.email, "a brand new passphrase").status_code == 201


def test_a_success_resets_the_consecutive_count(db, settings):
    settings.login_lock_after_failures = 10  # the same rule, with a smaller number to loop over
    user = make_freelancer(db, settings)
    clock.set_now(T0)
    _fail(db, settings, user, 9)
    clock.advance(timedelta(hours=1))
    service.authenticate(db, settings, user.email, PASSWORD, "203.0.113.5")
    _fail(db, settings, user, 9)
    assert user.locked_at is None and user.failed_logins == 9
    _fail(db, settings, user, 1)
    assert user.locked_at is not None


def test_the_login_page_explains_a_locked_account(client, db, settings):
    user = make_freelancer(db, settings, locked_at=T0)
    r = client.post(
        "/login",
        data={"csrf_token": anonymous_csrf(client), "email": user.email, "password": PASSWORD},
    )
    assert r.status_code == 401
    assert "Reset your password by email to unlock" in r.text


# --- password reset links: single use, one hour (marketplace.md §1) ----------------------------


def test_reset_link_works_once(client, db, settings):
    user = make_client(db, settings)
    r = client.post(
        "/forgot-password", data={"csrf_token": anonymous_csrf(client), "email": user.email.upper()}
    )
    assert r.status_code == 200 and "we sent it a link" in r.text
    token = last_link(db, user.email, "/reset-password")
    assert client.get(f"/reset-password?token={token}").status_code == 200
    data = {
        "csrf_token": anonymous_csrf(client),
        "token": token,
        "password": "another long passphrase",
        "password_again": "another long passphrase",
    }
    r = client.post("/reset-password", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert _api_login(client, user.email, "another long passphrase").status_code == 201

    again = {
        **data,
        "password": "a third passphrase here",
        "password_again": "a third passphrase here",
    }
    r = client.post("/reset-password", data=again)
    assert r.status_code == 400 and "invalid, expired or already used" in r.text
    assert client.get(f"/reset-password?token={token}").status_code == 400
    assert _api_login(client, user.email, "a third passphrase here").status_code == 401


def test_reset_link_expires_after_one_hour(client, db, settings):
    user = make_client(db, settings)
    clock.set_now(T0)
    service.request_password_reset(db, settings, user.email)
    token = last_link(db, user.email, "/reset-password")
    clock.set_now(T0 + timedelta(seconds=3599))
    assert client.get(f"/reset-password?token={token}").status_code == 200
    clock.set_now(T0 + timedelta(seconds=3600))
    assert client.get(f"/reset-password?token={token}").status_code == 400
    r = client.post(
        "/reset-password",
        data={
            "csrf_token": anonymous_csrf(client),
            "token": token,
            "password": "another long passphrase",
            "password_again": "another long passphrase",
        },
    )
    assert r.status_code == 400
    assert _api_login(client, user.email, PASSWORD).status_code == 201


def test_a_new_reset_link_cancels_the_earlier_one(db, settings):
    user = make_client(db, settings)
    service.request_password_reset(db, settings, user.email)
    first = last_link(db, user.email, "/reset-password")
    service.request_password_reset(db, settings, user.email)
    assert not service.link_token_usable(db, first, "reset_password")


def test_forgot_password_does_not_reveal_accounts_and_caps_emails(client, db, settings):
    from workhall.notifications.models import OutboxEmail

    user = make_client(db, settings)
    csrf = anonymous_csrf(client)
    unknown = client.post("/forgot-password", data={"csrf_token": csrf, "email": "no@example.com"})
    known = client.post("/forgot-password", data={"csrf_token": csrf, "email": user.email})
    assert unknown.status_code == known.status_code == 200
    assert unknown.text.replace("no@example.com", "X") == known.text.replace(user.email, "X")
    for _ in range(10):
        client.post("/forgot-password", data={"csrf_token": csrf, "email": user.email})
    sent = db.scalars(
        select(OutboxEmail).where(
            OutboxEmail.to_address == user.email, OutboxEmail.subject.like("Reset%")
        )
    ).all()
    assert len(sent) == settings.email_links_max_per_hour


def test_reset_refuses_a_weak_or_mismatched_password(client, db, settings):
    user = make_client(db, settings)
    service.request_password_reset(db, settings, user.email)
    token = last_link(db, user.email, "/reset-password")
    csrf = anonymous_csrf(client)
    for pw, again, message in [
        ("password1234", "password1234", "too common"),
        ("short", "short", "at least 12"),
        ("one long passphrase", "another long one", "not the same"),
    ]:
        r = client.post(
            "/reset-password",
            data={"csrf_token": csrf, "token": token, "password": pw, "password_again": again},
        )
        assert r.status_code == 400 and message in r.text
    assert service.link_token_usable(db, token, "reset_password")  # still good for a real try


# --- sessions: new id at sign-in, server-side revocation (trust.md §3) ------------------------


def test_page_sign_in_sets_a_hardened_cookie_and_a_new_session_id(client, db, settings):
    user = make_freelancer(db, settings)
    csrf = anonymous_csrf(client)
    client.cookies.set("wh_session", "attacker-chosen-id")
    r = client.post(
        "/login",
        data={
            "csrf_token": csrf,
            "email": user.email,
            "password": PASSWORD,
            "next": "/settings/account",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/settings/account"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "attacker-chosen-id" not in cookie
    assert client.get("/settings/account").status_code == 200


def test_revoked_session_cookie_goes_back_to_login(client, db, settings):
    user = make_freelancer(db, settings)
    sign_in_browser(client, db, settings, user)
    assert client.get("/settings/account").status_code == 200
    service.revoke_all_sessions(db, user)
    r = client.get("/settings/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/settings/account"


def test_logout_revokes_the_session_on_the_server(client, db, settings):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    cookie = client.cookies.get("wh_session")
    assert (
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    client.cookies.set("wh_session", cookie)  # replaying the old cookie does not work
    assert client.get("/settings/account", follow_redirects=False).status_code == 303


# --- CSRF (trust.md §3) and open redirects ----------------------------------------------------


def test_forms_without_the_csrf_token_are_refused(client, db, settings):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    for data in ({"title": "Hacker"}, {"title": "Hacker", "csrf_token": "wrong"}):
        r = client.post("/settings/profile", data=data)
        assert r.status_code == 403
    r = client.post("/settings/account/sessions/revoke-others", data={})
    assert r.status_code == 403
    db.refresh(user.freelancer_profile)
    assert user.freelancer_profile.title == ""
    r = client.post(
        "/settings/profile",
        data={"csrf_token": csrf, "title": "Django developer", "skills": ["python"]},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_signed_out_forms_need_the_cookie_and_the_field_to_match(client, db, settings):
    user = make_freelancer(db, settings)
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 403
    csrf = anonymous_csrf(client)
    client.cookies.delete("wh_csrf")
    r = client.post("/login", data={"csrf_token": csrf, "email": user.email, "password": PASSWORD})
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("next_url", "location"),
    [
        ("/jobs?q=python", "/jobs?q=python"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
    ],
)
def test_next_never_leaves_the_site(client, db, settings, next_url, location):
    user = make_freelancer(db, settings)
    r = client.post(
        "/login",
        data={
            "csrf_token": anonymous_csrf(client),
            "email": user.email,
            "password": PASSWORD,
            "next": next_url,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == location
    r = client.get("/login", params={"next": next_url}, follow_redirects=False)  # signed in now
    assert r.status_code == 303 and r.headers["location"] == location


def test_sign_up_in_development_points_to_the_mailbox(client, db, settings):
    settings.environment = "development"
    r = client.post(
        "/signup",
        data={
            "csrf_token": anonymous_csrf(client),
            "email": "ana@example.com",
            "password": "a long enough passphrase",
            "name": "Ana Lima",
            "country": "BR",
            "role": "freelancer",
        },
    )
    assert r.status_code == 200 and "development mailbox at /dev/mail" in r.text
    assert db.scalar(select(User).where(User.email == "ana@example.com")) is not None


def test_sign_up_refuses_control_characters_in_the_name(client, db, settings):
    r = client.post(
        "/signup",
        data={
            "csrf_token": anonymous_csrf(client),
            "email": "nul@example.com",
            "password": "a long enough passphrase",
            "name": "Ana\x00Lima",
            "country": "BR",
            "role": "freelancer",
        },
    )
    assert r.status_code == 400
    assert db.scalar(select(User).where(User.email == "nul@example.com")) is None


@pytest.mark.parametrize("email", ["ana\x00@example.com", "\x07@x.io"])
def test_hostile_emails_are_refused_without_a_database_error(client, db, settings, email):
    r = client.post("/api/v1/sessions", json={"email": email, "password": "whatever it is"})
    assert r.status_code == 401
    r = client.post(
        "/login",
        data={"csrf_token": anonymous_csrf(client), "email": email, "password": "whatever it is"},
    )
    assert r.status_code == 401
    r = client.post("/forgot-password", data={"csrf_token": anonymous_csrf(client), "email": email})
    assert r.status_code == 200


def test_an_unpaired_surrogate_in_json_is_refused(client, db, settings):
    body = b'{"email": "ana@exa\\ud800mple.com", "password": "whatever it is"}'
    r = client.post("/api/v1/sessions", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (401, 422)
