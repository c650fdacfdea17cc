"""Invite-only jobs (marketplace.md §3): "only invited freelancers can propose" — and only
they, besides the client, can see the job."""

from __future__ import annotations

from tests.factories import api_headers, make_client, make_freelancer, make_job


def test_invited_freelancer_sees_and_may_propose_others_do_not(client, db, settings):
    owner = make_client(db, settings)
    job = make_job(db, settings, owner, visibility="invite_only")
    invited = make_freelancer(db, settings)
    stranger = make_freelancer(db, settings)
    r = client.post(
        f"/api/v1/jobs/{job.id}/invitations",
        headers=api_headers(db, settings, owner),
        json={"freelancer": invited.handle, "message": "Would love your proposal."},
    )
    assert r.status_code == 201, r.text

    assert (
        client.get(f"/api/v1/jobs/{job.id}", headers=api_headers(db, settings, invited)).status_code
        == 200
    )
    assert (
        client.get(
            f"/api/v1/jobs/{job.id}", headers=api_headers(db, settings, stranger)
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/jobs/{job.id}").status_code == 404

    body = {"cover_letter": "Happy to help with this.", "bid_cents": 9_000}
    r = client.post(
        f"/api/v1/jobs/{job.id}/proposals", json=body, headers=api_headers(db, settings, invited)
    )
    assert r.status_code == 201, r.text
    assert r.json()["connects_spent"] == 0  # an invitation's answer costs no Connects
    r = client.post(
        f"/api/v1/jobs/{job.id}/proposals", json=body, headers=api_headers(db, settings, stranger)
    )
    assert r.status_code in (403, 404)
