"""Jobs API contract (interfaces.md §1): status codes, bodies, who may do what."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import api_headers, make_client, make_freelancer, make_job, make_user
from tests.jobs.conftest import POSTING
from workhall.audit.models import AuditEvent
from workhall.jobs.models import Job, JobReport

JOB_FIELDS = {
    "id",
    "client_id",
    "title",
    "description",
    "category",
    "skills",
    "budget_type",
    "budget_cents",
    "hourly_min_cents",
    "hourly_max_cents",
    "duration",
    "experience_level",
    "visibility",
    "top_rated_invitations",
    "status",
    "connects_cost",
    "posted_at",
    "closed_at",
    "first_hire_at",
    "keep_hiring",
    "proposal_count",
    "accepts_proposals",
    "client_card",
}
CARD_FIELDS = {
    "payment_verified",
    "member_since",
    "country",
    "jobs_posted",
    "open_jobs",
    "hire_rate",
    "total_spent_cents",
    "hires",
    "feedback_average",
    "feedback_count",
}


def job_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Job))


def test_post_job_answers_201_with_the_job_and_its_price(client, db, settings):
    user = make_client(db, settings)
    r = client.post("/api/v1/jobs", json=POSTING, headers=api_headers(db, settings, user))
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == JOB_FIELDS
    assert body["status"] == "open" and body["visibility"] == "public"
    assert body["connects_cost"] == 8  # spec: marketplace.md §4.2 fixed $600 – $1,999.99 → 8
    assert body["skills"] == ["python", "django"] and body["client_id"] == user.id
    assert set(body["client_card"]) == CARD_FIELDS
    assert body["client_card"]["jobs_posted"] == 1
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "job.posted"))
    assert audit is not None and audit.subject_id == str(body["id"])


@pytest.mark.parametrize(
    ("change", "cost"),
    [
        ({"budget_cents": 4_999}, 2),
        ({"budget_cents": 5_000}, 4),
        ({"budget_cents": 500_000}, 16),
        (
            {
                "budget_type": "hourly",
                "budget_cents": None,
                "hourly_min_cents": 1_000,
                "hourly_max_cents": 3_000,
                "duration": "gt6m",
            },
            16,
        ),
        (
            {
                "budget_type": "hourly",
                "budget_cents": None,
                "hourly_min_cents": 1_000,
                "hourly_max_cents": 1_000,
                "duration": "lt1m",
            },
            4,
        ),
    ],
)
def test_connects_price_is_fixed_at_posting(client, db, settings, change, cost):
    body = {k: v for k, v in {**POSTING, **change}.items() if v is not None}
    r = client.post(
        "/api/v1/jobs", json=body, headers=api_headers(db, settings, make_client(db, settings))
    )
    assert r.status_code == 201, r.text
    assert r.json()["connects_cost"] == cost


BAD_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("title too short", {"title": "Tiny"}),
    ("title too long", {"title": "x" * 121}),
    ("title not a string", {"title": 12345}),
    ("title with NUL", {"title": "Bad \u0000 title here"}),
    ("title lone surrogate", {"title": "Bad \ud800 title here"}),
    ("description too short", {"description": "short"}),
    ("description too long", {"description": "x" * 10_001}),
    ("no skills", {"skills": []}),
    (
        "eleven skills",
        {
            "skills": [
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
                "html",
            ]
        },
    ),
    ("unknown skill", {"skills": ["underwater basket weaving"]}),
    ("skills not a list", {"skills": "python"}),
    ("unknown category", {"category": "cooking"}),
    ("bad budget type", {"budget_type": "barter"}),
    ("fixed without budget", {"budget_cents": None}),
    ("budget too small", {"budget_cents": 499}),
    ("budget too big", {"budget_cents": 100_000_001}),
    ("budget huge", {"budget_cents": 10**30}),
    ("budget negative", {"budget_cents": -1}),
    ("budget a float", {"budget_cents": 1000.5}),
    ("budget a string", {"budget_cents": "1000"}),
    ("budget a bool", {"budget_cents": True}),
    ("hourly range on fixed", {"hourly_min_cents": 1_000, "hourly_max_cents": 2_000}),
    ("hourly without range", {"budget_type": "hourly", "budget_cents": None}),
    (
        "hourly min > max",
        {
            "budget_type": "hourly",
            "budget_cents": None,
            "hourly_min_cents": 5_000,
            "hourly_max_cents": 4_000,
        },
    ),
    (
        "hourly rate too low",
        {
            "budget_type": "hourly",
            "budget_cents": None,
            "hourly_min_cents": 99,
            "hourly_max_cents": 4_000,
        },
    ),
    (
        "hourly rate too high",
        {
            "budget_type": "hourly",
            "budget_cents": None,
            "hourly_min_cents": 1_000,
            "hourly_max_cents": 100_001,
        },
    ),
    ("bad duration", {"duration": "forever"}),
    ("bad experience", {"experience_level": "guru"}),
    ("bad visibility", {"visibility": "secret"}),
    ("unknown field", {"status": "filled"}),
    ("missing title", {"title": None}),
]


@pytest.mark.parametrize(("case", "change"), BAD_BODIES, ids=[c for c, _ in BAD_BODIES])
def test_bad_postings_are_422_problems_and_store_nothing(client, db, settings, case, change):
    headers = api_headers(db, settings, make_client(db, settings))
    body = {k: v for k, v in {**POSTING, **change}.items() if v is not None}
    before = job_count(db)
    # json.dumps escapes non-ASCII, so even a lone surrogate travels as valid JSON text
    r = client.post(
        "/api/v1/jobs",
        content=json.dumps(body),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 422, (case, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 422 and problem["detail"]
    assert job_count(db) == before


def test_malformed_json_is_422(client, db, settings):
    headers = {
        **api_headers(db, settings, make_client(db, settings)),
        "Content-Type": "application/json",
    }
    r = client.post("/api/v1/jobs", content=b'{"title": ', headers=headers)
    assert r.status_code == 422


def test_posting_needs_a_client_with_verified_email_and_phone(client, db, settings):
    assert client.post("/api/v1/jobs", json=POSTING).status_code == 401
    freelancer = make_freelancer(db, settings)
    r = client.post("/api/v1/jobs", json=POSTING, headers=api_headers(db, settings, freelancer))
    assert r.status_code == 403
    # spec: marketplace.md §2 — "Posting requires a verified phone (trust.md §2) and an `active`
    # account."
    no_phone = make_client(db, settings)
    no_phone.phone_verified_at = None
    r = client.post("/api/v1/jobs", json=POSTING, headers=api_headers(db, settings, no_phone))
    assert r.status_code == 403 and r.json()["reason"] == "phone_unverified"
    unconfirmed = make_client(db, settings, verified=False)
    r = client.post("/api/v1/jobs", json=POSTING, headers=api_headers(db, settings, unconfirmed))
    assert r.status_code == 403 and r.json()["reason"] == "email_unverified"
    on_hold = make_client(db, settings, status="on_hold")
    r = client.post("/api/v1/jobs", json=POSTING, headers=api_headers(db, settings, on_hold))
    assert r.status_code == 403
    assert job_count(db) == 0


def test_verification_can_be_switched_off(client, db, settings):
    settings.require_phone_verification = False
    settings.require_email_verification = False
    user = make_client(db, settings, verified=False)
    r = client.post("/api/v1/jobs", json=POSTING, headers=api_headers(db, settings, user))
    assert r.status_code == 201


def test_get_job_with_client_card_for_anyone(client, db, settings):
    job = make_job(db, settings)
    r = client.get(f"/api/v1/jobs/{job.id}")
    assert r.status_code == 200
    assert r.json()["id"] == job.id and set(r.json()["client_card"]) == CARD_FIELDS
    for bad in ("999999", "0", "-1", "abc", str(2**64)):
        assert client.get(f"/api/v1/jobs/{bad}").status_code in (404, 422), bad
    assert client.get("/api/v1/jobs/999999").status_code == 404


def test_invite_only_jobs_are_hidden_from_others(client, db, settings):
    owner = make_client(db, settings)
    job = make_job(db, settings, owner, visibility="invite_only")
    assert client.get(f"/api/v1/jobs/{job.id}").status_code == 404
    other = make_freelancer(db, settings)
    assert (
        client.get(f"/api/v1/jobs/{job.id}", headers=api_headers(db, settings, other)).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/jobs/{job.id}", headers=api_headers(db, settings, owner)).status_code
        == 200
    )
    staff = make_user(db, settings, "staff", staff_roles="support")
    assert (
        client.get(f"/api/v1/jobs/{job.id}", headers=api_headers(db, settings, staff)).status_code
        == 200
    )
    # and cancelling it as another client says 404, not 403: its existence stays hidden
    stranger = make_client(db, settings)
    r = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=api_headers(db, settings, stranger))
    assert r.status_code == 404


def test_cancel_authorization_matrix(client, db, settings, closed_events):
    owner = make_client(db, settings)
    job = make_job(db, settings, owner)
    url = f"/api/v1/jobs/{job.id}/cancel"
    assert client.post(url).status_code == 401
    other_client = make_client(db, settings)
    assert client.post(url, headers=api_headers(db, settings, other_client)).status_code == 403
    freelancer = make_freelancer(db, settings)
    assert client.post(url, headers=api_headers(db, settings, freelancer)).status_code == 403
    admin = make_user(db, settings, "staff", staff_roles="admin")
    assert client.post(url, headers=api_headers(db, settings, admin)).status_code == 403
    assert closed_events == []
    r = client.post(url, headers=api_headers(db, settings, owner))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and r.json()["closed_at"]
    assert closed_events == [{"job_id": job.id, "status": "cancelled", "reason": "cancelled"}]
    # a closed job cannot be cancelled again
    r = client.post(url, headers=api_headers(db, settings, owner))
    assert r.status_code == 409
    assert len(closed_events) == 1


def test_cancel_replays_with_idempotency_key(client, db, settings, closed_events):
    owner = make_client(db, settings)
    job = make_job(db, settings, owner)
    headers = {**api_headers(db, settings, owner), "Idempotency-Key": "cancel-1"}
    first = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=headers)
    again = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json() == again.json()
    assert len(closed_events) == 1


def test_cancel_after_a_hire_is_409_and_close_fills_it(client, db, settings, closed_events):
    from workhall.jobs.service import record_hire

    owner = make_client(db, settings)
    job = make_job(db, settings, owner)
    headers = api_headers(db, settings, owner)
    # close before any hire: 409 (spec: `filled` "after at least one hire")
    assert client.post(f"/api/v1/jobs/{job.id}/close", headers=headers).status_code == 409
    r = client.post(
        f"/api/v1/jobs/{job.id}/keep-hiring", json={"keep_hiring": True}, headers=headers
    )
    assert r.status_code == 200 and r.json()["keep_hiring"] is True
    record_hire(db, settings, job.id)
    db.flush()
    r = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=headers)
    assert r.status_code == 409
    r = client.post(f"/api/v1/jobs/{job.id}/close", headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "filled"
    assert closed_events == [{"job_id": job.id, "status": "filled", "reason": "filled"}]


def test_remove_is_for_trust_and_safety_with_a_reason(client, db, settings, closed_events):
    job = make_job(db, settings)
    url = f"/api/v1/jobs/{job.id}/remove"
    body = {"reason": "Asks freelancers to pay a deposit."}
    assert client.post(url, json=body).status_code == 401
    support = make_user(db, settings, "staff", staff_roles="support")
    assert (
        client.post(url, json=body, headers=api_headers(db, settings, support)).status_code == 403
    )
    owner_headers = api_headers(db, settings, db.get(type(support), job.client_id))
    assert client.post(url, json=body, headers=owner_headers).status_code == 403
    agent = make_user(db, settings, "staff", staff_roles="trust_safety")
    headers = api_headers(db, settings, agent)
    assert client.post(url, json={"reason": ""}, headers=headers).status_code == 422
    assert client.post(url, json={}, headers=headers).status_code == 422
    r = client.post(url, json=body, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "removed"
    assert closed_events == [{"job_id": job.id, "status": "removed", "reason": "removed"}]
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "job.removed"))
    assert audit is not None and audit.actor_id == agent.id
    assert audit.data["note"] == body["reason"]
    # a removed job is gone for everyone but its client and staff
    assert client.get(f"/api/v1/jobs/{job.id}").status_code == 404
    assert client.get(f"/api/v1/jobs/{job.id}", headers=owner_headers).status_code == 200


def test_report_a_job_once(client, db, settings):
    job = make_job(db, settings)
    url = f"/api/v1/jobs/{job.id}/reports"
    body = {"reason": "This looks like a scam: asks for payment up front."}
    assert client.post(url, json=body).status_code == 401
    reporter = make_freelancer(db, settings)
    headers = api_headers(db, settings, reporter)
    assert client.post(url, json={"reason": "bad"}, headers=headers).status_code == 422
    assert client.post(url, json={"reason": "x" * 1001}, headers=headers).status_code == 422
    assert client.post(url, json={**body, "extra": 1}, headers=headers).status_code == 422
    r = client.post(url, json=body, headers=headers)
    assert r.status_code == 201 and r.json()["job_id"] == job.id
    assert client.post(url, json=body, headers=headers).status_code == 409
    assert db.scalar(select(func.count()).select_from(JobReport)) == 1
    owner_headers = api_headers(db, settings, db.get(type(reporter), job.client_id))
    assert client.post(url, json=body, headers=owner_headers).status_code == 422
    assert client.post("/api/v1/jobs/999999/reports", json=body, headers=headers).status_code == 404


def test_my_jobs_lists_only_mine(client, db, settings):
    owner = make_client(db, settings)
    mine = [make_job(db, settings, owner).id for _ in range(2)]
    make_job(db, settings)
    r = client.get("/api/v1/jobs/mine", headers=api_headers(db, settings, owner))
    assert r.status_code == 200 and sorted(j["id"] for j in r.json()) == sorted(mine)
    freelancer = make_freelancer(db, settings)
    assert (
        client.get("/api/v1/jobs/mine", headers=api_headers(db, settings, freelancer)).status_code
        == 403
    )
    assert client.get("/api/v1/jobs/mine").status_code == 401


def test_best_matches_is_for_freelancers(client, db, settings):
    assert client.get("/api/v1/jobs/best-matches").status_code == 401
    owner = make_client(db, settings)
    assert (
        client.get(
            "/api/v1/jobs/best-matches", headers=api_headers(db, settings, owner)
        ).status_code
        == 403
    )
