"""The main journey available today, clicked through in Chromium (quality.md §3).

A client signs up, confirms the email from the development mailbox, verifies a phone with the
code from the development SMS log and posts a job; a freelancer signs up the same way, fills in
a profile, finds the job by searching, sees the client's card and the Connects price, and sends
a proposal; the client reviews it (the freelancer sees it viewed) and shortlists it.

One test, because each step builds on the last and ``make test`` spreads tests over processes;
the steps are functions, every step asserts what the person sees and saves a screenshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.browser.support import (
    CHROMIUM,
    SKIP_REASON,
    OpenVisitor,
    Visitor,
    code_from_sms,
    screenshot,
)

if CHROMIUM is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright")

from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

PASSWORD = "amber-kettle-voyage-93"
JOB_TITLE = "Lighthouse booking dashboard in Django"
SEARCH_WORD = "lighthouse"
# spec: marketplace.md §4.2 — a $500 fixed price is in the $50 – $599.99 band: 4 Connects.
BUDGET_DOLLARS = "500"
PRICE = 4
# spec: marketplace.md §4.1 — a new freelancer on the Basic plan gets 10 Connects.
SIGNUP_CONNECTS = 10


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    country: str
    phone: str  # as typed, in the country's own format
    phone_e164: str
    phone_shown: str


CLIENT = Person(
    "Clara Hirer",
    "clara.hirer@example.com",
    "US",
    "(201) 555-0123",
    "+12015550123",
    "+1 201-555-0123",
)
FREELANCER = Person(
    "Felix Maker",
    "felix.maker@example.com",
    "GB",
    "07400 123456",
    "+447400123456",
    "+44 7400 123456",
)


def term(scope: Locator, name: str) -> Locator:
    """The value of a description list entry (``<dt>name</dt><dd>value</dd>``)."""
    return (
        scope.locator("dt")
        .filter(has_text=re.compile(f"^{re.escape(name)}$"))
        .locator("xpath=following-sibling::dd[1]")
    )


def sign_up(page: Page, person: Person, *, hire: bool) -> None:
    page.goto("/signup")
    if hire:
        page.get_by_text("Hire for a project").click()
    expect(page.get_by_role("radio", name="Hire for a project")).to_be_checked(checked=hire)
    page.get_by_label("Full name").fill(person.name)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Country").select_option(person.country)
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile("/jobs/new$" if hire else "/settings/profile$"))
    expect(page.locator("main .alert").first).to_contain_text(
        f"Welcome to Workhall, {person.name}! We sent you a link to confirm your email."
    )
    # Until the email is confirmed, every page says so and points at the mailbox.
    expect(page.get_by_role("status").filter(has_text="Confirm your email address")).to_be_visible()


def confirm_email(page: Page, person: Person) -> None:
    page.get_by_role("link", name="Open the development mailbox").click()
    expect(page).to_have_url(re.compile("/dev/mail$"))
    mail = page.locator("article").filter(has_text=f"To {person.email}")
    expect(mail).to_have_count(1)
    mail.get_by_role("link", name=re.compile(r"verify-email\?token=")).click()
    expect(page.get_by_role("heading", name="Confirm your email")).to_be_visible()
    page.get_by_role("button", name="Confirm my email").click()
    expect(page).to_have_url(re.compile("/settings/account$"))
    expect(page.locator("main")).to_contain_text("Thank you — your email address is confirmed.")
    expect(page.get_by_role("status").filter(has_text="Confirm your email address")).to_have_count(
        0
    )


def verify_phone(page: Page, person: Person) -> None:
    """On the phone page: send a code, read it in the development SMS log, type it."""
    expect(page).to_have_url(re.compile(r"/settings/phone(\?next=.*)?$"))
    expect(page.get_by_label("Country")).to_have_value(person.country)
    page.get_by_label("Mobile number").fill(person.phone)
    page.get_by_role("button", name="Text me a code").click()
    expect(page.locator("main")).to_contain_text("We sent a 6-digit code to")
    expect(page.get_by_label("Verification code")).to_be_visible()
    page.get_by_role("link", name="development SMS log").click()
    row = page.get_by_role("row").filter(has_text=person.phone_e164)
    expect(row).to_have_count(1)
    code = code_from_sms(row.inner_text())
    page.go_back()
    page.get_by_label("Verification code").fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("main .alert").first).to_contain_text(
        f"Your phone number {person.phone_shown} is verified."
    )


def test_client_posts_freelancer_proposes_client_shortlists(visitor: OpenVisitor) -> None:
    # --- the client -------------------------------------------------------------------------
    client: Visitor = visitor()
    cp = client.page
    sign_up(cp, CLIENT, hire=True)
    # Posting is refused until the email is confirmed, with the way to fix it.
    expect(cp.locator("main .alert-warning")).to_contain_text(
        "Confirm your email address before you post a job."
    )
    screenshot(cp, "01-client-signed-up")
    client.watch.assert_clean("client signs up")

    confirm_email(cp, CLIENT)
    screenshot(cp, "02-client-email-confirmed")
    cp.goto("/jobs/new")
    gate = cp.locator("main .alert-warning")
    expect(gate).to_contain_text("Verify your phone number before you post a job.")
    gate.get_by_role("link", name="Verify your phone").click()
    verify_phone(cp, CLIENT)
    # Verified from the form's warning, the client is back on the form, free to post.
    expect(cp).to_have_url(re.compile("/jobs/new$"))
    expect(cp.locator("main .alert-warning")).to_have_count(0)
    screenshot(cp, "03-client-phone-verified")
    client.watch.assert_clean("client confirms email and phone")

    cp.get_by_label("Title").fill(JOB_TITLE)
    cp.get_by_label("Description").fill(
        "A dashboard for the harbour lighthouse tours: bookings per day, guides on duty and "
        "refunds. Django, PostgreSQL, tests and a short deployment guide."
    )
    cp.get_by_label("Category").select_option("web-dev")
    cp.get_by_label("Skills").select_option(["python", "django"])
    cp.get_by_text("Fixed price", exact=True).click()
    cp.get_by_label("Fixed budget ($)").fill(BUDGET_DOLLARS)
    cp.get_by_label("Expected duration").select_option("1to3m")
    cp.get_by_label("Experience level").select_option("expert")
    cp.get_by_label("Anyone on Workhall").check()
    screenshot(cp, "04-client-job-form")
    cp.get_by_role("button", name="Post job").click()

    expect(cp).to_have_url(re.compile(r"/jobs/\d+$"))
    job_id = int(cp.url.rsplit("/", 1)[1])
    expect(cp.locator("main")).to_contain_text(
        f"Your job is posted. A proposal costs {PRICE} Connects."
    )
    expect(cp.get_by_role("heading", level=1)).to_have_text(JOB_TITLE)
    facts = cp.locator("article dl")
    expect(term(facts, "Budget")).to_have_text("Fixed price · $500.00")
    expect(term(facts, "Connects to apply")).to_have_text(f"{PRICE} Connects")
    expect(cp.get_by_role("link", name="Review proposals (0)")).to_be_visible()
    screenshot(cp, "05-client-job-posted")

    cp.get_by_role("link", name="My jobs").click()
    row = cp.get_by_role("row").filter(has_text=JOB_TITLE)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(1)).to_have_text("Open")
    expect(row.get_by_role("cell").nth(2)).to_have_text("0")
    screenshot(cp, "06-client-my-jobs")
    client.watch.assert_clean("client posts a job")

    # --- the freelancer, in a browser of their own -----------------------------------------------
    freelancer: Visitor = visitor()
    fp = freelancer.page
    sign_up(fp, FREELANCER, hire=False)
    confirm_email(fp, FREELANCER)
    fp.goto("/settings/phone")
    verify_phone(fp, FREELANCER)
    expect(fp.get_by_role("status").filter(has_text="Verified number")).to_contain_text(
        FREELANCER.phone_shown
    )
    screenshot(fp, "07-freelancer-verified")

    fp.goto("/settings/profile")
    details = fp.get_by_role("region", name="Professional details")
    details.get_by_label("Title").fill("Django developer for booking systems")
    details.get_by_label("Overview").fill(
        "Eight years of Django and PostgreSQL; booking and scheduling systems for museums, "
        "tour operators and clinics. I write tests first and leave clear documentation."
    )
    for skill in ("Python", "Django", "PostgreSQL"):
        details.get_by_label("Filter skills").fill(skill)
        fp.locator("label.btn").get_by_text(skill, exact=True).click()
    details.get_by_label("Filter skills").fill("")
    expect(fp.locator("[data-skill-count]")).to_have_text("3 of 15 chosen")
    details.get_by_label("Hourly rate").fill("45")
    fp.get_by_role("button", name="Save profile").click()
    expect(fp.locator("main")).to_contain_text("Your profile is saved.")
    expect(details.get_by_label("Title")).to_have_value("Django developer for booking systems")
    for slug in ("python", "django", "postgresql"):
        expect(fp.locator(f"#skill-{slug}")).to_be_checked()
    screenshot(fp, "08-freelancer-profile")
    freelancer.watch.assert_clean("freelancer signs up and fills in the profile")

    fp.get_by_role("navigation", name="Main").get_by_role("link", name="Find work").click()
    expect(fp.get_by_label("Sort by")).to_be_visible()  # the filters stay open on a desktop
    fp.get_by_label("Search").fill(SEARCH_WORD)
    fp.get_by_label("Search").press("Enter")  # htmx swaps the results in place
    results = fp.locator("#results")
    expect(results).to_contain_text(f"1 job found for “{SEARCH_WORD}”")
    expect(fp).to_have_url(re.compile(f"q={SEARCH_WORD}"))
    card = results.locator("article.job-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Fixed price · $500.00 · Expert")
    expect(card).to_contain_text(f"{PRICE} Connects")
    expect(card).to_contain_text("United States")
    screenshot(fp, "09-freelancer-search")
    card.get_by_role("link", name=JOB_TITLE).click()

    expect(fp).to_have_url(re.compile(f"/jobs/{job_id}$"))
    about = fp.get_by_role("region", name="About the client")
    expect(about).to_contain_text("Payment method not verified")
    expect(term(about, "Country")).to_have_text("United States")
    expect(term(about, "Jobs posted")).to_have_text("1 (1 open)")
    expect(term(about, "Hires")).to_have_text("0")
    apply_card = fp.get_by_role("region", name="Apply")
    expect(apply_card).to_contain_text(f"This proposal costs {PRICE} Connects.")
    expect(apply_card).to_contain_text(f"You have {SIGNUP_CONNECTS} Connects.")
    screenshot(fp, "10-freelancer-job-page")

    apply_card.get_by_role("link", name="Submit a proposal").click()
    expect(fp).to_have_url(re.compile(f"/jobs/{job_id}/apply$"))
    expect(fp.locator("#connects-left")).to_have_text(str(SIGNUP_CONNECTS - PRICE))
    fp.get_by_label("Your bid for the whole project (USD)").fill("450")
    letter = (
        "Hello Clara, I built the booking back end of a city museum in Django last year. "
        "I can deliver the dashboard in three weeks, with tests."
    )
    fp.get_by_label("Cover letter").fill(letter)
    expect(fp.locator("#cover-count")).to_have_text(f"{len(letter)} / 5000 characters")
    screenshot(fp, "11-freelancer-proposal-form")
    fp.get_by_role("button", name="Send proposal").click()

    expect(fp).to_have_url(re.compile(r"/proposals/\d+$"))
    proposal_id = int(fp.url.rsplit("/", 1)[1])
    left = SIGNUP_CONNECTS - PRICE
    expect(fp.locator("main")).to_contain_text(
        f"Proposal sent ({PRICE} Connects). You have {left} left."
    )
    expect(fp.get_by_role("heading", level=1)).to_have_text("Your proposal")
    expect(fp.locator("main .badge").first).to_have_text("Submitted")
    expect(fp.locator("main")).to_contain_text("$450.00")
    screenshot(fp, "12-freelancer-proposal-sent")

    fp.get_by_role("link", name="My proposals").first.click()
    expect(fp.get_by_role("link", name=re.compile(r"^Active"))).to_contain_text("1")
    sent = fp.locator("main .card").filter(has_text=JOB_TITLE)
    expect(sent).to_have_count(1)
    expect(term(sent, "Connects spent")).to_have_text(str(PRICE))
    expect(term(sent, "Bid")).to_have_text("$450.00")
    expect(sent.locator(".badge").first).to_have_text("Submitted")
    screenshot(fp, "13-freelancer-my-proposals")

    fp.get_by_role("navigation", name="Main").get_by_role("link", name="Connects").click()
    expect(fp.locator("#connects-balance")).to_have_text(str(left))
    spend = fp.get_by_role("row").filter(has_text=JOB_TITLE)
    expect(spend.get_by_role("cell").nth(2)).to_have_text(f"-{PRICE}")
    expect(spend.get_by_role("cell").nth(3)).to_have_text(str(left))
    screenshot(fp, "14-freelancer-connects")
    freelancer.watch.assert_clean("freelancer finds the job and proposes")

    # --- the client reviews -------------------------------------------------------------------
    cp.get_by_role("link", name="My jobs").click()
    row = cp.get_by_role("row").filter(has_text=JOB_TITLE)
    expect(row.get_by_role("cell").nth(2)).to_have_text("1")
    row.get_by_role("link", name="Review proposals").click()
    expect(cp).to_have_url(re.compile(f"/client/jobs/{job_id}/proposals$"))
    expect(cp.get_by_role("link", name=re.compile(r"^All"))).to_contain_text("1")
    expect(cp.get_by_role("link", name=re.compile(r"^Shortlisted"))).to_contain_text("0")
    entry = cp.locator("main .card").filter(has_text=FREELANCER.name)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Django developer for booking systems · United Kingdom")
    expect(entry).to_contain_text("Phone verified")
    expect(entry).to_contain_text("$450.00")
    expect(entry).to_contain_text("Submitted")
    screenshot(cp, "15-client-proposals")

    entry.get_by_role("link", name=FREELANCER.name).click()
    expect(cp).to_have_url(re.compile(f"/proposals/{proposal_id}$"))
    expect(cp.get_by_role("heading", level=1)).to_have_text(FREELANCER.name)
    expect(cp.locator("main")).to_contain_text(letter)
    expect(cp.locator("main .badge").first).to_have_text("Viewed")
    screenshot(cp, "16-client-proposal-viewed")

    fp.goto(f"/proposals/{proposal_id}")
    expect(fp.locator("main .badge").first).to_have_text("Viewed")
    expect(fp.get_by_role("listitem").filter(has_text="Viewed ·")).to_have_count(1)
    screenshot(fp, "17-freelancer-sees-viewed")

    cp.get_by_role("button", name="Shortlist").click()
    expect(cp.locator("main")).to_contain_text("Added to your shortlist.")
    expect(cp.locator("main .badge").first).to_have_text("Shortlisted")
    expect(cp.get_by_role("button", name="Shortlist")).to_have_count(0)
    cp.get_by_role("link", name=f"Proposals for {JOB_TITLE}").click()
    expect(cp.get_by_role("link", name=re.compile(r"^Shortlisted"))).to_contain_text("1")
    screenshot(cp, "18-client-shortlisted")

    fp.reload()
    expect(fp.locator("main .badge").first).to_have_text("Shortlisted")
    client.watch.assert_clean("client reviews and shortlists")
    freelancer.watch.assert_clean("freelancer sees the proposal viewed and shortlisted")
