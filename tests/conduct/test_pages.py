"""Conduct pages (trust.md §1.3): the staff queue and case page for trust & safety only, the
account standing page for everyone (a client sees its own case, never another's)."""

from __future__ import annotations

from sqlalchemy import select

from tests.conduct.conftest import (
    DAY,
    T,
    agent,
    contacted_case,
    ended,
    new_case,
    restricted_case,
)
from tests.factories import make_client, make_freelancer, make_job, sign_in_browser
from workhall.accounts.models import AccountHold
from workhall.conduct.models import ConductCaseEvent
from workhall.core import clock
from workhall.jobs import service as jobs


def test_staff_queue_and_case_page(db, settings, client):
    owner = make_client(db, settings, name="Harriet Harsh")
    ended(db, settings, owner, at=T - 10 * DAY, given=2, work_again=1)
    case = new_case(db, owner)
    jobs.report_job(
        db,
        make_freelancer(db, settings),
        make_job(db, settings, owner).id,
        "REPORT-TEXT rude messages",
    )
    clock.set_now(T + 8 * DAY)
    csrf = sign_in_browser(client, db, settings, agent(db, settings))
    page = client.get("/staff/conduct")
    assert page.status_code == 200
    assert "Harriet Harsh" in page.text and "Overdue" in page.text
    assert client.get("/staff/conduct?status=resolved").text.count("Harriet Harsh") == 0
    assert "Harriet Harsh" in client.get("/staff/conduct?overdue=true&signal=disputes").text
    assert "Harriet Harsh" not in client.get("/staff/conduct?signal=harsh").text
    assert client.get("/staff/conduct?status=bogus").status_code == 422
    detail = client.get(f"/staff/conduct/{case.id}")
    assert detail.status_code == 200
    assert "REPORT-TEXT" in detail.text and "Contracts considered" in detail.text
    assert "Booking web app" in detail.text and 'for="contact-message"' in detail.text
    assert client.get(f"/staff/conduct/{case.id + 999}").status_code == 404
    r = client.post(
        f"/staff/conduct/{case.id}/contact",
        data={"csrf_token": csrf, "message": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303 and case.status == "open"
    r = client.post(
        f"/staff/conduct/{case.id}/contact",
        data={"csrf_token": csrf, "message": "Please rate fairly."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(case)
    assert case.status == "contacted"
    assert "Please rate fairly." in client.get(f"/staff/conduct/{case.id}").text


def test_staff_decides_an_appeal_on_the_page(db, settings, client):
    owner = make_client(db, settings)
    case = restricted_case(db, settings, owner)
    from workhall.conduct import service

    service.appeal(db, settings, owner, "APPEAL-TEXT I am sorry.")
    csrf = sign_in_browser(client, db, settings, agent(db, settings, "admin"))
    assert "APPEAL-TEXT" in client.get(f"/staff/conduct/{case.id}").text
    r = client.post(
        f"/staff/conduct/{case.id}/decide",
        data={"csrf_token": csrf, "decision": "reinstated", "note": "Accepted."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(case)
    assert case.status == "reinstated"


def test_staff_pages_are_refused_to_others(db, settings, client):
    case = new_case(db, make_client(db, settings))
    assert client.get("/staff/conduct", follow_redirects=False).status_code == 303  # sign in
    for who in (agent(db, settings, "support"), make_client(db, settings)):
        client.cookies.clear()
        csrf = sign_in_browser(client, db, settings, who)
        assert client.get("/staff/conduct").status_code == 403
        assert client.get(f"/staff/conduct/{case.id}").status_code == 403
        r = client.post(
            f"/staff/conduct/{case.id}/contact", data={"csrf_token": csrf, "message": "Hi"}
        )
        assert r.status_code == 403
    db.refresh(case)
    assert case.status == "open"


def test_standing_page_shows_own_case_acknowledge_and_appeal(db, settings, client):
    owner = make_client(db, settings)
    case = contacted_case(db, settings, owner)
    stranger = make_client(db, settings)
    contacted_case(db, settings, stranger)
    db.execute(
        ConductCaseEvent.__table__.update()
        .where(ConductCaseEvent.case_id != case.id)
        .values(note="OTHER-CLIENT-SECRET")
    )
    csrf = sign_in_browser(client, db, settings, owner)
    page = client.get("/account/standing")
    assert page.status_code == 200
    assert "Please be kind." in page.text and "I have read this message" in page.text
    assert "OTHER-CLIENT-SECRET" not in page.text
    assert "Flagged by the evaluation" not in page.text  # staff-only step
    # The client reads their own case: "you", not "the client".
    assert "Trust &amp; safety wrote to you" in page.text and "to the client" not in page.text
    r = client.post(
        "/account/standing/acknowledge", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    db.refresh(case)
    assert case.status == "monitoring"
    assert client.post("/account/standing/acknowledge", data={}).status_code == 403  # no CSRF


def test_standing_page_appeal_form(db, settings, client):
    owner = make_client(db, settings)
    case = restricted_case(db, settings, owner)
    csrf = sign_in_browser(client, db, settings, owner)
    page = client.get("/account/standing")
    assert "Restricted" in page.text and 'for="appeal-text"' in page.text
    client.post("/account/standing/appeal", data={"csrf_token": csrf, "text": "Sorry."})
    db.refresh(case)
    assert case.status == "appealed"
    page = client.get("/account/standing")
    assert "appeal was received" in page.text and 'for="appeal-text"' not in page.text
    assert "You appealed" in page.text and "The client appealed" not in page.text


def test_standing_page_for_a_freelancer_shows_status_and_holds(db, settings, client):
    freelancer = make_freelancer(db, settings)
    db.add(AccountHold(user_id=freelancer.id, starts_at=T - DAY, reason="HOLD-REASON review"))
    db.flush()
    sign_in_browser(client, db, settings, freelancer)
    page = client.get("/account/standing")
    assert page.status_code == 200
    assert "HOLD-REASON review" in page.text and "in force" in page.text
    assert "Conduct case" not in page.text
    assert db.scalars(select(ConductCaseEvent)).first() is None


def test_standing_page_needs_sign_in(client):
    assert client.get("/account/standing", follow_redirects=False).status_code == 303


def test_a_restricted_client_is_told_it_cannot_post_jobs_or_send_offers(db, settings, client):
    from tests.factories import api_headers

    owner = make_client(db, settings)
    restricted_case(db, settings, owner)
    freelancer = make_freelancer(db, settings)
    h = api_headers(db, settings, owner)
    offer = {
        "freelancer": freelancer.handle,
        "title": "Booking app",
        "kind": "fixed",
        "milestones": [{"title": "All", "amount_cents": 10_000}],
    }
    r = client.post("/api/v1/offers", headers=h, json=offer)
    assert r.status_code == 403 and "restricted" in r.json()["detail"]
    job = {
        "title": "Build a booking web app",
        "description": "We need a small booking web application with an admin and e-mails.",
        "category": "web-dev",
        "skills": ["python"],
        "budget_type": "fixed",
        "budget_cents": 10_000,
        "duration": "lt1m",
        "experience_level": "intermediate",
    }
    r = client.post("/api/v1/jobs", headers=h, json=job)
    assert r.status_code == 403 and "restricted" in r.json()["detail"], r.text
    sign_in_browser(client, db, settings, owner)
    page = client.get("/jobs/new")
    assert "Your account is restricted" in page.text and 'href="/account/standing"' in page.text
    page = client.get(f"/offers/new?freelancer={freelancer.handle}")
    assert "Your account is restricted" in page.text
