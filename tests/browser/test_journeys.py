"""The main journey available today, clicked through in Chromium (quality.md §3).

A client signs up, confirms the email from the development mailbox, verifies a phone with the
code from the development SMS log and posts a job; a freelancer signs up the same way, fills in
a profile, finds the job by searching, sees the client's card and the Connects price, and sends
a proposal; the client reviews it (the freelancer sees it viewed) and shortlists it. The client
then writes about the proposal and the freelancer answers; the client verifies a card, makes a
fixed-price offer of one milestone, the freelancer accepts, the client funds the milestone (the
amount plus the 3% processing fee), the freelancer submits the work, the client approves it and
ends the contract; both leave double-blind feedback, revealed once both have submitted; the
freelancer's earnings show the payment pending, net of the 10% service fee, and the public
profile shows the review.

One test, because each step builds on the last and ``make test`` spreads tests over processes;
the steps are functions, every step asserts what the person sees and saves a screenshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

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

from playwright.sync_api import Dialog, Locator, Page, expect

from workhall.feedback.rules import CRITERIA_LABELS

pytestmark = pytest.mark.browser

PASSWORD = "amber-kettle-voyage-93"
JOB_TITLE = "Lighthouse booking dashboard in Django"
SEARCH_WORD = "lighthouse"
# spec: marketplace.md §4.2 — a $500 fixed price is in the $50 – $599.99 band: 4 Connects.
BUDGET_DOLLARS = "500"
PRICE = 4
# spec: marketplace.md §4.1 — a new freelancer on the Basic plan gets 10 Connects.
SIGNUP_CONNECTS = 10

QUESTION = "Hi Felix, could you also export the daily bookings as CSV?"
ANSWER = "Yes, a CSV export per day and per guide is easy to add, within the same price."
CONTRACT_TITLE = "Lighthouse booking dashboard"
MILESTONE_TITLE = "Dashboard with tests and deployment guide"
MILESTONE_DOLLARS = "400"
# spec: marketplace.md §6.2 — the client pays a 3% processing fee on top of each funding; the
# freelancer's service fee is 10%, taken when the payment is released.
MILESTONE = "$400.00"
CLIENT_FEE = "$12.00"
CHARGE = "$412.00"
SERVICE_FEE = "$40.00"
NET = "$360.00"
SUBMISSION = "The dashboard is live on the staging server; tests pass and the guide is in docs/."
CLIENT_REVIEW = "Clear, fast and well tested. Felix explained every step."
FREELANCER_REVIEW = "Clara answered quickly and paid on time. A pleasure."
# The form's field names: the client rates the freelancer and the freelancer the client.
CLIENT_CRITERIA = tuple(name for name, _ in CRITERIA_LABELS["client"])
FREELANCER_CRITERIA = tuple(name for name, _ in CRITERIA_LABELS["freelancer"])


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


def test_post_propose_message_hire_fund_approve_review(visitor: OpenVisitor) -> None:
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

    # --- a conversation on the proposal, then the hire ------------------------------------------
    talk_before_hiring(client, freelancer, proposal_id)
    contract_id = hire_fund_approve(client, freelancer, proposal_id)
    leave_feedback_both_ways(client, freelancer, contract_id)


def accept_dialogs(page: Page) -> list[str]:
    """Accept every ``confirm()`` the page asks (Playwright dismisses them by default), keeping
    the questions so the test can check what the person was asked to confirm."""
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return asked


def talk_before_hiring(client: Visitor, freelancer: Visitor, proposal_id: int) -> None:
    """The client writes first about the proposal; the freelancer reads it and answers
    (marketplace.md §8)."""
    cp, fp = client.page, freelancer.page
    cp.goto(f"/proposals/{proposal_id}")
    cp.get_by_role("link", name="Message", exact=True).click()
    expect(cp).to_have_url(re.compile(f"/proposals/{proposal_id}/messages$"))
    expect(cp.get_by_role("heading", level=1)).to_have_text(f"Message {FREELANCER.name}")
    cp.get_by_label("Your message").fill(QUESTION)
    screenshot(cp, "19-client-first-message")
    cp.get_by_role("button", name="Send", exact=True).click()
    expect(cp).to_have_url(re.compile(r"/messages/\d+(#m-\d+)?$"))
    found = re.search(r"/messages/(\d+)", cp.url)
    assert found, cp.url
    thread_id = int(found.group(1))
    expect(cp.locator("main")).to_contain_text("Message sent.")
    mine = cp.locator("#message-list article.wh-msg-mine")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(QUESTION)
    client.watch.assert_clean("client messages the freelancer")

    main_menu = fp.get_by_role("navigation", name="Main")
    main_menu.get_by_role("link", name=re.compile("^Messages")).click()
    expect(fp).to_have_url(re.compile("/messages$"))
    conversation = fp.get_by_role("navigation", name="Conversations").get_by_role("link")
    expect(conversation).to_have_count(1)
    expect(conversation).to_contain_text(CLIENT.name)
    expect(conversation).to_contain_text(f"Proposal · {JOB_TITLE}")
    expect(conversation).to_contain_text("1 unread")
    screenshot(fp, "20-freelancer-inbox")
    conversation.click()
    expect(fp).to_have_url(re.compile(f"/messages/{thread_id}$"))
    theirs = fp.locator("#message-list article.wh-msg").filter(has_text=QUESTION)
    expect(theirs).to_contain_text(CLIENT.name)
    fp.get_by_label("Your message").fill(ANSWER)
    fp.get_by_role("button", name="Send", exact=True).click()  # htmx appends the reply in place
    expect(fp.locator("#message-list article.wh-msg-mine")).to_contain_text(ANSWER)
    expect(fp.get_by_label("Your message")).to_have_value("")
    screenshot(fp, "21-freelancer-replied")
    freelancer.watch.assert_clean("freelancer reads and replies")

    cp.reload()
    reply = cp.locator("#message-list article.wh-msg").filter(has_text=ANSWER)
    expect(reply).to_contain_text(FREELANCER.name)
    screenshot(cp, "22-client-reads-reply")
    client.watch.assert_clean("client reads the reply")


def hire_fund_approve(client: Visitor, freelancer: Visitor, proposal_id: int) -> int:
    """Card, offer, acceptance, escrow, submission, approval; returns the contract's id."""
    cp, fp = client.page, freelancer.page
    client_asked = accept_dialogs(cp)
    freelancer_asked = accept_dialogs(fp)

    # spec: trust.md — a verified payment method, checked with the (test) provider.
    cp.goto("/settings/profile")
    payment = cp.get_by_role("region", name="Payment method")
    payment.get_by_label("Card number").fill("4242 4242 4242 4242")
    payment.get_by_label("Month").select_option("12")
    payment.get_by_label("Year").select_option(index=2)  # two years ahead: in the future
    payment.get_by_label("CVC").fill("123")
    payment.get_by_role("button", name="Verify card").click()
    expect(cp).to_have_url(re.compile("/settings/profile(#payment)?$"))
    expect(cp.locator("main")).to_contain_text("Payment method verified.")
    expect(payment).to_contain_text("Payment method verified — card ending in 4242")
    screenshot(cp, "23-client-card-verified")
    client.watch.assert_clean("client adds a card")

    cp.goto(f"/proposals/{proposal_id}")
    cp.get_by_role("link", name="Hire · Make an offer").click()
    expect(cp).to_have_url(re.compile(rf"/offers/new\?proposal={proposal_id}$"))
    expect(cp.get_by_role("heading", level=1)).to_have_text(f"Make an offer to {FREELANCER.name}")
    expect(cp.locator("main")).to_contain_text("(bid $450.00)")
    expect(cp.get_by_label("Fixed price, paid by milestone")).to_be_checked()
    cp.get_by_label("Contract title").fill(CONTRACT_TITLE)
    cp.get_by_label("Description of the work").fill(
        "The bookings dashboard as proposed: daily bookings, guides on duty, refunds."
    )
    cp.get_by_label("Milestone title").fill(MILESTONE_TITLE)
    cp.get_by_label("Amount (USD)").fill(MILESTONE_DOLLARS)
    cp.get_by_label("Due date").fill((date.today() + timedelta(days=30)).isoformat())
    expect(cp.locator("#milestones-total")).to_have_text(MILESTONE)
    screenshot(cp, "24-client-offer-form")
    cp.get_by_role("button", name="Send offer").click()

    expect(cp).to_have_url(re.compile(r"/offers/\d+$"))
    expect(cp.locator("main")).to_contain_text(f"Offer sent to {FREELANCER.name}.")
    expect(cp.get_by_role("heading", level=1)).to_have_text(CONTRACT_TITLE)
    expect(cp.locator("main .badge").first).to_have_text("Pending")
    expect(cp.locator("main")).to_contain_text(f"Fixed price · {MILESTONE}")
    expect(cp.get_by_role("row").filter(has_text=MILESTONE_TITLE)).to_contain_text(MILESTONE)
    screenshot(cp, "25-client-offer-sent")
    client.watch.assert_clean("client sends an offer")

    fp.get_by_role("navigation", name="Main").get_by_role("link", name="Offers").click()
    offer = fp.locator("main .card").filter(has_text=CONTRACT_TITLE)
    expect(offer).to_have_count(1)
    expect(offer).to_contain_text(f"From {CLIENT.name} · {JOB_TITLE}")
    expect(offer).to_contain_text(f"Fixed price · {MILESTONE} · 1 milestone")
    expect(offer.locator(".badge")).to_have_text("Pending")
    screenshot(fp, "26-freelancer-offers")
    offer.get_by_role("button", name="Accept", exact=True).click()
    expect(fp).to_have_url(re.compile(r"/contracts/\d+$"))
    assert freelancer_asked[-1] == "Accept this offer and start the contract?"
    contract_id = int(fp.url.rsplit("/", 1)[1])
    expect(fp.locator("main")).to_contain_text("Offer accepted — your contract has started.")
    expect(fp.get_by_role("heading", level=1)).to_have_text(CONTRACT_TITLE)
    milestone = fp.locator("article[aria-labelledby^='m-']").filter(has_text=MILESTONE_TITLE)
    expect(milestone.locator(".badge")).to_have_text("Not funded")
    screenshot(fp, "27-freelancer-contract-started")
    freelancer.watch.assert_clean("freelancer accepts the offer")

    # spec: marketplace.md §6.2 — the client pays the milestone plus a 3% processing fee.
    cp.goto(f"/contracts/{contract_id}")
    milestone = cp.locator("article[aria-labelledby^='m-']").filter(has_text=MILESTONE_TITLE)
    expect(milestone.locator(".badge")).to_have_text("Not funded")
    expect(milestone).to_contain_text(
        f"Charges {CHARGE} to the card ending 4242: {MILESTONE} + {CLIENT_FEE} (3% processing fee)."
    )
    screenshot(cp, "28-client-contract-to-fund")
    milestone.get_by_role("button", name=f"Fund {MILESTONE}").click()
    expect(cp.locator("main")).to_contain_text(f"Milestone funded: {MILESTONE} in escrow.")
    assert client_asked[-1] == (
        f"Charge {CHARGE} ({MILESTONE} + {CLIENT_FEE} fee) to your card ending 4242?"
    )
    expect(milestone.locator(".badge")).to_have_text("Funded")
    escrow = cp.get_by_role("region", name="Escrow")
    expect(term(escrow, "In escrow now")).to_have_text(MILESTONE)
    expect(term(escrow, "Funded so far")).to_have_text(MILESTONE)
    screenshot(cp, "29-client-funded")
    client.watch.assert_clean("client funds the milestone")

    fp.reload()
    milestone = fp.locator("article[aria-labelledby^='m-']").filter(has_text=MILESTONE_TITLE)
    expect(milestone.locator(".badge")).to_have_text("Funded")
    milestone.locator("summary").filter(has_text="Submit work").click()
    milestone.get_by_label("Message to the client").fill(SUBMISSION)
    milestone.get_by_label("Link to the work (optional)").fill("https://example.com/dashboard")
    milestone.get_by_role("button", name="Submit", exact=True).click()
    expect(fp.locator("main")).to_contain_text("Work submitted. The client has been notified.")
    expect(milestone.locator(".badge")).to_have_text("Submitted")
    expect(milestone).to_contain_text(SUBMISSION)
    expect(milestone).to_contain_text("Approved automatically on")
    screenshot(fp, "30-freelancer-submitted")
    freelancer.watch.assert_clean("freelancer submits the work")

    cp.reload()
    milestone = cp.locator("article[aria-labelledby^='m-']").filter(has_text=MILESTONE_TITLE)
    expect(milestone.locator(".badge")).to_have_text("Submitted")
    expect(milestone).to_contain_text(SUBMISSION)
    expect(milestone).to_contain_text("Approve it or request changes before")
    milestone.get_by_role("button", name="Approve & release").click()
    expect(cp.locator("main")).to_contain_text(f"Approved: {MILESTONE} released.")
    assert client_asked[-1] == f"Approve and release {MILESTONE} to {FREELANCER.name}?"
    expect(milestone.locator(".badge")).to_have_text("Approved")
    expect(term(escrow, "In escrow now")).to_have_text("$0.00")
    expect(term(escrow, "Released")).to_have_text(MILESTONE)
    screenshot(cp, "31-client-approved")

    cp.get_by_label(f"Reason (optional, shown to {FREELANCER.name})").fill("Delivered, thank you.")
    cp.get_by_role("button", name="End contract").click()
    expect(cp.locator("main")).to_contain_text("The contract has ended.")
    assert client_asked[-1] == "End this contract? This cannot be undone."
    expect(cp.locator("main .alert-secondary")).to_contain_text(
        f"by {CLIENT.name}. Reason: Delivered, thank you."
    )
    expect(cp.get_by_role("button", name="End contract")).to_have_count(0)
    screenshot(cp, "32-client-contract-ended")
    client.watch.assert_clean("client approves and ends the contract")
    return contract_id


def rate(page: Page, criteria: tuple[str, ...], likelihood: int, comment: str) -> None:
    """Five stars on every criterion, the private 0–10 answer and a public comment."""
    for name in criteria:
        page.locator(f"label[for='score_{name}_5']").click()
    page.locator(f"label[for='likelihood_{likelihood}']").click()
    page.get_by_label("Comment").fill(comment)


def leave_feedback_both_ways(client: Visitor, freelancer: Visitor, contract_id: int) -> None:
    """Double-blind feedback, revealed once both have submitted (marketplace.md §7); then the
    freelancer's earnings and public profile."""
    cp, fp = client.page, freelancer.page
    cp.get_by_role("link", name="Feedback", exact=True).click()
    expect(cp).to_have_url(re.compile(f"/contracts/{contract_id}/feedback$"))
    expect(cp.get_by_role("heading", level=1)).to_have_text(f"Feedback with {FREELANCER.name}")
    rate(cp, CLIENT_CRITERIA, 9, CLIENT_REVIEW)
    cp.get_by_label("Reason for ending the contract").select_option("completed")
    screenshot(cp, "33-client-feedback-form")
    cp.get_by_role("button", name="Submit feedback").click()
    expect(cp.locator("main")).to_contain_text(
        "Feedback saved. It stays hidden until you both submit or the window ends."
    )
    expect(cp.locator("main")).to_contain_text(f"{FREELANCER.name}: not submitted yet")
    client.watch.assert_clean("client leaves feedback")

    fp.goto(f"/contracts/{contract_id}")
    expect(fp.locator("main .alert-secondary")).to_contain_text(f"by {CLIENT.name}.")
    fp.get_by_role("link", name="Feedback", exact=True).click()
    # The client's feedback stays hidden until the freelancer submits theirs.
    expect(fp.locator("main")).not_to_contain_text(CLIENT_REVIEW)
    expect(fp.locator("main")).to_contain_text(f"{CLIENT.name}: submitted")
    rate(fp, FREELANCER_CRITERIA, 10, FREELANCER_REVIEW)
    screenshot(fp, "34-freelancer-feedback-form")
    fp.get_by_role("button", name="Submit feedback").click()
    expect(fp.locator("main")).to_contain_text(
        "Feedback submitted. You can both see each other's feedback now."
    )
    theirs = fp.get_by_role("region", name=f"{CLIENT.name}'s feedback on you")
    expect(theirs).to_contain_text(CLIENT_REVIEW)
    expect(theirs).to_contain_text("Revealed")
    expect(theirs).to_contain_text("5.00")
    screenshot(fp, "35-freelancer-feedback-revealed")
    freelancer.watch.assert_clean("freelancer leaves feedback and reads the client's")

    cp.reload()
    theirs = cp.get_by_role("region", name=f"{FREELANCER.name}'s feedback on you")
    expect(theirs).to_contain_text(FREELANCER_REVIEW)
    expect(theirs).to_contain_text("Revealed")
    screenshot(cp, "36-client-feedback-revealed")
    client.watch.assert_clean("client reads the freelancer's feedback")

    # spec: marketplace.md §6.2–6.3 — 10% service fee; fixed-price pay pending for 5 days.
    fp.goto("/earnings")
    expect(fp.locator("#pending-balance")).to_have_text(NET)
    expect(fp.locator("#available-balance")).to_have_text("$0.00")
    pending = (
        fp.get_by_role("region", name="Pending")
        .get_by_role("row")
        .filter(has_text=f"Contract #{contract_id}")
    )
    expect(pending).to_have_count(1)
    expect(pending.get_by_role("cell").nth(2)).to_have_text(NET)
    available_on = pending.get_by_role("cell").nth(3).inner_text()
    expected = {(datetime.now(UTC) + timedelta(days=days)).strftime("%b %d, %Y") for days in (4, 5)}
    assert any(available_on.startswith(day) for day in expected), available_on
    received = (
        fp.get_by_role("region", name="Payments received")
        .get_by_role("row")
        .filter(has_text=f"Contract #{contract_id}")
    )
    expect(received.get_by_role("cell").nth(2)).to_have_text(MILESTONE)
    expect(received.get_by_role("cell").nth(3)).to_have_text(f"−{SERVICE_FEE}")
    expect(received.get_by_role("cell").nth(4)).to_have_text(NET)
    expect(received.get_by_role("cell").nth(5)).to_have_text("Pending")
    expect(received).to_contain_text(CONTRACT_TITLE)  # rows say what the money was for
    screenshot(fp, "37-freelancer-earnings")

    fp.get_by_role("button", name=re.compile(FREELANCER.name)).click()
    fp.get_by_role("link", name="My profile").click()
    expect(fp).to_have_url(re.compile(r"/u/[\w-]+$"))
    reviews = fp.get_by_role("region", name="Reviews")
    expect(reviews).to_contain_text("1 review")
    review = reviews.locator("article").filter(has_text=CONTRACT_TITLE)
    expect(review).to_contain_text(f"“{CLIENT_REVIEW}”")
    expect(review).to_contain_text("5.00")
    screenshot(fp, "38-freelancer-public-profile")
    freelancer.watch.assert_clean("freelancer's earnings and profile")

    # quality.md §3: "… both leave feedback, the freelancer sees My Stats"
    fp.get_by_role("link", name="My Stats").click()
    expect(fp).to_have_url(re.compile(r"/stats$"))
    expect(fp.get_by_role("heading", name="My Stats", level=1)).to_be_visible()
    earnings = fp.get_by_role("region", name="Earnings")
    expect(earnings).to_contain_text(MILESTONE)
    expect(fp.get_by_role("region", name="Feedback received")).to_contain_text("1")
    expect(fp.get_by_role("region", name="Proposals, last 90 days")).to_be_visible()
    expect(fp.locator("#chart-earnings")).to_be_visible()
    screenshot(fp, "39-freelancer-my-stats")
    freelancer.watch.assert_clean("freelancer's My Stats")
