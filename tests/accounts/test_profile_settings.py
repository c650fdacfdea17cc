"""Profile settings pages (marketplace.md §1): the freelancer profile, completeness, portfolio,
the client's company and payment method, and who may change them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer, make_user, sign_in_browser
from workhall.accounts import profiles
from workhall.accounts.models import PaymentMethodCheck, PortfolioItem, User
from workhall.audit.models import AuditEvent

GOOD = {
    "title": "Senior Django developer",
    "overview": "I build web back ends. " * 6,
    "skills": ["python", "django", "postgresql"],
    "hourly_rate": "45.50",
    "availability": "limited",
}


def _post(client, csrf, url, data, **kw):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": csrf, **data}, **kw)


def test_anonymous_visitors_are_sent_to_sign_in(client, db, settings):
    for url in ("/settings/profile", "/settings/account"):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/login?next={url}"
    r = client.post("/settings/profile", data={"title": "x"}, follow_redirects=False)
    assert r.status_code in (303, 403)


def test_freelancer_saves_the_profile(client, db, settings):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    page = client.get("/settings/profile")
    assert page.status_code == 200 and "Profile completeness" in page.text
    r = _post(client, csrf, "/settings/profile", GOOD, follow_redirects=False)
    assert r.status_code == 303
    profile = user.freelancer_profile
    db.refresh(profile)
    assert profile.title == "Senior Django developer"
    assert profile.hourly_rate_cents == 4550
    assert profile.availability == "limited"
    assert profile.skill_slugs == ["django", "postgresql", "python"]
    # changing the skills keeps, drops and adds rows
    r = _post(
        client,
        csrf,
        "/settings/profile",
        {**GOOD, "skills": ["python", "React"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(profile)
    assert profile.skill_slugs == ["python", "react"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": "x" * 121}, "at most 120"),
        ({"title": "two\nlines"}, "not allowed"),
        ({"overview": "x" * 5001}, "at most 5,000"),
        ({"overview": "nul \x00"}, "not allowed"),
        ({"skills": []}, "between 1 and 15"),
        (
            {
                "skills": [
                    s
                    for s in (
                        "python",
                        "django",
                        "fastapi",
                        "javascript",
                        "typescript",
                        "react",
                        "vue-js",
                        "node-js",
                        "php",
                        "laravel",
                        "ruby-on-rails",
                        "html",
                        "css",
                        "wordpress",
                        "shopify",
                        "postgresql",
                    )
                ]
            },
            "between 1 and 15",
        ),
        ({"skills": ["python", "underwater-basket-weaving"]}, "catalogue"),
        ({"hourly_rate": "2.99"}, "between $3.00 and $999.00"),
        ({"hourly_rate": "1000"}, "between $3.00 and $999.00"),
        ({"hourly_rate": "12.345"}, "in dollars"),
        ({"hourly_rate": "ten"}, "in dollars"),
        ({"hourly_rate": "1e400"}, "between $3.00 and $999.00"),
        ({"availability": "sometimes"}, "availability"),
    ],
)
def test_bad_profile_input_is_explained_and_nothing_is_saved(client, db, settings, change, message):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    r = _post(client, csrf, "/settings/profile", {**GOOD, **change})
    assert r.status_code == 400
    assert message in r.text
    profile = user.freelancer_profile
    db.refresh(profile)
    assert profile.title == "" and profile.skill_slugs == [] and profile.hourly_rate_cents is None


def test_an_empty_rate_clears_it(client, db, settings):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    _post(client, csrf, "/settings/profile", GOOD)
    _post(client, csrf, "/settings/profile", {**GOOD, "hourly_rate": ""})
    db.refresh(user.freelancer_profile)
    assert user.freelancer_profile.hourly_rate_cents is None


def test_completeness_bar_and_checklist(client, db, settings):
    user = make_freelancer(db, settings, verified=False)
    csrf = sign_in_browser(client, db, settings, user)
    page = client.get("/settings/profile").text
    assert 'aria-valuenow="0"' in page
    assert 'href="/settings/phone"' in page and "Verify your phone" in page
    assert 'href="#photo"' in page and 'href="#portfolio"' in page
    _post(client, csrf, "/settings/profile", GOOD)  # title, overview ≥ 100, 3 skills, rate
    page = client.get("/settings/profile").text
    assert 'aria-valuenow="57"' in page  # 4 of 7
    assert 'href="#title"' not in page and 'href="#skills"' not in page
    _post(client, csrf, "/settings/profile/portfolio", {"item_title": "Booking app"})
    assert 'aria-valuenow="71"' in client.get("/settings/profile").text


def test_portfolio_items_are_added_and_removed_only_by_their_owner(client, db, settings):
    owner = make_freelancer(db, settings)
    other = make_freelancer(db, settings)
    item = profiles.add_portfolio_item(
        db, settings, owner, title="Shop", description="", url="https://shop.example"
    )
    csrf = sign_in_browser(client, db, settings, other)
    r = _post(client, csrf, f"/settings/profile/portfolio/{item.id}/remove", {})
    assert r.status_code == 404
    assert db.get(PortfolioItem, item.id) is not None
    r = _post(client, csrf, "/settings/profile/portfolio/99999999999999999999/remove", {})
    assert r.status_code in (400, 404)  # out of range: refused before the database

    r = _post(
        client,
        csrf,
        "/settings/profile/portfolio",
        {
            "item_title": "Mine",
            "item_description": "A thing\nI made",
            "item_url": "https://example.com/mine",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    mine = db.scalar(select(PortfolioItem).where(PortfolioItem.user_id == other.id))
    assert mine is not None and mine.url == "https://example.com/mine"
    r = _post(
        client, csrf, f"/settings/profile/portfolio/{mine.id}/remove", {}, follow_redirects=False
    )
    assert r.status_code == 303 and db.get(PortfolioItem, mine.id) is None


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"item_title": ""}, "Give the portfolio item a title"),
        ({"item_title": "x" * 121}, "at most 120"),
        ({"item_title": "Ok", "item_description": "d" * 2001}, "at most 2,000"),
        ({"item_title": "Ok", "item_url": "javascript:alert(1)"}, "http://"),
        ({"item_title": "Ok", "item_url": "https://example.com/" + "a" * 490}, "at most 500"),
    ],
)
def test_bad_portfolio_items_are_refused(client, db, settings, item, message):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    r = _post(client, csrf, "/settings/profile/portfolio", item)
    assert r.status_code == 400 and message in r.text
    assert (
        db.scalar(
            select(func.count()).select_from(PortfolioItem).where(PortfolioItem.user_id == user.id)
        )
        == 0
    )


def test_portfolio_has_a_maximum(client, db, settings):
    settings.profile_portfolio_max_items = 2
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    for n in range(2):
        _post(client, csrf, "/settings/profile/portfolio", {"item_title": f"Item {n}"})
    r = _post(client, csrf, "/settings/profile/portfolio", {"item_title": "One too many"})
    assert r.status_code == 400 and "at most 2 portfolio items" in r.text


def test_freelancer_only_actions_are_refused_to_clients(client, db, settings):
    user = make_client(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    for url in ("/settings/profile/portfolio", "/settings/profile/photo/remove"):
        assert _post(client, csrf, url, {"item_title": "x"}).status_code == 403


# --- client profile (marketplace.md §1) -------------------------------------------------------


def test_client_company_name(client, db, settings):
    user = make_client(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    assert "Company name" in client.get("/settings/profile").text
    r = _post(
        client, csrf, "/settings/profile", {"company_name": "Acme Ltd"}, follow_redirects=False
    )
    assert r.status_code == 303
    db.refresh(user.client_profile)
    assert user.client_profile.company_name == "Acme Ltd"
    r = _post(client, csrf, "/settings/profile", {"company_name": "A" * 121})
    assert r.status_code == 400 and "at most 120" in r.text
    r = _post(client, csrf, "/settings/profile", {"company_name": ""}, follow_redirects=False)
    assert r.status_code == 303  # optional


CARD = {"card_number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2099", "cvc": "123"}


def test_payment_method_verified_with_the_test_provider(client, db, settings):
    user = make_client(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    r = _post(client, csrf, "/settings/profile/payment-method", CARD, follow_redirects=False)
    assert r.status_code == 303
    profile = user.client_profile
    db.refresh(profile)
    assert profile.payment_verified and profile.payment_method_last4 == "4242"
    page = client.get("/settings/profile").text
    assert (
        "Payment method verified" in page
        and "4242 4242 4242 4242" not in page.split("Test payment provider")[0]
    )
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "payment_method.verified"))


@pytest.mark.parametrize(
    ("card", "status", "message"),
    [
        ({"card_number": "4000 0000 0000 0002"}, 402, "declined"),
        ({"card_number": "4242 4242 4242 4241"}, 400, "valid card number"),
        ({"card_number": "abc"}, 400, "valid card number"),
        ({"exp_year": "2001"}, 400, "expired"),
        ({"exp_month": "13"}, 400, "expired"),
        ({"cvc": "12"}, 400, "security code"),
    ],
)
def test_bad_or_declined_cards_verify_nothing(client, db, settings, card, status, message):
    user = make_client(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    r = _post(client, csrf, "/settings/profile/payment-method", {**CARD, **card})
    assert r.status_code == status and message in r.text
    db.refresh(user.client_profile)
    assert not user.client_profile.payment_verified
    assert user.client_profile.payment_method_last4 is None


def test_card_attempts_are_capped_per_day(client, db, settings):
    settings.payment_method_max_checks_per_day = 3
    user = make_client(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    for _ in range(3):
        r = _post(
            client,
            csrf,
            "/settings/profile/payment-method",
            {**CARD, "card_number": "4000 0000 0000 0002"},
        )
        assert r.status_code == 402
    r = _post(client, csrf, "/settings/profile/payment-method", CARD)
    assert r.status_code == 429
    assert (
        db.scalar(
            select(func.count())
            .select_from(PaymentMethodCheck)
            .where(PaymentMethodCheck.user_id == user.id)
        )
        == 3
    )


def test_clients_cannot_add_cards_for_freelancers_and_the_reverse(client, db, settings):
    user = make_freelancer(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    assert _post(client, csrf, "/settings/profile/payment-method", CARD).status_code == 403


def test_staff_have_no_profile_page(client, db, settings):
    staff = make_user(db, settings, "staff", staff_roles="support")
    sign_in_browser(client, db, settings, staff)
    r = client.get("/settings/profile", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/settings/account"
    assert db.scalar(select(User).where(User.id == staff.id)) is not None
