"""Account & security (marketplace.md §1, trust.md §3): email confirmation, password change,
sessions, API tokens, closing an account, the development mailbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.accounts.conftest import anonymous_csrf, headers_for, image_bytes, last_link
from tests.factories import (
    PASSWORD,
    make_client,
    make_freelancer,
    sign_in_browser,
)
from workhall.accounts import photos, profiles, service
from workhall.accounts.models import (
    AccountStatusChange,
    ApiToken,
    LoginAttempt,
    OneTimeToken,
    PortfolioItem,
    WebSession,
)
from workhall.accounts.profiles import FreelancerProfileInput
from workhall.core import events
from workhall.core.errors import Conflict
from workhall.notifications.models import OutboxEmail

NEW = "a fresh long passphrase"


# --- email confirmation ---------------------------------------------------------------------


def test_email_confirmation_link_needs_a_click_and_works_once(client, db, settings):
    user = make_freelancer(db, settings, verified=False)
    token = last_link(db, user.email, "/verify-email")
    r = client.get(f"/verify-email?token={token}")
    assert r.status_code == 200 and "Confirm my email" in r.text
    assert user.email_verified_at is None  # opening the link alone (a mail scanner) changes nothing
    r = client.post(
        "/verify-email",
        data={"csrf_token": anonymous_csrf(client), "token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(user)
    assert user.email_verified_at is not None
    r = client.post("/verify-email", data={"csrf_token": anonymous_csrf(client), "token": token})
    assert r.status_code == 400
    assert client.get("/verify-email?token=nonsense").status_code == 400


def test_resend_confirmation_is_capped(client, db, settings):
    user = make_freelancer(db, settings, verified=False)
    csrf = sign_in_browser(client, db, settings, user)
    codes = [
        client.post(
            "/settings/account/verification", data={"csrf_token": csrf}, follow_redirects=False
        ).status_code
        for _ in range(settings.email_links_max_per_hour)
    ]
    # sign-up sent the first link this hour, so one fewer resend fits
    assert codes[:-1] == [303] * (settings.email_links_max_per_hour - 1) and codes[-1] == 429
    user.email_verified_at = user.created_at
    db.commit()
    r = client.post("/settings/account/verification", data={"csrf_token": csrf})
    assert r.status_code == 400 and "already confirmed" in r.text


# --- password change ------------------------------------------------------------------------


def test_change_password_needs_the_current_one_and_signs_out_elsewhere(client, db, settings):
    user = make_freelancer(db, settings)
    other_token, _ = service.create_web_session(db, settings, user)
    api_token = service.create_api_token(db, settings, user)
    csrf = sign_in_browser(client, db, settings, user)
    form = {
        "csrf_token": csrf,
        "current_password": "not my password",
        "new_password": NEW,
        "new_password_again": NEW,
    }
    r = client.post("/settings/account/password", data=form)
    assert r.status_code == 400 and "current password is not right" in r.text
    assert db.scalar(
        select(LoginAttempt).where(
            LoginAttempt.email == user.email, LoginAttempt.succeeded.is_(False)
        )
    )
    r = client.post(
        "/settings/account/password",
        data={**form, "current_password": PASSWORD, "new_password_again": NEW + "!"},
    )
    assert r.status_code == 400 and "not the same" in r.text
    r = client.post(
        "/settings/account/password",
        data={
            **form,
            "current_password": PASSWORD,
            "new_password": "password1234",
            "new_password_again": "password1234",
        },
    )
    assert r.status_code == 400 and "too common" in r.text

    r = client.post(
        "/settings/account/password",
        data={**form, "current_password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/settings/account").status_code == 200  # this browser stays signed in
    assert service.resolve_web_session(db, other_token) is None
    assert service.resolve_api_token(db, api_token) is None
    assert db.scalar(
        select(OutboxEmail).where(
            OutboxEmail.to_address == user.email, OutboxEmail.subject.like("%password was changed")
        )
    )
    assert (
        client.post("/api/v1/sessions", json={"email": user.email, "password": NEW}).status_code
        == 201
    )


def test_change_password_through_the_api_keeps_the_calling_token(client, db, settings):
    user = make_client(db, settings)
    headers = headers_for(db, settings, user)
    other = headers_for(db, settings, user)
    r = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": "wrong one!", "new_password": NEW},
    )
    assert r.status_code == 401 and r.json()["field"] == "current_password"
    r = client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"current_password": PASSWORD, "new_password": NEW},
    )
    assert r.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert (
        client.post(
            "/api/v1/me/password", json={"current_password": NEW, "new_password": NEW + "x"}
        ).status_code
        == 401
    )


# --- sessions and tokens -------------------------------------------------------------------


def test_sessions_list_and_sign_out_everywhere_else(client, db, settings):
    user = make_freelancer(db, settings)
    phone_token, _ = service.create_web_session(
        db,
        settings,
        user,
        "203.0.113.8",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Version/17.1 Safari/604.1",
    )
    csrf = sign_in_browser(client, db, settings, user)
    page = client.get("/settings/account").text
    assert "Safari on iPhone" in page and "203.0.113.8" in page and "This browser" in page
    r = client.post(
        "/settings/account/sessions/revoke-others",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert service.resolve_web_session(db, phone_token) is None
    assert client.get("/settings/account").status_code == 200
    assert "Safari on iPhone" not in client.get("/settings/account").text


def test_one_session_is_signed_out_only_by_its_owner(client, db, settings):
    owner = make_freelancer(db, settings)
    _, owner_session = service.create_web_session(db, settings, owner)
    intruder = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, intruder)
    r = client.post(
        f"/settings/account/sessions/{owner_session.id}/revoke", data={"csrf_token": csrf}
    )
    assert r.status_code == 404
    db.refresh(owner_session)
    assert owner_session.revoked_at is None


def test_api_tokens_are_listed_created_once_and_revoked(client, db, settings):
    user = make_client(db, settings)
    existing = service.create_api_token(db, settings, user)
    csrf = sign_in_browser(client, db, settings, user)
    r = client.post("/settings/account/tokens", data={"csrf_token": csrf})
    assert r.status_code == 200
    new_token = re.search(r'id="new-token" value="([^"]+)"', r.text).group(1)
    assert service.resolve_api_token(db, new_token).id == user.id
    assert new_token not in client.get("/settings/account").text  # shown only once
    row_id = service.api_token_id(db, existing)
    r = client.post(
        f"/settings/account/tokens/{row_id}/revoke",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert service.resolve_api_token(db, existing) is None
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {existing}"}).status_code == 401
    )


def test_tokens_of_others_cannot_be_revoked(client, db, settings):
    owner = make_client(db, settings)
    token = service.create_api_token(db, settings, owner)
    intruder = make_client(db, settings)
    csrf = sign_in_browser(client, db, settings, intruder)
    r = client.post(
        f"/settings/account/tokens/{service.api_token_id(db, token)}/revoke",
        data={"csrf_token": csrf},
    )
    assert r.status_code == 404
    assert service.resolve_api_token(db, token) is not None
    assert str(token) not in client.get("/settings/account").text


# --- closing an account (marketplace.md §1) ---------------------------------------------------


def _full_profile(db, settings, user):  # type: ignore[no-untyped-def]
    profiles.update_freelancer_profile(
        db,
        settings,
        user,
        FreelancerProfileInput(
            title="Designer",
            overview="o" * 150,
            skills=["figma", "ui-design", "logo-design"],
            hourly_rate_cents=5_000,
            availability="available",
        ),
    )
    profiles.add_portfolio_item(
        db, settings, user, title="Logo", description="For a bakery", url="https://example.com/logo"
    )
    profiles.set_profile_photo(db, settings, user, image_bytes())


def test_closing_erases_personal_data_and_keeps_the_record(client, db, settings):
    user = make_freelancer(db, settings, name="Ana Lima")
    _full_profile(db, settings, user)
    old_email, handle, phone = user.email, user.handle, user.phone_e164
    api_token = service.create_api_token(db, settings, user)
    csrf = sign_in_browser(client, db, settings, user)

    r = client.post("/settings/account/close", data={"csrf_token": csrf, "password": PASSWORD})
    assert r.status_code == 400 and "Tick the box" in r.text
    r = client.post(
        "/settings/account/close",
        data={"csrf_token": csrf, "password": "wrong password!", "confirm": "yes"},
    )
    assert r.status_code == 400 and "current password is not right" in r.text
    db.refresh(user)
    assert user.status == "active"

    r = client.post(
        "/settings/account/close",
        data={"csrf_token": csrf, "password": PASSWORD, "confirm": "yes"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    db.refresh(user)
    profile = user.freelancer_profile
    db.refresh(profile)
    assert user.status == "closed" and user.name == "Closed account"
    assert user.email != old_email and user.email.endswith(".invalid")
    assert user.handle == handle and user.country == "US"  # the record stays
    assert user.phone_e164 == phone  # held for trust.md §2.1, never shown
    assert profile.title == "" and profile.overview == "" and profile.hourly_rate_cents is None
    assert profile.skills == [] and profile.photo_path is None
    assert db.scalar(select(PortfolioItem).where(PortfolioItem.user_id == user.id)) is None
    assert list(photos.photos_dir(settings).iterdir()) == []
    change = db.scalar(select(AccountStatusChange).where(AccountStatusChange.user_id == user.id))
    assert change.to_status == "closed" and change.actor_id == user.id
    assert db.scalar(select(LoginAttempt).where(LoginAttempt.email == old_email)) is None
    assert all(
        ws.revoked_at is not None and ws.ip == ""
        for ws in db.scalars(select(WebSession).where(WebSession.user_id == user.id))
    )
    assert all(
        t.revoked_at for t in db.scalars(select(ApiToken).where(ApiToken.user_id == user.id))
    )
    assert all(
        t.used_at for t in db.scalars(select(OneTimeToken).where(OneTimeToken.user_id == user.id))
    )

    assert client.get("/settings/account", follow_redirects=False).status_code == 303
    assert client.get(f"/u/{handle}").status_code == 404
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"}).status_code
        == 401
    )
    assert (
        client.post("/api/v1/sessions", json={"email": old_email, "password": PASSWORD}).status_code
        == 401
    )
    # the address is free for a new account
    assert (
        client.post(
            "/api/v1/accounts",
            json={
                "email": old_email,
                "password": "a long enough passphrase",
                "name": "Ana Again",
                "country": "BR",
                "role": "client",
            },
        ).status_code
        == 201
    )


def test_closing_a_client_clears_company_and_card_digits(db, settings):
    user = make_client(db, settings)
    profiles.update_client_profile(db, user, company_name="Acme")
    profiles.add_payment_method(
        db, settings, user, number="4242424242424242", exp_month=1, exp_year=2099, cvc="999"
    )
    service.close_account(db, settings, user, password=PASSWORD, ip="203.0.113.1")
    assert (
        user.client_profile.company_name == "" and user.client_profile.payment_method_last4 is None
    )


def test_another_feature_may_refuse_the_closing(db, settings, monkeypatch):
    user = make_freelancer(db, settings)

    def open_contract(session, user):  # type: ignore[no-untyped-def]
        raise Conflict("End your open contracts first.")

    events.publish("account.none")  # load the real subscribers first, then stand in for them
    monkeypatch.setitem(events._handlers, "account.closing", [open_contract])
    with pytest.raises(Conflict):
        service.close_account(db, settings, user, password=PASSWORD, ip="203.0.113.1")
    db.refresh(user)
    assert user.status == "active" and not user.email.endswith(".invalid")
    # the password check was still recorded, for throttling
    assert db.scalar(select(LoginAttempt).where(LoginAttempt.email == user.email))


# --- the development mailbox ---------------------------------------------------------------


def test_dev_mailbox_exists_only_in_development(client, db, settings):
    make_freelancer(db, settings, verified=False)
    db.commit()
    assert client.get("/dev/mail").status_code == 404  # the test settings are "test"
    settings.environment = "production"
    assert client.get("/dev/mail").status_code == 404
    settings.environment = "development"
    page = client.get("/dev/mail")
    assert page.status_code == 200 and "Confirm your email for Workhall" in page.text
    assert re.search(r'<a href="http://127\.0\.0\.1:8000/verify-email\?token=[^"]+">', page.text)


def test_dev_mailbox_escapes_bodies(client, db, settings):
    from workhall.notifications.service import queue_email

    settings.environment = "development"
    queue_email(
        db,
        "x@example.com",
        "Hi <b>",
        'Look <script>alert(1)</script> https://example.com/a"onmouseover="x',
    )
    db.commit()
    page = client.get("/dev/mail").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert 'href="https://example.com/a"' in page and 'onmouseover="x' not in page
