"""Proposal API contract (interfaces.md §1): status codes, problem documents, who may do what,
bad input, idempotent replays."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import api_headers, make_client, make_freelancer, make_user
from tests.proposals.conftest import give_skills, make_job, set_balance
from workhall.connects.service import connects_balance
from workhall.proposals import service
from workhall.proposals.models import Invitation, Proposal

LETTER = "Hello! I have shipped three dashboards like this one last year."
BODY = {"cover_letter": LETTER, "bid_cents": 45_000}


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def stored(db) -> int:
    return db.scalar(select(func.count()).select_from(Proposal))


@pytest.fixture
def world(db, settings):
    client = make_client(db, settings)
    job = make_job(db, settings, client)
    freelancer = make_freelancer(db, settings)
    return {
        "client": client,
        "job": job,
        "freelancer": freelancer,
        "ch": api_headers(db, settings, client),
        "fh": api_headers(db, settings, freelancer),
    }


def test_submit_returns_201_with_connects_spent(client, db, settings, world):
    r = client.post(f"/api/v1/jobs/{world['job'].id}/proposals", json=BODY, headers=world["fh"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "submitted" and body["connects_spent"] == 4
    assert body["id"] > 0 and body["balance"] == 6 and body["connects_price"] == 4
    assert body["boost"] == {"connects": 0, "state": "none", "placed_at": None, "holds_slot": False}
    assert body["timestamps"]["submitted_at"] and body["timestamps"]["viewed_at"] is None


def test_submit_with_a_boost(client, db, settings, world):
    set_balance(db, settings, world["freelancer"], 20)
    r = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals",
        json={**BODY, "boost_connects": 3},
        headers=world["fh"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["connects_spent"] == 7
    assert r.json()["boost"]["state"] == "held" and r.json()["boost"]["holds_slot"] is True


def test_402_has_price_and_balance(client, db, settings, world):
    job = make_job(db, settings, world["client"], budget_cents=600_000)  # 16 Connects
    r = client.post(f"/api/v1/jobs/{job.id}/proposals", json=BODY, headers=world["fh"])
    body = problem(r, 402)
    assert body["price"] == 16 and body["balance"] == 10
    assert stored(db) == 0 and connects_balance(db, world["freelancer"].id) == 10


def test_409_already_proposed_403_client_404_unknown(client, db, settings, world):
    url = f"/api/v1/jobs/{world['job'].id}/proposals"
    assert client.post(url, json=BODY, headers=world["fh"]).status_code == 201
    problem(client.post(url, json=BODY, headers=world["fh"]), 409)
    problem(client.post(url, json=BODY, headers=world["ch"]), 403)
    problem(client.post("/api/v1/jobs/987654/proposals", json=BODY, headers=world["fh"]), 404)
    problem(client.post(url, json=BODY), 401)
    assert stored(db) == 1


def test_403_for_unverified_and_not_invited(client, db, settings, world):
    unverified = make_freelancer(db, settings, verified=False)
    r = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals",
        json=BODY,
        headers=api_headers(db, settings, unverified),
    )
    problem(r, 403)
    private = make_job(db, settings, world["client"], visibility="invite_only")
    problem(
        client.post(f"/api/v1/jobs/{private.id}/proposals", json=BODY, headers=world["fh"]), 403
    )
    assert stored(db) == 0


def test_closed_job_is_409(client, db, settings, world):
    world["job"].status = "cancelled"
    db.flush()
    problem(
        client.post(f"/api/v1/jobs/{world['job'].id}/proposals", json=BODY, headers=world["fh"]),
        409,
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"cover_letter": LETTER},
        {"bid_cents": 5_000},
        {"cover_letter": LETTER, "bid_cents": "5000"},
        {"cover_letter": LETTER, "bid_cents": 50.5},
        {"cover_letter": LETTER, "bid_cents": True},
        {"cover_letter": LETTER, "bid_cents": 10**30},
        {"cover_letter": LETTER, "bid_cents": -5},
        {"cover_letter": LETTER, "bid_cents": 5_000, "boost_connects": -1},
        {"cover_letter": LETTER, "bid_cents": 5_000, "boost_connects": 10**12},
        {"cover_letter": "x" * 5_001, "bid_cents": 5_000},
        {"cover_letter": "", "bid_cents": 5_000},
        {"cover_letter": "bad \u0000 byte", "bid_cents": 5_000},
        {"cover_letter": LETTER, "bid_cents": 5_000, "extra": 1},
        {"cover_letter": ["list"], "bid_cents": 5_000},
        [1, 2, 3],
    ],
)
def test_bad_input_is_422_and_stores_nothing(client, db, settings, world, body):
    r = client.post(f"/api/v1/jobs/{world['job'].id}/proposals", json=body, headers=world["fh"])
    problem(r, 422)
    assert stored(db) == 0 and connects_balance(db, world["freelancer"].id) == 10


def test_malformed_json_and_huge_ids(client, db, settings, world):
    r = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals",
        content=b"{nope",
        headers={**world["fh"], "content-type": "application/json"},
    )
    problem(r, 422)
    problem(
        client.post(
            "/api/v1/jobs/99999999999999999999999/proposals", json=BODY, headers=world["fh"]
        ),
        422,
    )
    problem(client.get("/api/v1/proposals/0", headers=world["fh"]), 422)
    problem(client.post("/api/v1/jobs/abc/proposals", json=BODY, headers=world["fh"]), 422)


def test_html_is_stored_as_text(client, db, settings, world):
    letter = "<script>alert('x')</script> <b>bold</b>"
    r = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals",
        json={**BODY, "cover_letter": letter},
        headers=world["fh"],
    )
    assert r.status_code == 201
    assert db.get(Proposal, r.json()["id"]).cover_letter == letter


def test_idempotent_replay_spends_once(client, db, settings, world):
    url = f"/api/v1/jobs/{world['job'].id}/proposals"
    headers = {**world["fh"], "Idempotency-Key": "proposal-1"}
    first = client.post(url, json=BODY, headers=headers)
    again = client.post(url, json=BODY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert connects_balance(db, world["freelancer"].id) == 6 and stored(db) == 1
    problem(client.post(url, json={**BODY, "bid_cents": 1_000}, headers=headers), 422)


def test_a_failed_request_can_be_retried_with_its_key(client, db, settings, world):
    job = make_job(db, settings, world["client"], budget_cents=600_000)  # 16 Connects
    url = f"/api/v1/jobs/{job.id}/proposals"
    headers = {**world["fh"], "Idempotency-Key": "retry-me"}
    problem(client.post(url, json=BODY, headers=headers), 402)
    set_balance(db, settings, world["freelancer"], 16)
    r = client.post(url, json=BODY, headers=headers)
    assert r.status_code == 201 and r.json()["connects_spent"] == 16


# --- the client's list --------------------------------------------------------------------------


def test_client_list_is_ranked_and_for_the_client_only(client, db, settings, world):
    job = world["job"]  # skills python, django
    match = make_freelancer(db, settings)
    give_skills(db, match, "python", "django")
    booster = make_freelancer(db, settings)
    set_balance(db, settings, booster, 20)
    plain = world["freelancer"]
    ids = {}
    for who, boost in ((plain, 0), (match, 0), (booster, 2)):
        r = client.post(
            f"/api/v1/jobs/{job.id}/proposals",
            json={**BODY, "boost_connects": boost},
            headers=api_headers(db, settings, who),
        )
        ids[who.id] = r.json()["id"]
    url = f"/api/v1/jobs/{job.id}/proposals"
    r = client.get(url, headers=world["ch"])
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["id"] for i in items] == [ids[booster.id], ids[match.id], ids[plain.id]]
    assert [i["boosted"] for i in items] == [True, False, False]
    assert items[1]["match_percent"] == 100 and items[2]["match_percent"] == 0
    assert items[0]["freelancer"]["handle"] == booster.handle
    assert "boost_connects" not in items[0] and "connects_price" not in items[0]
    assert r.json()["counts"] == {"all": 3, "shortlisted": 0, "declined": 0}
    # listing is not a view
    assert all(
        i["timestamps"]["viewed_at"] is None
        for i in client.get(url, headers=world["ch"]).json()["items"]
    )
    problem(client.get(url, headers=world["fh"]), 403)
    problem(client.get(url, headers=api_headers(db, settings, make_client(db, settings))), 403)
    problem(client.get(url), 401)
    problem(client.get(url + "?tab=bogus", headers=world["ch"]), 422)
    problem(client.get("/api/v1/jobs/424242/proposals", headers=world["ch"]), 404)


def test_get_proposal_owner_client_and_others(client, db, settings, world):
    set_balance(db, settings, world["freelancer"], 20)
    pid = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals",
        json={**BODY, "boost_connects": 2},
        headers=world["fh"],
    ).json()["id"]
    url = f"/api/v1/proposals/{pid}"
    own = client.get(url, headers=world["fh"])
    assert own.status_code == 200 and own.json()["boost"]["connects"] == 2
    assert own.json()["timestamps"]["viewed_at"] is None  # the owner reading is not a view
    seen = client.get(url, headers=world["ch"])
    assert seen.status_code == 200 and seen.json()["status"] == "viewed"
    assert "boost" not in seen.json() and seen.json()["boosted"] is True
    assert client.get(url, headers=world["fh"]).json()["boost"]["state"] == "spent"
    for headers in (
        api_headers(db, settings, make_freelancer(db, settings)),
        api_headers(db, settings, make_client(db, settings)),
        api_headers(db, settings, make_user(db, settings, "staff", staff_roles="support")),
    ):
        problem(client.get(url, headers=headers), 403)
    problem(client.get(url), 401)
    problem(client.get("/api/v1/proposals/555555", headers=world["fh"]), 404)


def test_withdraw_owner_only(client, db, settings, world):
    pid = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals", json=BODY, headers=world["fh"]
    ).json()["id"]
    url = f"/api/v1/proposals/{pid}/withdraw"
    problem(client.post(url), 401)
    problem(client.post(url, headers=world["ch"]), 403)
    problem(client.post(url, headers=api_headers(db, settings, make_freelancer(db, settings))), 403)
    problem(client.post("/api/v1/proposals/777777/withdraw", headers=world["fh"]), 404)
    r = client.post(url, headers=world["fh"])
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    problem(client.post(url, headers=world["fh"]), 409)


def test_boost_endpoint(client, db, settings, world):
    set_balance(db, settings, world["freelancer"], 20)
    pid = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals", json=BODY, headers=world["fh"]
    ).json()["id"]
    url = f"/api/v1/proposals/{pid}/boost"
    problem(client.post(url, json={"connects": 3}), 401)
    problem(client.post(url, json={"connects": 3}, headers=world["ch"]), 403)
    for bad in (
        {},
        {"connects": 0},
        {"connects": -2},
        {"connects": "3"},
        {"connects": 10**9},
        {"connects": 3, "more": True},
    ):
        problem(client.post(url, json=bad, headers=world["fh"]), 422)
    headers = {**world["fh"], "Idempotency-Key": "boost-1"}
    r = client.post(url, json={"connects": 3}, headers=headers)
    assert r.status_code == 200 and r.json()["boost"]["state"] == "held"
    assert client.post(url, json={"connects": 3}, headers=headers).json() == r.json()
    assert connects_balance(db, world["freelancer"].id) == 20 - 4 - 3
    problem(client.post(url, json={"connects": 3}, headers=world["fh"]), 409)  # not a raise
    problem(client.post(url, json={"connects": 50}, headers=world["fh"]), 402)


def test_shortlist_and_decline(client, db, settings, world):
    pid = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals", json=BODY, headers=world["fh"]
    ).json()["id"]
    for action in ("shortlist", "decline"):
        url = f"/api/v1/proposals/{pid}/{action}"
        problem(client.post(url), 401)
        problem(client.post(url, headers=world["fh"]), 403)
        problem(client.post(url, headers=api_headers(db, settings, make_client(db, settings))), 403)
    r = client.post(f"/api/v1/proposals/{pid}/shortlist", headers=world["ch"])
    assert r.status_code == 200 and r.json()["status"] == "shortlisted"
    r = client.post(f"/api/v1/proposals/{pid}/decline", headers=world["ch"])
    assert r.status_code == 200 and r.json()["status"] == "declined"
    problem(client.post(f"/api/v1/proposals/{pid}/shortlist", headers=world["ch"]), 409)
    lst = client.get(
        f"/api/v1/jobs/{world['job'].id}/proposals?tab=declined", headers=world["ch"]
    ).json()
    assert [i["id"] for i in lst["items"]] == [pid]


def test_my_proposals(client, db, settings, world):
    pid = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals", json=BODY, headers=world["fh"]
    ).json()["id"]
    r = client.get("/api/v1/me/proposals", headers=world["fh"])
    assert r.status_code == 200 and [i["id"] for i in r.json()["items"]] == [pid]
    assert r.json()["items"][0]["job_title"] == world["job"].title
    assert (
        client.get("/api/v1/me/proposals?status=withdrawn", headers=world["fh"]).json()["items"]
        == []
    )
    assert (
        len(client.get("/api/v1/me/proposals?tab=active", headers=world["fh"]).json()["items"]) == 1
    )
    problem(client.get("/api/v1/me/proposals?status=nope", headers=world["fh"]), 422)
    problem(client.get("/api/v1/me/proposals", headers=world["ch"]), 403)
    problem(client.get("/api/v1/me/proposals"), 401)
    other = make_freelancer(db, settings)
    assert (
        client.get("/api/v1/me/proposals", headers=api_headers(db, settings, other)).json()["items"]
        == []
    )


# --- invitations --------------------------------------------------------------------------------


def test_invitations_flow(client, db, settings, world):
    url = f"/api/v1/jobs/{world['job'].id}/invitations"
    body = {"freelancer": world["freelancer"].handle, "message": "<b>Join us</b>"}
    problem(client.post(url, json=body), 401)
    problem(client.post(url, json=body, headers=world["fh"]), 403)
    problem(
        client.post(url, json=body, headers=api_headers(db, settings, make_client(db, settings))),
        403,
    )
    for bad in (
        {},
        {"freelancer": ""},
        {"freelancer": "x" * 41},
        {"freelancer": "a", "message": "m" * 2001},
        {"freelancer": True},
        {"freelancer": 10**30},
        {"freelancer": "a", "extra": 1},
    ):
        problem(client.post(url, json=bad, headers=world["ch"]), 422)
    problem(client.post(url, json={"freelancer": "no-such-person"}, headers=world["ch"]), 404)
    r = client.post(url, json=body, headers=world["ch"])
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert r.json()["message"] == "<b>Join us</b>"
    inv_id = r.json()["id"]
    problem(client.post(url, json=body, headers=world["ch"]), 409)
    mine = client.get("/api/v1/me/invitations", headers=world["fh"])
    assert mine.status_code == 200 and [i["id"] for i in mine.json()["items"]] == [inv_id]
    problem(client.get("/api/v1/me/invitations", headers=world["ch"]), 403)
    problem(client.get("/api/v1/me/invitations?status=bogus", headers=world["fh"]), 422)
    problem(client.get("/api/v1/me/invitations"), 401)
    # answering costs no Connects
    r = client.post(f"/api/v1/jobs/{world['job'].id}/proposals", json=BODY, headers=world["fh"])
    assert r.status_code == 201 and r.json()["connects_spent"] == 0
    items = client.get("/api/v1/me/invitations", headers=world["fh"]).json()["items"]
    assert items[0]["status"] == "accepted" and items[0]["proposal_id"] == r.json()["id"]


def test_decline_invitation(client, db, settings, world):
    inv = service.invite_freelancer(
        db, settings, world["client"], world["job"].id, world["freelancer"].id, ""
    )
    url = f"/api/v1/invitations/{inv.id}/decline"
    problem(client.post(url), 401)
    problem(client.post(url, headers=world["ch"]), 403)
    problem(client.post(url, headers=api_headers(db, settings, make_freelancer(db, settings))), 403)
    problem(client.post("/api/v1/invitations/999999/decline", headers=world["fh"]), 404)
    r = client.post(url, headers=world["fh"])
    assert r.status_code == 200 and r.json()["status"] == "declined"
    problem(client.post(url, headers=world["fh"]), 409)
    assert db.get(Invitation, inv.id).responded_at is not None


def test_openapi_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/jobs/{job_id}/proposals",
        "/api/v1/proposals/{proposal_id}/withdraw",
        "/api/v1/proposals/{proposal_id}/boost",
        "/api/v1/me/proposals",
        "/api/v1/jobs/{job_id}/invitations",
        "/api/v1/me/invitations",
        "/api/v1/invitations/{invitation_id}/decline",
    ):
        assert path in paths


def test_authorization_matrix(client, db, settings, world):
    """quality.md §2: every endpoint as another user of each role, as staff and anonymous."""
    set_balance(db, settings, world["freelancer"], 20)
    pid = client.post(
        f"/api/v1/jobs/{world['job'].id}/proposals", json=BODY, headers=world["fh"]
    ).json()["id"]
    invitee = make_freelancer(db, settings)
    inv = service.invite_freelancer(
        db, settings, world["client"], world["job"].id, invitee.handle, ""
    )
    job = world["job"].id
    intruders = {
        "freelancer": api_headers(db, settings, make_freelancer(db, settings)),
        "client": api_headers(db, settings, make_client(db, settings)),
        "staff": api_headers(db, settings, make_user(db, settings, "staff", staff_roles="admin")),
        "anonymous": {},
    }
    endpoints = [
        ("post", f"/api/v1/jobs/{job}/proposals", BODY, {"client", "staff"}),
        ("get", f"/api/v1/jobs/{job}/proposals", None, None),
        ("get", f"/api/v1/proposals/{pid}", None, None),
        ("post", f"/api/v1/proposals/{pid}/withdraw", None, None),
        ("post", f"/api/v1/proposals/{pid}/boost", {"connects": 2}, None),
        ("post", f"/api/v1/proposals/{pid}/shortlist", None, None),
        ("post", f"/api/v1/proposals/{pid}/decline", None, None),
        ("post", f"/api/v1/jobs/{job}/invitations", {"freelancer": invitee.id}, None),
        ("get", "/api/v1/me/proposals", None, {"client", "staff"}),
        ("get", "/api/v1/me/invitations", None, {"client", "staff"}),
        ("post", f"/api/v1/invitations/{inv.id}/decline", None, None),
    ]
    for method, url, body, who in endpoints:
        for role, headers in intruders.items():
            if who is not None and role not in who and role != "anonymous":
                continue
            kwargs = {"headers": headers} | ({"json": body} if body is not None else {})
            r = getattr(client, method)(url, **kwargs)
            problem(r, 401 if role == "anonymous" else 403)
    p = db.get(Proposal, pid)
    db.refresh(p)
    assert (p.status, p.viewed_at, p.boost_state) == ("submitted", None, "none")
    assert stored(db) == 1 and db.get(Invitation, inv.id).status == "pending"
