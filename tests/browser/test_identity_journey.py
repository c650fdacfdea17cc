"""Identity verification in Chromium (trust.md §2.2): a freelancer sends a photo ID and a
selfie from /settings/verification; a trust & safety agent signs in with the second factor,
opens the queue, looks at both files (decrypted by the review route) and approves; the
freelancer then sees "Identity verified" on the settings page and on the public profile.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.support import CHROMIUM, SKIP_REASON, LiveServer, OpenVisitor, screenshot
from tests.identity import samples

if CHROMIUM is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright")

import pyotp
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "quartz-meadow-lantern-27"
FREELANCER = ("Iris Novak", "iris.novak@example.com", "CZ")
AGENT = ("Tomas Reviewer", "tomas.reviewer@example.com", "DE")


@pytest.fixture(scope="module")
def people(live_server: LiveServer) -> dict[str, Any]:
    """A verified freelancer and a trust & safety agent enrolled in TOTP, written straight
    into the server's database (signing up is another journey's subject)."""
    import workhall.models
    from workhall.accounts import service as accounts
    from workhall.core.clock import utcnow
    from workhall.core.db import Database
    from workhall.core.settings import Settings

    settings = Settings(  # type: ignore[call-arg]
        environment="development",
        database_url=live_server.database_url,
        data_dir=live_server.data_dir,
        secret_key=live_server.secret_key,
        _env_file=None,
    )
    database = Database(live_server.database_url)
    try:
        # Tables newer than the schema migrations (this feature's among them); a no-op once
        # the migrations carry them all.
        workhall.models.metadata.create_all(database.engine, checkfirst=True)
        secret = pyotp.random_base32()
        with database.unit_of_work() as session:
            freelancer = accounts.sign_up(
                session,
                settings,
                email=FREELANCER[1],
                password=PASSWORD,
                name=FREELANCER[0],
                country=FREELANCER[2],
                role="freelancer",
            )
            freelancer.email_verified_at = freelancer.phone_verified_at = utcnow()
            freelancer.phone_e164 = "+420601123456"
            agent = accounts.sign_up(
                session,
                settings,
                email=AGENT[1],
                password=PASSWORD,
                name=AGENT[0],
                country=AGENT[2],
                role="staff",
                staff_roles="trust_safety",
            )
            agent.email_verified_at = utcnow()
            agent.totp_secret = secret
            agent.totp_enabled_at = utcnow()
            return {"handle": freelancer.handle, "totp": secret}
    finally:
        database.dispose()


def sign_in_to(page: Page, path: str, email: str) -> None:
    """Open a page that needs a sign-in; the sign-in form brings the person back to it."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_freelancer_uploads_agent_approves_freelancer_is_verified(
    visitor: OpenVisitor, people: dict[str, Any]
) -> None:
    # The freelancer sends a passport photo and a selfie.
    iris = visitor()
    page = iris.page
    sign_in_to(page, "/settings/verification", FREELANCER[1])
    expect(page).to_have_url(re.compile(r"/settings/verification$"))
    expect(page.get_by_role("heading", name="Verification", level=1)).to_be_visible()
    expect(page.get_by_text("What a verified identity unlocks")).to_be_visible()
    page.get_by_label("Document").select_option("passport")
    page.get_by_label("Issuing country").select_option("CZ")
    page.get_by_label("Photo or scan of the ID").set_input_files(
        {"name": "passport.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg((480, 320))}
    )
    page.get_by_label("Selfie").set_input_files(
        {"name": "selfie.png", "mimeType": "image/png", "buffer": samples.png((320, 320))}
    )
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("your documents are in review")).to_be_visible()
    identity = page.get_by_role("region", name="Identity", exact=True)
    expect(identity.get_by_text("In review", exact=True)).to_be_visible()
    screenshot(page, "identity-01-sent-for-review")
    iris.watch.assert_clean("the freelancer sends documents")

    # The agent signs in with the second factor and approves from the queue.
    tomas = visitor()
    staff = tomas.page
    sign_in_to(staff, "/staff/identity", AGENT[1])
    expect(staff).to_have_url(re.compile(r"/login/second-factor"))
    staff.get_by_label("6-digit code").fill(pyotp.TOTP(people["totp"]).now())
    staff.get_by_role("button", name="Sign in").click()
    expect(staff).to_have_url(re.compile(r"/staff/identity$"))
    row = staff.get_by_role("row").filter(has_text=FREELANCER[0])
    expect(row).to_contain_text("Passport")
    row.get_by_role("link", name="Review").click()
    expect(staff.get_by_test_id("account-name")).to_have_text(FREELANCER[0])
    for label in ("ID document", "Selfie"):
        image = staff.get_by_role("img", name=f"{label} sent by {FREELANCER[0]}")
        expect(image).to_be_visible()
        # The browser decoded the decrypted file: it has real pixels.
        staff.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
    screenshot(staff, "identity-02-staff-review")
    staff.get_by_label(re.compile("The name on the ID matches")).check()
    staff.get_by_role("button", name="Approve").click()
    expect(staff.get_by_text("Approved: the account is identity verified.")).to_be_visible()
    expect(staff.get_by_text("No identity submissions are waiting.")).to_be_visible()
    tomas.watch.assert_clean("the agent approves")

    # The freelancer sees the result.
    page.goto("/settings/verification")
    expect(identity.get_by_text("Identity verified", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Send for review")).to_have_count(0)
    screenshot(page, "identity-03-verified")
    page.goto(f"/u/{people['handle']}")
    expect(page.get_by_text("Identity verified")).to_be_visible()
    iris.watch.assert_clean("the freelancer is verified")
