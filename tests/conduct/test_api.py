"""The client's conduct case over the API (trust.md §1.3): its own case only, acknowledge,
appeal once within 30 days; problems for everyone else."""

from __future__ import annotations

from tests.conduct.conftest import DAY, contacted_case, restricted_case
from tests.contracts.conftest import problem
from tests.factories import api_headers, make_client, make_freelancer
from workhall.core import clock

URL = "/api/v1/me/conduct-case"


def test_the_client_reads_and_acknowledges_its_own_case(db, settings, client):
    owner = make_client(db, settings)
    case = contacted_case(db, settings, owner)
    h = api_headers(db, settings, owner)
    body = client.get(URL, headers=h).json()
    assert body["id"] == case.id and body["state"] == "contacted"
    assert body["contact_message"] == "Please be kind." and body["can_acknowledge"]
    assert [e["kind"] for e in body["events"]] == ["contacted"]  # the flag itself is staff-only
    assert "harsh_share" not in body and "poor_share" not in body
    r = client.post(f"{URL}/acknowledge", headers=h)
    assert r.status_code == 200 and r.json()["state"] == "monitoring"
    assert r.json()["events"][-1]["by_client"] is True
    problem(client.post(f"{URL}/acknowledge", headers=h), 409)


def test_others_are_refused(db, settings, client):
    contacted_case(db, settings, make_client(db, settings))
    other = api_headers(db, settings, make_client(db, settings))
    problem(client.get(URL, headers=other), 404)
    problem(client.post(f"{URL}/acknowledge", headers=other), 404)
    problem(client.post(f"{URL}/appeal", headers=other, json={"text": "x"}), 404)
    freelancer = api_headers(db, settings, make_freelancer(db, settings))
    problem(client.get(URL, headers=freelancer), 403)
    problem(client.post(f"{URL}/acknowledge", headers=freelancer), 403)
    problem(client.get(URL), 401)
    problem(client.post(f"{URL}/appeal", json={"text": "x"}), 401)


def test_appeal_once_within_the_window(db, settings, client):
    owner = make_client(db, settings)
    case = restricted_case(db, settings, owner)
    h = api_headers(db, settings, owner)
    body = client.get(URL, headers=h).json()
    assert body["can_appeal"] and body["appeal_closes_at"]
    problem(client.post(f"{URL}/appeal", headers=h, json={"text": ""}), 422)
    problem(client.post(f"{URL}/appeal", headers=h, json={"text": "x" * 5001}), 422)
    problem(client.post(f"{URL}/appeal", headers=h, json={"text": "x", "extra": 1}), 422)
    r = client.post(f"{URL}/appeal", headers=h, json={"text": "Please reconsider."})
    assert r.status_code == 200 and r.json()["state"] == "appealed"
    assert not r.json()["can_appeal"]
    problem(client.post(f"{URL}/appeal", headers=h, json={"text": "Again"}), 409)
    assert case.status == "appealed"


def test_appeal_after_30_days_is_refused(db, settings, client):
    owner = make_client(db, settings)
    case = restricted_case(db, settings, owner)
    h = api_headers(db, settings, owner)
    clock.set_now(case.restricted_at + 30 * DAY)
    assert client.get(URL, headers=h).json()["can_appeal"] is False
    assert (
        "passed"
        in problem(client.post(f"{URL}/appeal", headers=h, json={"text": "x"}), 409)["detail"]
    )
