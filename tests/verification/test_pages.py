"""Phone verification pages: /settings/phone, /staff/phone-release, /dev/sms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.verification.conftest import GB_MOBILE, T0, last_sms_code, other_code, unverified
from workhall.accounts.service import change_status, create_web_session
from workhall.audit.models import AuditEvent
from workhall.core import clock
from workhall.core.web import SESSION_COOKIE
from workhall.verification.models import PhoneCode

pytestmark = pytest.mark.usefixtures("frozen")


def sign_in(client, db, settings, user) -> str:
    """Give the test browser a session for ``user``; returns the CSRF token of its forms."""
    token, web_session = create_web_session(db, settings, user)
    db.commit()
    client.cookies.set(SESSION_COOKIE, token)
    return web_session.csrf_token


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.fixture
def browser(client, db, settings):
    user = unverified(db, settings, country="GB")
    csrf = sign_in(client, db, settings, user)
    return client, user, csrf


def test_page_requires_sign_in(client, db):
    r = client.get("/settings/phone", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/settings/phone"


def test_number_form_preselects_the_country_and_carries_csrf(browser):
    client, _, csrf = browser
    r = client.get("/settings/phone")
    assert r.status_code == 200
    html = r.text
    assert '<option value="GB" selected>United Kingdom (+44)</option>' in html
    assert 'action="/settings/phone/send"' in html and form_token(html) == csrf
    assert '<label class="form-label" for="phone">' in html
    assert "<script>" not in html  # the CSP forbids inline scripts


def test_forms_without_csrf_are_refused(browser, db):
    client, _, _csrf = browser
    for path, data in [
        ("/settings/phone/send", {"phone": GB_MOBILE}),
        ("/settings/phone/verify", {"code": "123456"}),
    ]:
        r = client.post(path, data=data)
        assert r.status_code == 403, path
        r = client.post(path, data={**data, "csrf_token": "forged"})
        assert r.status_code == 403, path
    assert db.scalar(select(PhoneCode.id)) is None


def test_full_journey_back_to_where_the_user_came_from(browser, db):
    client, user, csrf = browser
    r = client.get("/settings/phone?next=/jobs/new")
    assert 'href="/jobs/new"' in r.text and 'name="next" value="/jobs/new"' in r.text
    r = client.post(
        "/settings/phone/send",
        data={"phone": "07400 123456", "country": "GB", "next": "/jobs/new", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/settings/phone?next=%2Fjobs%2Fnew"
    page = client.get(r.headers["location"]).text
    assert "We sent a 6-digit code to +44 7400 123456" in page
    assert 'action="/settings/phone/verify"' in page and 'autocomplete="one-time-code"' in page
    assert "valid until 09:10 UTC" in page
    assert 'data-countdown="60"' in page  # the resend countdown (static/js/verification.js)
    assert "5 attempts left" in page

    code = last_sms_code(db, GB_MOBILE)
    r = client.post(
        "/settings/phone/verify",
        data={"code": other_code(code), "next": "/jobs/new", "csrf_token": csrf},
    )
    assert r.status_code == 400
    assert "That code is not right" in r.text and "4 attempts left" in r.text
    r = client.post(
        "/settings/phone/verify",
        data={"code": f"{code[:3]} {code[3:]}", "next": "/jobs/new", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/jobs/new"
    db.refresh(user)
    assert user.phone_e164 == GB_MOBILE

    page = client.get("/settings/phone?next=/jobs/new").text
    assert "Verified number" in page and "+44 7400 123456" in page
    assert "Change number" in page and 'href="/jobs/new"' in page


def test_next_must_stay_on_the_site(browser, db):
    client, _, csrf = browser
    client.post("/settings/phone/send", data={"phone": GB_MOBILE, "csrf_token": csrf})
    for evil in ["https://evil.example/", "//evil.example/x", "/\\evil.example"]:
        page = client.get("/settings/phone", params={"next": evil}).text
        assert "evil.example" not in page
    r = client.post(
        "/settings/phone/verify",
        data={
            "code": last_sms_code(db, GB_MOBILE),
            "next": "https://evil.example/",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_clear_messages_for_invalid_numbers_and_limits(browser, db, settings):
    client, _, csrf = browser
    r = client.post(
        "/settings/phone/send", data={"phone": "020 7946 0000", "country": "GB", "csrf_token": csrf}
    )
    assert r.status_code == 400 and "landline" in r.text
    assert 'value="020 7946 0000"' in r.text  # what was typed is kept
    client.post("/settings/phone/send", data={"phone": GB_MOBILE, "csrf_token": csrf})
    clock.set_now(T0 + timedelta(seconds=20))
    r = client.post("/settings/phone/send", data={"phone": GB_MOBILE, "csrf_token": csrf})
    assert r.status_code == 429 and "ask for another one in 40 seconds" in r.text
    holder = unverified(db, settings)
    holder.phone_e164, holder.phone_verified_at = "+447400123457", T0
    db.commit()
    r = client.post("/settings/phone/send", data={"phone": "+447400123457", "csrf_token": csrf})
    assert r.status_code == 409 and "contact support" in r.text


def test_attempts_used_up_disables_the_code_form(browser, db):
    client, _, csrf = browser
    client.post("/settings/phone/send", data={"phone": GB_MOBILE, "csrf_token": csrf})
    wrong = other_code(last_sms_code(db, GB_MOBILE))
    for _ in range(5):
        client.post("/settings/phone/verify", data={"code": wrong, "csrf_token": csrf})
    r = client.post(
        "/settings/phone/verify", data={"code": last_sms_code(db, GB_MOBILE), "csrf_token": csrf}
    )
    assert r.status_code == 429
    assert "A wrong code was entered 5 times in the last 24 hours" in r.text
    assert "0 attempts left" in r.text


def test_change_number_keeps_the_verified_one_shown(browser, db):
    client, user, _csrf = browser
    user.phone_e164, user.phone_verified_at = GB_MOBILE, T0
    db.commit()
    page = client.get("/settings/phone?change=1").text
    assert "New mobile number" in page and "stays on your account" in page
    assert "+44 7400 123456" in page


def test_gateway_failure_shows_a_friendly_message(browser, db, settings):
    client, _, csrf = browser
    settings.sms_backend = "http"  # without a URL: the gateway cannot send
    r = client.post("/settings/phone/send", data={"phone": GB_MOBILE, "csrf_token": csrf})
    assert r.status_code == 503
    assert "Text messages cannot be sent right now" in r.text
    assert db.scalar(select(PhoneCode.id)) is None


# --- staff: release a number --------------------------------------------------------------


def test_release_page_is_for_support_only(client, db, settings):
    assert client.get("/staff/phone-release", follow_redirects=False).status_code == 303
    member = make_user(db, settings, "freelancer")
    sign_in(client, db, settings, member)
    assert client.get("/staff/phone-release").status_code == 403
    agent = make_user(db, settings, "staff", staff_roles="trust_safety")
    csrf = sign_in(client, db, settings, agent)
    assert client.get("/staff/phone-release").status_code == 403
    r = client.post(
        "/staff/phone-release", data={"phone": GB_MOBILE, "reason": "because", "csrf_token": csrf}
    )
    assert r.status_code == 403


def test_support_looks_up_and_releases_a_number(client, db, settings):
    holder = unverified(db, settings)
    holder.phone_e164, holder.phone_verified_at = GB_MOBILE, T0
    change_status(db, holder, "suspended", actor=None, reason="fraud")
    agent = make_user(db, settings, "staff", staff_roles="support")
    csrf = sign_in(client, db, settings, agent)

    page = client.get("/staff/phone-release").text
    assert 'action="/staff/phone-release/lookup"' in page and form_token(page) == csrf
    assert client.post("/staff/phone-release/lookup", data={"phone": GB_MOBILE}).status_code == 403
    r = client.post(
        "/staff/phone-release/lookup", data={"phone": "+44 7400 123456", "csrf_token": csrf}
    )
    assert r.status_code == 200
    assert f"@{holder.handle}" in r.text and "suspended" in r.text
    assert 'action="/staff/phone-release"' in r.text

    assert (
        client.post(
            "/staff/phone-release", data={"phone": GB_MOBILE, "reason": "Ticket 7"}
        ).status_code
        == 403
    )
    r = client.post(
        "/staff/phone-release", data={"phone": GB_MOBILE, "reason": "no", "csrf_token": csrf}
    )
    assert r.status_code == 400 and "Give a reason" in r.text
    r = client.post(
        "/staff/phone-release",
        data={"phone": GB_MOBILE, "reason": "Ticket 7: owner proved it", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert f"from @{holder.handle}" in client.get(r.headers["location"]).text
    db.refresh(holder)
    assert holder.phone_e164 is None and holder.phone_verified_at is None
    assert (
        db.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "phone.released"))
        == agent.id
    )


def test_lookup_of_an_active_holder_offers_no_release(client, db, settings):
    holder = unverified(db, settings)
    holder.phone_e164, holder.phone_verified_at = GB_MOBILE, T0
    agent = make_user(db, settings, "staff", staff_roles="support")
    csrf = sign_in(client, db, settings, agent)
    r = client.post("/staff/phone-release/lookup", data={"phone": GB_MOBILE, "csrf_token": csrf})
    assert "cannot be released" in r.text and 'action="/staff/phone-release"' not in r.text
    r = client.post("/staff/phone-release/lookup", data={"phone": "nonsense", "csrf_token": csrf})
    assert r.status_code == 400 and "international format" in r.text


# --- development SMS log ----------------------------------------------------------------


def test_dev_sms_is_404_outside_development(client, db, settings):
    for environment in ("test", "production"):
        settings.environment = environment
        assert client.get("/dev/sms").status_code == 404


def test_dev_sms_lists_the_newest_messages(browser, db, settings):
    client, _, csrf = browser
    client.post("/settings/phone/send", data={"phone": GB_MOBILE, "csrf_token": csrf})
    settings.environment = "development"
    r = client.get("/dev/sms")
    assert r.status_code == 200
    assert GB_MOBILE in r.text and last_sms_code(db, GB_MOBILE) in r.text
