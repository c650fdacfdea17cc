"""Smaller browser checks (quality.md §3): the site at a phone's width, the keyboard, and the
watch that every browser test relies on to see console errors and CSP violations."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.support import (
    CHROMIUM,
    PHONE_WIDTH,
    SKIP_REASON,
    LiveServer,
    OpenVisitor,
    no_horizontal_scroll,
)
from tests.browser.support import screenshot as save_screenshot

if CHROMIUM is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright")

from playwright.sync_api import Page, expect

from workhall.app import CSP

pytestmark = pytest.mark.browser


def assert_fits(page: Page, what: str) -> None:
    sizes = no_horizontal_scroll(page)
    assert sizes["scroll"] <= sizes["width"], f"{what} scrolls sideways at a phone's width: {sizes}"


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_phone_width_has_the_nav_toggle_and_no_sideways_scrolling(
    visitor: OpenVisitor, seeded: dict[str, Any]
) -> None:
    person = visitor(viewport=PHONE_WIDTH)
    page = person.page
    job_url = f"/jobs/{seeded['job_id']}"
    for path in ("/", "/login", "/signup", "/jobs", job_url):
        page.goto(path)
        assert_fits(page, path)

    # The menu folds behind the toggle and opens with it.
    nav = page.get_by_role("navigation", name="Main")
    toggle = nav.get_by_role("button", name="Toggle navigation")
    find_work = nav.get_by_role("link", name="Find work")
    expect(toggle).to_be_visible()
    expect(find_work).to_be_hidden()
    toggle.click()
    expect(find_work).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    save_screenshot(page, "phone-menu-open")

    # The job search works at this width and its results fit too.
    page.goto("/jobs")
    expect(page.get_by_label("Search")).to_be_visible()
    page.get_by_label("Search").fill("museum")
    page.get_by_label("Search").press("Enter")
    expect(page.locator("#results")).to_contain_text("1 job found for “museum”")
    expect(page.locator("#results").get_by_role("link", name=seeded["job_title"])).to_be_visible()
    # The filters fold behind a button, so the first result shows without scrolling.
    expect(page.get_by_label("Sort by")).to_be_hidden()
    expect(page.locator("#results article").first).to_be_in_viewport()
    assert_fits(page, "/jobs?q=museum")
    save_screenshot(page, "phone-job-search")
    page.get_by_role("button", name="Filters").click()
    expect(page.get_by_label("Sort by")).to_be_visible()
    assert_fits(page, "/jobs with the filters open")

    # A freelancer's own pages, signed in.
    sign_in(page, seeded["freelancer_email"], seeded["password"])
    for path in (
        job_url,
        f"{job_url}/apply",
        "/proposals",
        "/connects",
        "/settings/profile",
        "/settings/phone",
        "/settings/account",
    ):
        page.goto(path)
        expect(page.locator("main h1").first).to_be_visible()
        assert_fits(page, path)
    save_screenshot(page, "phone-account-settings")
    person.watch.assert_clean("pages at a phone's width")


def test_sign_in_with_the_keyboard_only(visitor: OpenVisitor, seeded: dict[str, Any]) -> None:
    person = visitor()
    page = person.page
    page.goto("/jobs")
    # The first Tab reaches the skip link, which is visible once focused.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()

    page.goto("/login")
    expect(page.get_by_label("Email")).to_be_focused()  # autofocus: no click needed
    page.keyboard.type(seeded["freelancer_email"])
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(seeded["password"])
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("button", name=seeded["freelancer_name"])).to_be_visible()
    expect(menu.get_by_role("link", name="My proposals")).to_be_visible()
    person.watch.assert_clean("keyboard sign-in")


def test_the_watch_reports_csp_violations_and_script_errors(
    visitor: OpenVisitor, live_server: LiveServer
) -> None:
    """The other tests trust ``PageWatch``: a page breaking the site's own policy must show."""
    person = visitor()
    page = person.page
    page.route(
        "**/__csp_probe",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": CSP},
            body="<!doctype html><title>probe</title><script>document.title = 'ran'</script>",
        ),
    )
    with page.expect_console_message(lambda m: m.type == "error"):
        page.goto(f"{live_server.url}/__csp_probe")
    expect(page).to_have_title("probe")  # the inline script was refused
    with page.expect_event("pageerror"):
        page.evaluate("() => setTimeout(() => { throw new Error('boom'); })")
    joined = "\n".join(person.watch.errors)
    assert "Content Security Policy" in joined or "CSP violation" in joined, joined
    assert "boom" in joined, joined
