"""Public profiles (marketplace.md §1): only what exists, never an email or a phone number."""

from __future__ import annotations

from tests.factories import make_client, make_freelancer, make_user, sign_in_browser
from workhall.accounts import profiles, service
from workhall.accounts.profiles import FreelancerProfileInput
from workhall.core.clock import utcnow


def _complete(db, settings, user):  # type: ignore[no-untyped-def]
    profiles.update_freelancer_profile(
        db,
        settings,
        user,
        FreelancerProfileInput(
            title="Data scientist <b>bold</b>",
            overview="Ten years of <script>alert(1)</script>\nmodels and dashboards.",
            skills=["python", "machine-learning", "sql"],
            hourly_rate_cents=8_000,
            availability="available",
        ),
    )
    profiles.add_portfolio_item(
        db,
        settings,
        user,
        title="Churn model",
        description="Cut churn",
        url="https://example.com/churn",
    )
    db.flush()


def test_freelancer_profile_page(client, db, settings):
    user = make_freelancer(db, settings, name="Ana Lima", country="BR")
    user.identity_verified_at = utcnow()
    _complete(db, settings, user)
    r = client.get(f"/u/{user.handle}")
    assert r.status_code == 200
    page = r.text
    for shown in (
        "Ana Lima",
        "Brazil",
        "$80.00",
        "Machine Learning",
        "Churn model",
        "https://example.com/churn",
        "Identity verified",
        "Phone verified",
        "Member since",
        "Available now",
    ):
        assert shown in page, shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert user.email not in page and user.phone_e164 not in page
    assert 'rel="nofollow noopener ugc"' in page


def test_only_what_exists_is_shown(client, db, settings):
    user = make_freelancer(db, settings, verified=False)
    page = client.get(f"/u/{user.handle}").text
    for absent in ("Identity verified", "Phone verified", "/hr", "Portfolio", "Skills"):
        assert absent not in page, absent
    assert "has not written an overview yet" in page


def test_client_profile_page(client, db, settings):
    user = make_client(db, settings, name="Bob Stone", country="DE")
    profiles.update_client_profile(db, user, company_name="Acme GmbH")
    profiles.add_payment_method(
        db, settings, user, number="4242424242424242", exp_month=12, exp_year=2099, cvc="123"
    )
    page = client.get(f"/u/{user.handle}").text
    for shown in ("Acme GmbH", "Germany", "Member since", "Payment method verified"):
        assert shown in page
    assert user.email not in page and "4242" not in page and "Bob Stone" not in page


def test_unknown_closed_and_staff_accounts_are_404(client, db, settings):
    closed = make_freelancer(db, settings)
    closed_handle = closed.handle
    service.change_status(db, closed, "closed", actor=closed, reason="test")
    staff = make_user(db, settings, "staff", staff_roles="admin")
    for handle in ("nobody-here", closed_handle, staff.handle, "..%2F..%2Fetc", "a" * 41):
        assert client.get(f"/u/{handle}").status_code == 404, handle
        assert client.get(f"/api/v1/users/{handle}").status_code in (404, 422), handle


def test_owner_sees_an_edit_link_and_completeness(client, db, settings):
    user = make_freelancer(db, settings)
    sign_in_browser(client, db, settings, user)
    page = client.get(f"/u/{user.handle}").text
    assert 'href="/settings/profile"' in page and "% complete" in page
    other = make_freelancer(db, settings)
    page = client.get(f"/u/{other.handle}").text
    assert "% complete" not in page


def test_public_profile_json_has_nothing_private(client, db, settings):
    user = make_freelancer(db, settings)
    _complete(db, settings, user)
    body = client.get(f"/api/v1/users/{user.handle}").json()
    assert body["handle"] == user.handle and body["phone_verified"] is True
    assert body["freelancer"]["hourly_rate_cents"] == 8000
    assert [s["slug"] for s in body["freelancer"]["skills"]] == [
        "machine-learning",
        "python",
        "sql",
    ]
    assert body["client"] is None
    text = str(body)
    assert user.email not in text and (user.phone_e164 or "+") not in text
    assert "profile_completeness" not in body and "email" not in body


def test_a_freelancer_without_a_profile_row_still_has_pages(client, db, settings):
    from workhall.accounts.models import FreelancerProfile

    user = make_freelancer(db, settings)  # as an imported account may be: no profile row
    db.delete(db.get(FreelancerProfile, user.id))
    db.flush()
    db.expire(user)
    assert client.get(f"/u/{user.handle}").status_code == 200
    assert client.get(f"/api/v1/users/{user.handle}").json()["freelancer"]["skills"] == []
    sign_in_browser(client, db, settings, user)
    page = client.get("/settings/profile")
    assert page.status_code == 200 and 'aria-valuenow="14"' in page.text  # phone only
    assert db.get(FreelancerProfile, user.id) is None  # showing wrote nothing
