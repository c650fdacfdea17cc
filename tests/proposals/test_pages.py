"""Proposal pages: they render, their forms carry and need the CSRF token, errors re-render the
form with the values kept, and user text is escaped (quality.md §3, trust.md §3)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer
from tests.proposals.conftest import give_skills, make_job, set_balance, sign_in
from workhall.connects.service import connects_balance
from workhall.proposals import service
from workhall.proposals.models import Invitation, Proposal

LETTER = "I build dashboards for a living: <script>alert('x')</script> & friends."


def stored(db) -> int:
    return db.scalar(select(func.count()).select_from(Proposal))


def well_formed(html: str, csrf: str) -> None:
    """No inline script (the CSP forbids them) and every POST form carries the CSRF token."""
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag
    forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
    for form in forms:
        assert f'name="csrf_token" value="{csrf}"' in form, form[:200]


def submit(db, settings, freelancer, job, boost=0):
    return service.submit_proposal(db, settings, freelancer, job.id, LETTER, 5_000, boost).proposal


def test_apply_form_shows_price_balance_and_boost_board(client, db, settings):
    job = make_job(db, settings)
    other = make_freelancer(db, settings)
    set_balance(db, settings, other, 20)
    submit(db, settings, other, job, boost=3)
    freelancer = make_freelancer(db, settings)
    csrf = sign_in(client, db, settings, freelancer)
    r = client.get(f"/jobs/{job.id}/apply")
    assert r.status_code == 200, r.text
    html = r.text
    assert "4 Connects" in html and "You have <strong>10</strong>" in html
    assert 'id="connects-left">6<' in html
    assert "to enter the top 4 you need 1 Connect<" in html
    assert f'value="{csrf}"' in html and 'data-counter="cover-count"' in html
    assert "/static/js/proposals.js" in html
    well_formed(html, csrf)


def test_apply_posts_and_redirects(client, db, settings):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings)
    csrf = sign_in(client, db, settings, freelancer)
    form = {"csrf_token": csrf, "bid": "1,250.50", "cover_letter": LETTER, "boost": ""}
    r = client.post(f"/jobs/{job.id}/apply", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    p = db.scalar(select(Proposal))
    assert r.headers["location"] == f"/proposals/{p.id}"
    assert p.bid_cents == 125_050 and connects_balance(db, freelancer.id) == 6
    # the apply page now sends the freelancer to the proposal
    r = client.get(f"/jobs/{job.id}/apply", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/proposals/{p.id}"


def test_apply_needs_the_csrf_token(client, db, settings):
    job = make_job(db, settings)
    sign_in(client, db, settings, make_freelancer(db, settings))
    r = client.post(f"/jobs/{job.id}/apply", data={"bid": "50", "cover_letter": LETTER})
    assert r.status_code == 403 and stored(db) == 0
    r = client.post(
        f"/jobs/{job.id}/apply", data={"csrf_token": "forged", "bid": "50", "cover_letter": LETTER}
    )
    assert r.status_code == 403 and stored(db) == 0


def test_apply_errors_keep_the_values(client, db, settings):
    job = make_job(db, settings)
    csrf = sign_in(client, db, settings, make_freelancer(db, settings))
    cases = [
        ({"bid": "lots", "cover_letter": "Keep this text"}, "Enter your bid in dollars"),
        ({"bid": "50", "cover_letter": "x" * 5_001}, "at most 5,000 characters"),
        ({"bid": "50", "cover_letter": ""}, "Write a cover letter"),
        ({"bid": "0.50", "cover_letter": "Keep this text"}, "between $1.00"),
        ({"bid": "50", "cover_letter": "Keep this text", "boost": "-3"}, "whole number"),
    ]
    for data, message in cases:
        r = client.post(f"/jobs/{job.id}/apply", data={"csrf_token": csrf, **data})
        assert r.status_code == 400, data
        assert message in r.text, (message, data)
        if data["cover_letter"] == "Keep this text":
            assert "Keep this text</textarea>" in r.text
    assert stored(db) == 0


def test_apply_without_enough_connects_links_to_connects(client, db, settings):
    job = make_job(db, settings, budget_cents=600_000)  # 16 Connects
    csrf = sign_in(client, db, settings, make_freelancer(db, settings))
    r = client.post(
        f"/jobs/{job.id}/apply",
        data={"csrf_token": csrf, "bid": "5000", "cover_letter": "Kept letter"},
    )
    assert r.status_code == 400
    assert 'href="/connects"' in r.text and "Kept letter</textarea>" in r.text
    assert stored(db) == 0


def test_pages_need_the_right_user(client, db, settings):
    job = make_job(db, settings)
    owner = make_freelancer(db, settings)
    p = submit(db, settings, owner, job)
    for url in (
        f"/jobs/{job.id}/apply",
        "/proposals",
        f"/proposals/{p.id}",
        "/invitations",
        f"/client/jobs/{job.id}/proposals",
    ):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), url
    sign_in(client, db, settings, make_client(db, settings))  # another client
    assert client.get(f"/jobs/{job.id}/apply").status_code == 403
    assert client.get(f"/proposals/{p.id}").status_code == 403
    assert client.get(f"/client/jobs/{job.id}/proposals").status_code == 403
    sign_in(client, db, settings, make_freelancer(db, settings))  # another freelancer
    assert client.get(f"/proposals/{p.id}").status_code == 403
    assert client.get("/proposals/99999999").status_code == 404
    private = make_job(db, settings, visibility="invite_only")
    assert client.get(f"/jobs/{private.id}/apply").status_code == 404  # hidden, not invited
    assert client.get("/proposals/99999999999999999999999").status_code == 404


def test_my_proposals_lists_withdraws_and_boosts(client, db, settings):
    job = make_job(db, settings)
    freelancer = make_freelancer(db, settings)
    set_balance(db, settings, freelancer, 20)
    p = submit(db, settings, freelancer, job)
    csrf = sign_in(client, db, settings, freelancer)
    html = client.get("/proposals").text
    assert (
        job.title in html and "$50.00" in html and "To enter the top 4 you need 1 Connect." in html
    )
    well_formed(html, csrf)
    well_formed(client.get(f"/proposals/{p.id}").text, csrf)
    r = client.post(
        f"/proposals/{p.id}/boost",
        data={"csrf_token": csrf, "connects": "2"},
        headers={"referer": "http://testserver/proposals"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/proposals"
    db.refresh(p)
    assert p.boost_state == "held" and p.boost_connects == 2
    r = client.post(
        f"/proposals/{p.id}/boost",
        data={"csrf_token": csrf, "connects": "1"},
        follow_redirects=True,
    )
    assert "A bid can only be raised" in r.text
    assert client.post(f"/proposals/{p.id}/withdraw", data={}).status_code == 403
    r = client.post(
        f"/proposals/{p.id}/withdraw", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    db.refresh(p)
    assert p.status == "withdrawn" and p.boost_state == "returned"
    assert job.title in client.get("/proposals?tab=archived").text
    assert client.get("/proposals?tab=bogus").status_code == 200


def test_the_clients_page_ranks_views_and_escapes(client, db, settings):
    owner = make_client(db, settings)
    job = make_job(db, settings, owner)
    booster = make_freelancer(db, settings, name="Bea Booster")
    set_balance(db, settings, booster, 20)
    pb = submit(db, settings, booster, job, boost=2)
    plain = make_freelancer(db, settings, name="Pat Plain")
    give_skills(db, plain, "python", "django")
    pp = submit(db, settings, plain, job)
    csrf = sign_in(client, db, settings, owner)
    r = client.get(f"/client/jobs/{job.id}/proposals")
    assert r.status_code == 200
    html = r.text
    assert html.index("Bea Booster") < html.index("Pat Plain")
    assert "Boosted" in html and "100% skills match" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    well_formed(html, csrf)
    well_formed(client.get(f"/client/jobs/{job.id}/proposals?q=Bea").text, csrf)
    db.refresh(pb)
    assert pb.viewed_at is None  # the list is not a view
    detail = client.get(f"/proposals/{pb.id}")
    assert detail.status_code == 200 and "&lt;script&gt;alert" in detail.text
    well_formed(detail.text, csrf)
    db.refresh(pb)
    assert pb.status == "viewed" and pb.boost_state == "spent"
    r = client.post(
        f"/proposals/{pp.id}/shortlist", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    r = client.post(
        f"/proposals/{pb.id}/decline", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    db.refresh(pp)
    db.refresh(pb)
    assert (pp.status, pb.status) == ("shortlisted", "declined")
    assert "Pat Plain" in client.get(f"/client/jobs/{job.id}/proposals?tab=shortlisted").text
    assert "Bea Booster" in client.get(f"/client/jobs/{job.id}/proposals?tab=declined").text
    assert client.post(f"/proposals/{pp.id}/decline", data={}).status_code == 403


def test_invite_from_the_clients_page_and_answer_for_free(client, db, settings):
    owner = make_client(db, settings)
    job = make_job(db, settings, owner, visibility="invite_only")
    star = make_freelancer(db, settings, name="Django Star")
    give_skills(db, star, "django")
    csrf = sign_in(client, db, settings, owner)
    html = client.get(f"/client/jobs/{job.id}/proposals?q=django").text
    assert "Django Star" in html and f'value="{star.handle}"' in html
    assert "Django Star" in client.get(f"/client/jobs/{job.id}/proposals?q=Star").text
    assert "No freelancer matches" in client.get(f"/client/jobs/{job.id}/proposals?q=%25_zz").text
    r = client.post(
        f"/client/jobs/{job.id}/invitations",
        data={"csrf_token": csrf, "freelancer": star.handle, "message": "<i>hi</i>"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/client/jobs/{job.id}/invitations",
        data={"csrf_token": csrf, "freelancer": star.handle, "message": "again"},
    )
    assert r.status_code == 400 and "already invited" in r.text
    assert (
        client.post(
            f"/client/jobs/{job.id}/invitations", data={"freelancer": star.handle}
        ).status_code
        == 403
    )
    assert db.scalar(select(func.count()).select_from(Invitation)) == 1

    csrf = sign_in(client, db, settings, star)
    html = client.get("/invitations").text
    assert job.title in html and "&lt;i&gt;hi&lt;/i&gt;" in html
    well_formed(html, csrf)
    assert f'href="/jobs/{job.id}/apply"' in html
    html = client.get(f"/jobs/{job.id}/apply").text
    assert "costs no Connects" in html and 'data-price="0"' in html
    r = client.post(
        f"/jobs/{job.id}/apply",
        data={"csrf_token": csrf, "bid": "80", "cover_letter": "Thanks for asking"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and connects_balance(db, star.id) == 10


def test_decline_an_invitation_on_the_page(client, db, settings):
    owner = make_client(db, settings)
    job = make_job(db, settings, owner)
    freelancer = make_freelancer(db, settings)
    inv = service.invite_freelancer(db, settings, owner, job.id, freelancer.handle, "")
    csrf = sign_in(client, db, settings, freelancer)
    assert client.post(f"/invitations/{inv.id}/decline", data={}).status_code == 403
    r = client.post(
        f"/invitations/{inv.id}/decline", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert r.status_code == 200 and "Invitation declined" in r.text
    db.refresh(inv)
    assert inv.status == "declined"
    r = client.post(
        f"/invitations/{inv.id}/decline", data={"csrf_token": csrf}, follow_redirects=True
    )
    assert "already declined" in r.text
