"""Exclusive resources (reputation.md §2.5 "a library of guides written by staff, readable only
by Top Rated freelancers"): visibility, staff writing and editing, safe rendering."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.community.conftest import count, make_staff, make_top_rated
from tests.factories import make_client, make_freelancer, sign_in_browser
from workhall.community import resources
from workhall.community.models import Guide
from workhall.community.seed import seed_default_content
from workhall.core.errors import Conflict, Forbidden, Unprocessable


def test_visibility(db, settings):
    seed_default_content(db)
    for reader in (
        make_top_rated(db, settings),
        make_top_rated(db, settings, "top_rated_plus"),
        make_staff(db, settings, "trust_safety"),
    ):
        assert len(resources.library(db, reader)) == 5
    for outsider in (make_freelancer(db, settings), make_client(db, settings)):
        with pytest.raises(Forbidden):
            resources.library(db, outsider)
        with pytest.raises(Forbidden):
            resources.guide_by_slug(db, outsider, "pricing-your-work")


def test_staff_write_and_edit(db, settings):
    editor = make_staff(db, settings, "support")
    g = resources.create_guide(db, editor, "Rates in 2027", "What changed.", "## Rates\n- up")
    assert g.slug == "rates-in-2027"
    with pytest.raises(Conflict):
        resources.create_guide(db, editor, "Rates in 2027", "dup", "dup")
    resources.edit_guide(db, editor, g.id, "Rates for 2027", "Updated.", "Body")
    assert (g.slug, g.title) == ("rates-in-2027", "Rates for 2027")
    for outsider in (make_staff(db, settings, "trust_safety"), make_top_rated(db, settings)):
        with pytest.raises(Forbidden):
            resources.create_guide(db, outsider, "X", "Y", "Z")
    with pytest.raises(Unprocessable):
        resources.create_guide(db, editor, "T", "x" * 301, "Z")
    assert count(db, Guide) == 1


def test_pages_access_and_safe_rendering(db, settings, client):
    editor = make_staff(db, settings, "support")
    resources.create_guide(
        db, editor, "Safe guide", "Summary", "## Part one\n<script>alert(1)</script>\n- **tip**"
    )
    db.commit()
    assert client.get("/resources").status_code == 403  # anonymous
    sign_in_browser(client, db, settings, make_freelancer(db, settings))
    for url in ("/resources", "/resources/safe-guide"):
        page = client.get(url)
        assert page.status_code == 403 and "Part one" not in page.text
        assert "Exclusive resources" in page.text
    sign_in_browser(client, db, settings, make_top_rated(db, settings))
    page = client.get("/resources")
    assert page.status_code == 200 and "Safe guide" in page.text
    page = client.get("/resources/safe-guide")
    assert "<h3>Part one</h3>" in page.text and "<li><strong>tip</strong></li>" in page.text
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text
    assert client.get("/resources/missing").status_code == 404
    assert client.get("/staff/resources").status_code == 403


def test_staff_pages(db, settings, client):
    csrf = sign_in_browser(client, db, settings, make_staff(db, settings, "admin"))
    assert client.get("/staff/resources/new").status_code == 200
    r = client.post(
        "/staff/resources", data={"csrf_token": csrf, "title": "", "summary": "s", "body": "b"}
    )
    assert r.status_code == 400 and "Write the title" in r.text and count(db, Guide) == 0
    r = client.post(
        "/staff/resources",
        data={"csrf_token": csrf, "title": "New guide", "summary": "s", "body": "b"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/resources/new-guide"
    g = db.scalar(select(Guide))
    assert g is not None
    assert "New guide" in client.get(f"/staff/resources/{g.id}/edit").text
    r = client.post(
        f"/staff/resources/{g.id}",
        data={"csrf_token": csrf, "title": "Renamed", "summary": "s", "body": "x" * 30_001},
    )
    assert r.status_code == 400 and "30,000" in r.text
    db.refresh(g)
    assert g.title == "New guide"
    r = client.post(
        f"/staff/resources/{g.id}",
        data={"csrf_token": csrf, "title": "Renamed", "summary": "s", "body": "b2"},
        follow_redirects=False,
    )
    db.refresh(g)
    assert r.status_code == 303 and g.title == "Renamed" and g.body == "b2"
    assert client.get("/staff/resources").status_code == 200
