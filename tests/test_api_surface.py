"""The whole API surface, taken from the OpenAPI document: the fixed paths of interfaces.md §1
exist, every non-public endpoint refuses anonymous callers with a 401 problem, and hostile
input never produces a 500 (trust.md §3, quality.md §2)."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import api_headers, make_client, make_freelancer

FIXED = {
    ("post", "/api/v1/accounts"),
    ("post", "/api/v1/sessions"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/me/connects"),
    ("post", "/api/v1/jobs"),
    ("get", "/api/v1/jobs"),
    ("get", "/api/v1/jobs/{job_id}"),
    ("post", "/api/v1/jobs/{job_id}/cancel"),
    ("post", "/api/v1/jobs/{job_id}/proposals"),
    ("get", "/api/v1/jobs/{job_id}/proposals"),
    ("post", "/api/v1/proposals/{proposal_id}/withdraw"),
}
# Endpoints anyone may call.
PUBLIC = {
    ("post", "/api/v1/accounts"),
    ("post", "/api/v1/sessions"),
    ("get", "/api/v1/jobs"),
    ("get", "/api/v1/jobs/{job_id}"),
    ("get", "/api/v1/connects/prices"),
    ("get", "/api/v1/users/{handle}"),
    ("get", "/api/v1/users/{handle}/feedback"),
}
HOSTILE_BODIES = [
    {},
    [],
    "not an object",
    {
        "title": "<script>alert(1)</script>" * 50,
        "cover_letter": "\ud800",
        "bid_cents": 10**30,
        "email": "a@b",
        "password": "x" * 5000,
        "phone": "+" + "9" * 40,
        "code": "../../etc",
        "bundle": -1,
        "connects": 1e308,
        "skills": ["x"] * 500,
        "message": None,
    },
]


def _operations(client):
    doc = client.get("/api/v1/openapi.json").json()
    return [(method, path) for path, ops in doc["paths"].items() for method in ops]


def _concrete(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_openapi_document_lists_the_fixed_interface(client, db):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert set(FIXED) <= set(_operations(client))


def test_anonymous_callers_get_401_problems(client, db):
    for method, path in _operations(client):
        if (method, path) in PUBLIC:
            continue
        r = client.request(method.upper(), _concrete(path), json={})
        assert r.status_code == 401, (method, path, r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert {"type", "title", "status", "detail"} <= set(body)


def test_a_revoked_or_made_up_token_is_refused(client, db, settings):
    user = make_freelancer(db, settings)
    headers = api_headers(db, settings, user)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/sessions/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer " + "A" * 43}).status_code == 401
    )


@pytest.mark.parametrize("role", ["freelancer", "client"])
def test_hostile_input_never_crashes_any_endpoint(client, db, settings, role):
    user = (make_freelancer if role == "freelancer" else make_client)(db, settings)
    headers = api_headers(db, settings, user)
    for method, path in _operations(client):
        if method == "get":
            for value in ["1", "0", "-1", "99999999999999999999", "%2e%2e", "abc"]:
                r = client.get(
                    _concrete(path, value),
                    headers=headers,
                    params={"page": "-5", "q": "\"*' NEAR( OR", "skills": "x" * 300},
                )
                assert r.status_code < 500, (path, value, r.status_code, r.text[:200])
            continue
        raw_bodies = [json.dumps(b).encode() for b in HOSTILE_BODIES] + [b"\xff\xfe{", b"{" * 5000]
        for body in raw_bodies:
            r = client.request(
                method.upper(),
                _concrete(path),
                content=body,
                headers={**headers, "content-type": "application/json"},
            )
            assert r.status_code < 500, (method, path, body, r.status_code, r.text[:300])
            if r.status_code >= 400:
                assert r.headers["content-type"].startswith("application/problem+json"), path
