"""Job pages (quality.md §3): they render the key facts, forms carry the CSRF token, and the
post-a-job form works like a browser uses it."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer, make_job, make_user
from tests.jobs.conftest import sign_in
from workhall.core.web import CSRF_COOKIE
from workhall.jobs.models import Job

FORM = {
    "title": "Design a logo for our bakery",
    "description": "We are a small bakery and need a logo, colours and a simple style guide.",
    "category": "design",
    "skills": ["logo-design", "brand-identity"],
    "budget_type": "fixed",
    "budget": "450",
    "duration": "lt1m",
    "experience_level": "intermediate",
    "visibility": "public",
}


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form has no CSRF token"
    return match.group(1)


def jobs_stored(db) -> int:
    return db.scalar(select(func.count()).select_from(Job))


def test_post_a_job_through_the_browser(client, db, settings):
    user = make_client(db, settings)
    sign_in(client, db, settings, user)
    page = client.get("/jobs/new")
    assert page.status_code == 200
    assert '<label class="form-label" for="title">' in page.text
    r = client.post(
        "/jobs/new", data={**FORM, "csrf_token": form_token(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    job = db.scalar(select(Job).where(Job.client_id == user.id))
    assert job is not None and r.headers["location"] == f"/jobs/{job.id}"
    assert job.skill_slugs == ["logo-design", "brand-identity"]
    assert job.budget_cents == 45_000 and job.connects_cost == 4  # spec §4.2: $50 – $599.99
    shown = client.get(r.headers["location"])
    assert "Your job is posted" in shown.text and FORM["title"] in shown.text


def test_an_hourly_job_through_the_browser(client, db, settings):
    user = make_client(db, settings)
    token = sign_in(client, db, settings, user)
    data = {
        **FORM,
        "budget_type": "hourly",
        "budget": "",
        "hourly_min": "25",
        "hourly_max": "40.50",
        "duration": "3to6m",
        "csrf_token": token,
    }
    r = client.post("/jobs/new", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    job = db.scalar(select(Job).where(Job.client_id == user.id))
    assert (job.hourly_min_cents, job.hourly_max_cents, job.connects_cost) == (2_500, 4_050, 12)


def test_bad_form_values_re_render_with_values_kept(client, db, settings):
    user = make_client(db, settings)
    token = sign_in(client, db, settings, user)
    cases = [
        ({"title": "Tiny"}, "at least 5"),
        ({"budget": "twelve"}, "Enter an amount in dollars"),
        ({"budget": "2"}, "between $5.00"),
        ({"skills": []}, "Choose between 1 and 10 skills"),
        ({"category": ""}, "Choose a category"),
        ({"budget_type": "hourly", "hourly_min": "50", "hourly_max": "20"}, "at least the minimum"),
        ({"description": "<script>alert(1)</script>"}, "at least 30"),
    ]
    for change, message in cases:
        r = client.post("/jobs/new", data={**FORM, **change, "csrf_token": token})
        assert r.status_code == 400, change
        assert message in r.text, (change, message)
        assert "<script>alert(1)</script>" not in r.text  # user text is escaped
        assert 'value="logo-design" selected' in r.text or change.get("skills") == []
    assert FORM["title"] in r.text  # values are kept
    assert jobs_stored(db) == 0


def test_the_form_needs_the_csrf_token(client, db, settings):
    user = make_client(db, settings)
    sign_in(client, db, settings, user)
    assert client.post("/jobs/new", data=FORM).status_code == 403
    assert client.post("/jobs/new", data={**FORM, "csrf_token": "forged"}).status_code == 403
    assert jobs_stored(db) == 0


def test_the_gate_explains_how_to_verify(client, db, settings):
    user = make_client(db, settings)
    user.phone_verified_at = None
    token = sign_in(client, db, settings, user)
    page = client.get("/jobs/new")
    assert "Verify your phone number before you post a job." in page.text
    assert 'href="/settings/phone?next=/jobs/new"' in page.text
    r = client.post("/jobs/new", data={**FORM, "csrf_token": token})
    assert r.status_code == 400 and 'href="/settings/phone?next=/jobs/new"' in r.text
    user.phone_verified_at = user.email_verified_at
    user.email_verified_at = None
    assert 'href="/settings/account"' in client.get("/jobs/new").text
    assert jobs_stored(db) == 0


def test_post_a_job_is_for_signed_in_clients(client, db, settings):
    r = client.get("/jobs/new", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    sign_in(client, db, settings, make_freelancer(db, settings))
    assert client.get("/jobs/new").status_code == 403


def test_search_page_and_its_htmx_partial(client, db, settings):
    job = make_job(db, settings, title="Migrate our shop to Shopify", skills=("shopify",))
    make_job(
        db,
        settings,
        title="Write product descriptions",
        category="writing",
        skills=("copywriting",),
    )
    page = client.get("/jobs", params={"q": "shopify"})
    assert page.status_code == 200
    assert 'id="filters"' in page.text and 'hx-get="/jobs"' in page.text
    assert f'href="/jobs/{job.id}"' in page.text and "Write product descriptions" not in page.text
    assert "1</strong>" in page.text and "Fixed price · $100.00" in page.text
    for label in (
        'for="q"',
        'for="category"',
        'for="skills"',
        'for="budget_min"',
        'for="experience_level"',
        'for="posted_within"',
        'for="payment_verified"',
    ):
        assert label in page.text
    partial = client.get("/jobs", params={"q": "shopify"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text
    assert f'href="/jobs/{job.id}"' in partial.text
    assert partial.headers["vary"] == "HX-Request"
    filtered = client.get("/jobs", params={"category": "writing", "skills": "copywriting"})
    assert "Write product descriptions" in filtered.text and job.title not in filtered.text
    assert '<option value="copywriting" selected>' in filtered.text  # the filter stays chosen


def test_search_page_drops_bad_filters_with_a_note(client, db, settings):
    make_job(db, settings)
    r = client.get(
        "/jobs",
        params={
            "budget_type": "barter",
            "budget_min": "lots",
            "page": "x",
            "skills": "basket-weaving",
            "posted_within": "1y",
        },
    )
    assert r.status_code == 200
    assert "Ignored an unknown budget type" in r.text and "Ignored the budget" in r.text
    r = client.get("/jobs", params={"page": "999"})
    assert r.status_code == 200 and "narrow the search" in r.text


def test_search_page_paginates(client, db, settings):
    settings.search_page_size = 2
    for _ in range(5):
        make_job(db, settings)
    page = client.get("/jobs", params={"sort": "newest"})
    assert 'aria-label="Result pages"' in page.text
    assert "/jobs?sort=newest&amp;page=2" in page.text
    assert client.get("/jobs", params={"page": "3"}).status_code == 200


def test_job_page_for_anonymous_visitors(client, db, settings):
    job = make_job(db, settings, description="Line one of the brief.\nLine two: <b>bold?</b>")
    page = client.get(f"/jobs/{job.id}")
    assert page.status_code == 200
    for fact in (
        job.title,
        "Line two: &lt;b&gt;bold?&lt;/b&gt;",
        "Python",
        "Django",
        "Fixed price · $100.00",
        "Less than a month",
        "Intermediate",
        f"<strong>{job.connects_cost}</strong> Connects",
        "About the client",
        f"/login?next=/jobs/{job.id}",
    ):
        assert fact in page.text, fact
    assert "Report this job" not in page.text
    assert client.get("/jobs/999999").status_code == 404
    assert client.get("/jobs/not-a-number").status_code in (400, 404, 422)


def test_job_page_for_a_freelancer_shows_balance_and_apply(client, db, settings):
    job = make_job(db, settings)
    sign_in(client, db, settings, make_freelancer(db, settings))
    page = client.get(f"/jobs/{job.id}")
    assert "You have <strong>10</strong> Connects" in page.text  # the sign-up grant (§4.1)
    assert f'href="/jobs/{job.id}/apply"' in page.text and "Submit a proposal" in page.text
    assert "Report this job" in page.text
    assert f"/client/jobs/{job.id}/proposals" not in page.text


def test_full_jobs_take_no_proposals(client, db, settings):
    job = make_job(db, settings, proposal_count=settings.job_max_proposals)
    sign_in(client, db, settings, make_freelancer(db, settings))
    page = client.get(f"/jobs/{job.id}")
    assert "This job is not taking proposals." in page.text
    assert f'href="/jobs/{job.id}/apply"' not in page.text


def test_the_owner_manages_the_job(client, db, settings, closed_events):
    owner = make_client(db, settings)
    job = make_job(db, settings, owner)
    token = sign_in(client, db, settings, owner)
    page = client.get(f"/jobs/{job.id}")
    assert f'href="/client/jobs/{job.id}/proposals"' in page.text
    assert f'action="/jobs/{job.id}/cancel"' in page.text
    assert "Report this job" not in page.text
    r = client.post(
        f"/jobs/{job.id}/keep-hiring",
        data={"keep": "1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and job.keep_hiring is True
    r = client.post(f"/jobs/{job.id}/close", data={"csrf_token": token})
    assert r.status_code == 400 and "at least one hire" in r.text
    assert client.post(f"/jobs/{job.id}/cancel", data={}).status_code == 403  # no token
    r = client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Job, job.id).status == "cancelled"
    assert [e["reason"] for e in closed_events] == ["cancelled"]
    listing = client.get("/client/jobs")
    assert listing.status_code == 200
    assert job.title in listing.text and "Cancelled" in listing.text
    assert f'href="/client/jobs/{job.id}/proposals"' in listing.text


def test_other_users_cannot_manage_the_job(client, db, settings):
    job = make_job(db, settings)
    token = sign_in(client, db, settings, make_client(db, settings))
    assert client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token}).status_code == 403
    token = sign_in(client, db, settings, make_freelancer(db, settings))
    assert client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token}).status_code == 403
    assert (
        client.post(
            f"/jobs/{job.id}/remove", data={"csrf_token": token, "reason": "Not allowed to"}
        ).status_code
        == 403
    )
    client.cookies.clear()
    r = client.post(f"/jobs/{job.id}/cancel", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code in (303, 403)
    db.expire_all()
    assert db.get(Job, job.id).status == "open"


def test_report_and_remove_from_the_page(client, db, settings):
    job = make_job(db, settings)
    token = sign_in(client, db, settings, make_freelancer(db, settings))
    r = client.post(f"/jobs/{job.id}/report", data={"csrf_token": token, "reason": "bad"})
    assert r.status_code == 400 and "at least 5" in r.text
    r = client.post(
        f"/jobs/{job.id}/report",
        data={"csrf_token": token, "reason": "Asks for a paid test task."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/jobs/{job.id}/report", data={"csrf_token": token, "reason": "Asks for a paid test task."}
    )
    assert r.status_code == 400 and "already reported" in r.text

    agent = make_user(db, settings, "staff", staff_roles="trust_safety")
    token = sign_in(client, db, settings, agent)
    page = client.get(f"/jobs/{job.id}")
    assert f'action="/jobs/{job.id}/remove"' in page.text
    assert "Asks for a paid test task." in page.text  # the reports, for moderators
    r = client.post(f"/jobs/{job.id}/remove", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 400 and "at least 5" in r.text
    r = client.post(
        f"/jobs/{job.id}/remove",
        data={"csrf_token": token, "reason": "Paid test tasks are not allowed."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.expire_all()
    assert db.get(Job, job.id).status == "removed"
    client.cookies.clear()
    assert client.get(f"/jobs/{job.id}").status_code == 404


def test_best_matches_page(client, db, settings):
    job = make_job(db, settings, title="Tune our Django queries")
    sign_in(client, db, settings, make_freelancer(db, settings))
    page = client.get("/jobs/best-matches")
    assert page.status_code == 200
    assert job.title in page.text and "Add skills to your profile" in page.text
    sign_in(client, db, settings, make_client(db, settings))
    assert client.get("/jobs/best-matches").status_code == 403


def test_home_page_lists_newest_jobs_and_categories(client, db, settings):
    job = make_job(
        db,
        settings,
        title="Translate our app into Spanish",
        category="writing",
        skills=("translation",),
    )
    hidden = make_job(db, settings, title="A secret invite-only job", visibility="invite_only")
    page = client.get("/")
    assert page.status_code == 200
    assert job.title in page.text and hidden.title not in page.text
    assert 'href="/jobs?category=writing"' in page.text and "Writing &amp; Translation" in page.text


def test_anonymous_forms_get_a_csrf_cookie(client, db, settings):
    make_job(db, settings)
    page = client.get("/jobs")
    assert page.status_code == 200
    assert CSRF_COOKIE in page.cookies or client.cookies.get(CSRF_COOKIE)
