"""Dispute pages (marketplace.md §5): open a dispute, the dispute's page for both parties, the
staff queue and decision form; who may see them; forms that fail store nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.disputes.conftest import balances
from tests.factories import make_freelancer, sign_in_browser
from workhall.disputes.models import Dispute, DisputeMessage


def count(db, model) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_freelancer_opens_a_dispute(db, settings, client, case):
    csrf = sign_in_browser(client, db, settings, case.w.freelancer)
    page = client.get(f"/disputes/new?milestone={case.milestone.id}")
    assert page.status_code == 200
    assert "Open a dispute" in page.text and 'for="dispute-reason"' in page.text
    assert "$100.00" in page.text and 'name="csrf_token"' in page.text
    r = client.post(
        "/disputes/new",
        data={"csrf_token": csrf, "milestone": case.milestone.id, "reason": "All delivered."},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    d = db.scalar(select(Dispute))
    assert d is not None and r.headers["location"] == f"/disputes/{d.id}"
    page = client.get(f"/disputes/{d.id}")
    assert "All delivered." in page.text and "Awaiting the client" in page.text


def test_empty_reason_rerenders_and_stores_nothing(db, settings, client, case):
    csrf = sign_in_browser(client, db, settings, case.w.freelancer)
    r = client.post(
        "/disputes/new", data={"csrf_token": csrf, "milestone": case.milestone.id, "reason": " "}
    )
    assert r.status_code == 400 and "alert-danger" in r.text
    assert count(db, Dispute) == 0


def test_ineligible_subject_shows_why_without_a_form(db, settings, client, world):
    from tests.contracts.conftest import hire
    from workhall.contracts import service as contracts

    _, (m, *_) = hire(db, settings, world, 10_000)
    contracts.fund_milestone(db, settings, world.client, m.id)
    sign_in_browser(client, db, settings, world.freelancer)
    page = client.get(f"/disputes/new?milestone={m.id}")
    assert page.status_code == 200 and "request for changes stands" in page.text
    assert 'action="/disputes/new"' not in page.text


def test_missing_csrf_is_refused(db, settings, client, case):
    sign_in_browser(client, db, settings, case.w.freelancer)
    r = client.post("/disputes/new", data={"milestone": case.milestone.id, "reason": "x"})
    assert r.status_code == 403
    assert count(db, Dispute) == 0


def test_client_answers_with_the_due_time_shown(db, settings, client, case, disputed):
    csrf = sign_in_browser(client, db, settings, case.w.client)
    page = client.get(f"/disputes/{disputed.id}")
    assert "Nov 23, 2026 09:30" in page.text and 'for="dispute-answer"' in page.text
    r = client.post(
        f"/disputes/{disputed.id}/answer",
        data={"csrf_token": csrf, "answer": "Not what we agreed."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    db.refresh(disputed)
    assert disputed.status == "in_mediation"
    r = client.post(
        f"/disputes/{disputed.id}/messages",
        data={"csrf_token": csrf, "body": "Here is the brief."},
        follow_redirects=False,
    )
    assert r.status_code == 303 and count(db, DisputeMessage) == 1
    assert "Here is the brief." in client.get(f"/disputes/{disputed.id}").text


def test_freelancer_sees_no_answer_form(db, settings, client, case, disputed):
    sign_in_browser(client, db, settings, case.w.freelancer)
    page = client.get(f"/disputes/{disputed.id}")
    assert page.status_code == 200 and 'for="dispute-answer"' not in page.text


def test_outsiders_get_404_or_403(db, settings, client, case, disputed, support):
    assert client.get(f"/disputes/{disputed.id}", follow_redirects=False).status_code == 303
    assert client.get("/staff/disputes", follow_redirects=False).status_code == 303
    sign_in_browser(client, db, settings, make_freelancer(db, settings))
    assert client.get(f"/disputes/{disputed.id}").status_code == 404
    assert client.get(f"/disputes/new?milestone={case.milestone.id}").status_code == 404
    csrf = sign_in_browser(client, db, settings, support)
    assert client.get(f"/disputes/{disputed.id}").status_code == 404
    assert client.get("/staff/disputes").status_code == 403
    assert client.get(f"/staff/disputes/{disputed.id}").status_code == 403
    r = client.post(
        f"/staff/disputes/{disputed.id}/decide", data={"csrf_token": csrf, "outcome": "client_won"}
    )
    assert r.status_code == 403
    csrf = sign_in_browser(client, db, settings, case.w.client)
    assert client.get("/staff/disputes").status_code == 403
    assert client.get(f"/disputes/new?milestone={case.milestone.id}").status_code == 403
    db.refresh(disputed)
    assert disputed.status == "awaiting_client"


def test_agent_decides_a_split_on_the_page(db, settings, client, case, answered, agent):
    csrf = sign_in_browser(client, db, settings, agent)
    queue = client.get("/staff/disputes")
    assert queue.status_code == 200 and f"/staff/disputes/{answered.id}" in queue.text
    page = client.get(f"/staff/disputes/{answered.id}")
    assert page.status_code == 200 and 'for="freelancer-amount"' in page.text
    bad = {"csrf_token": csrf, "outcome": "split", "freelancer_amount": "60", "client_amount": "30"}
    r = client.post(f"/staff/disputes/{answered.id}/decide", data=bad)
    assert r.status_code == 400 and "add up" in r.text
    assert balances(db, case.w.client)["escrow"] == 10_000
    r = client.post(
        f"/staff/disputes/{answered.id}/decide",
        data={**bad, "freelancer_amount": "60.50", "client_amount": "39.50", "notes": "Fair."},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    db.refresh(answered)
    assert (answered.outcome, answered.freelancer_cents, answered.client_cents) == (
        "split",
        6_050,
        3_950,
    )
    assert "Fair." in client.get(f"/disputes/{answered.id}").text


def test_agent_bad_amount_text(db, settings, client, case, answered, agent):
    csrf = sign_in_browser(client, db, settings, agent)
    r = client.post(
        f"/staff/disputes/{answered.id}/decide",
        data={"csrf_token": csrf, "outcome": "split", "freelancer_amount": "lots"},
    )
    assert r.status_code == 400 and "dollars" in r.text
    db.refresh(answered)
    assert answered.status == "in_mediation"


def test_bad_subject_urls_are_4xx(db, settings, client, case):
    sign_in_browser(client, db, settings, case.w.freelancer)
    assert client.get("/disputes/new").status_code == 422
    assert client.get("/disputes/new?milestone=abc").status_code == 400
    assert client.get("/disputes/new?milestone=0").status_code == 404
    assert client.get(f"/disputes/new?milestone={case.milestone.id}&invoice=1").status_code == 422
    assert client.get("/disputes/999999").status_code == 404


def test_freelancer_cannot_answer_on_the_page(db, settings, client, case, disputed):
    csrf = sign_in_browser(client, db, settings, case.w.freelancer)
    r = client.post(f"/disputes/{disputed.id}/answer", data={"csrf_token": csrf, "answer": "Me"})
    assert r.status_code == 403
    db.refresh(disputed)
    assert disputed.status == "awaiting_client" and disputed.answer == ""
