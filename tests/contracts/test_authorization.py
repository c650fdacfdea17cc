"""Authorization matrix of the offer and contract API (quality.md §2): every endpoint as
anonymous (401), as the other party's peer — another client, another freelancer (404: no hint
that it exists), as the wrong role (403), and as staff (trust & safety may read); nothing
changes on any refused request."""

from __future__ import annotations

import pytest

from tests.contracts.conftest import draft, hire, problem
from tests.factories import api_headers, make_client, make_freelancer, make_user
from workhall.contracts import offers, returns, service
from workhall.contracts.models import Contract, EscrowReturn, Milestone, Offer


@pytest.fixture
def scene(db, settings, world):
    w = world
    contract, (m,) = hire(db, settings, w, 10_000)
    service.fund_milestone(db, settings, w.client, m.id)
    service.submit_work(db, settings, w.freelancer, m.id, "Done.")
    pending = offers.send_offer(
        db, settings, w.client, draft(5_000), freelancer=w.freelancer.handle
    )
    o2 = offers.send_offer(db, settings, w.client, draft(6_000), freelancer=w.freelancer.handle)
    ended = offers.accept_offer(db, settings, w.freelancer, o2.id)
    m2 = db.query(Milestone).filter_by(contract_id=ended.id).one()
    service.fund_milestone(db, settings, w.client, m2.id)
    service.end_contract(db, settings, w.client, ended.id)
    request = returns.request_escrow_return(db, settings, w.client, ended.id)
    staff = make_user(db, settings, "staff", staff_roles="trust_safety")
    support = make_user(db, settings, "staff", staff_roles="support")
    heads = {
        "anonymous": {},
        "client": w.ch,
        "freelancer": w.fh,
        "other_client": api_headers(db, settings, make_client(db, settings)),
        "other_freelancer": api_headers(db, settings, make_freelancer(db, settings)),
        "trust_safety": api_headers(db, settings, staff),
        "support": api_headers(db, settings, support),
    }
    ids = {"c": contract.id, "m": m.id, "o": pending.id, "r": request.id, "e": ended.id}
    return heads, ids


OFFER_BODY = {"title": "T", "kind": "fixed", "milestones": [{"title": "M", "amount_cents": 500}]}
# (method, path, body, expected status per actor; actors not listed must be refused with 404)
MATRIX = [
    ("GET", "/offers/{o}", None, {"client": 200, "freelancer": 200, "trust_safety": 200}),
    (
        "POST",
        "/offers/{o}/accept",
        None,
        {"client": 403, "other_client": 403, "trust_safety": 403, "support": 403},
    ),
    (
        "POST",
        "/offers/{o}/decline",
        {},
        {"client": 403, "other_client": 403, "trust_safety": 403, "support": 403},
    ),
    (
        "POST",
        "/offers/{o}/withdraw",
        None,
        {"freelancer": 403, "other_freelancer": 403, "trust_safety": 403, "support": 403},
    ),
    ("GET", "/contracts/{c}", None, {"client": 200, "freelancer": 200, "trust_safety": 200}),
    (
        "POST",
        "/contracts/{c}/milestones",
        {"title": "X", "amount_cents": 500},
        {"freelancer": 403, "other_freelancer": 403, "trust_safety": 403, "support": 403},
    ),
    (
        "POST",
        "/milestones/{m}/fund",
        None,
        {"freelancer": 403, "other_freelancer": 403, "trust_safety": 403, "support": 403},
    ),
    (
        "POST",
        "/milestones/{m}/approve",
        None,
        {"freelancer": 403, "other_freelancer": 403, "trust_safety": 403, "support": 403},
    ),
    (
        "POST",
        "/milestones/{m}/request-changes",
        {"message": "x"},
        {"freelancer": 403, "other_freelancer": 403, "trust_safety": 403, "support": 403},
    ),
    (
        "POST",
        "/milestones/{m}/submit",
        {"message": "x"},
        {"client": 403, "other_client": 403, "trust_safety": 403, "support": 403},
    ),
    ("POST", "/contracts/{c}/end", {}, {}),
    (
        "POST",
        "/contracts/{e}/escrow-return",
        {},
        {"freelancer": 403, "other_freelancer": 403, "trust_safety": 403, "support": 403},
    ),
    (
        "POST",
        "/escrow-returns/{r}/refund",
        None,
        {"client": 403, "other_client": 403, "trust_safety": 403, "support": 403},
    ),
]
OUTSIDERS = ("anonymous", "other_client", "other_freelancer", "trust_safety", "support")


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX)
def test_matrix(client, db, scene, method, path, body, expected):
    heads, ids = scene
    url = "/api/v1" + path.format(**ids)
    for actor in (*OUTSIDERS, "client", "freelancer"):
        want = 401 if actor == "anonymous" else expected.get(actor)
        if want is None:
            if actor in ("client", "freelancer"):
                continue  # the allowed parties: their success is tested in the journeys
            want = 404
        r = client.request(method, url, json=body, headers=heads[actor])
        if want == 200:
            assert r.status_code == 200, (actor, r.text)
        else:
            problem(r, want)
    # Nothing changed.
    db.expire_all()
    assert db.get(Offer, ids["o"]).status == "pending"
    assert db.get(Milestone, ids["m"]).status == "submitted"
    assert db.get(Contract, ids["c"]).status == "active"
    assert db.get(EscrowReturn, ids["r"]).status == "pending"
    assert db.query(Milestone).filter_by(contract_id=ids["c"]).count() == 1


def test_lists_show_only_ones_own(client, db, scene):
    heads, ids = scene
    for actor in ("other_client", "other_freelancer"):
        assert client.get("/api/v1/contracts", headers=heads[actor]).json()["items"] == []
        assert (
            client.get("/api/v1/contracts?status=ended", headers=heads[actor]).json()["items"] == []
        )
        assert client.get("/api/v1/me/offers", headers=heads[actor]).json()["items"] == []
    problem(client.get("/api/v1/contracts"), 401)
    problem(client.get("/api/v1/me/offers"), 401)
    mine = client.get("/api/v1/contracts", headers=heads["freelancer"]).json()["items"]
    assert [c["id"] for c in mine] == [ids["c"]]


def test_sending_offers(client, db, scene, world):
    heads, _ = scene
    body = {**OFFER_BODY, "proposal_id": world.proposal.id}
    problem(client.post("/api/v1/offers", json=body), 401)
    problem(client.post("/api/v1/offers", json=body, headers=heads["freelancer"]), 403)
    problem(client.post("/api/v1/offers", json=body, headers=heads["other_client"]), 403)
    problem(client.post("/api/v1/offers", json=body, headers=heads["trust_safety"]), 403)
    direct = {**OFFER_BODY, "freelancer": world.freelancer.handle, "job_id": world.job.id}
    problem(client.post("/api/v1/offers", json=direct, headers=heads["other_client"]), 403)
    assert db.query(Offer).count() == 3  # the scene's offers only


def test_the_contract_page_hides_from_strangers(client, db, settings, scene):
    from tests.factories import sign_in_browser

    _heads, ids = scene
    stranger = make_client(db, settings)
    sign_in_browser(client, db, settings, stranger)
    assert client.get(f"/contracts/{ids['c']}").status_code == 404
    assert client.get(f"/offers/{ids['o']}").status_code == 404
