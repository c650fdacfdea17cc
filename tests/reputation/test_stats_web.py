"""My Stats over HTTP (reputation.md §5, quality.md §2–§3): the JSON endpoint's schema and
numbers, the page with and without data, and who may see them — only the freelancer themself."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import api_headers, make_client, make_freelancer, make_user
from tests.messages.support import problem, sign_in
from tests.reputation.stats_support import (
    client_feedback,
    contract_paid,
    criteria,
    evaluation,
    give_connects,
    propose,
    view,
)
from workhall.core import clock

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)
DETAILS = {
    "windows": {"24m": "93.10", "12m": "95.00", "6m": None, "3m": None, "trending": None},
    "top_rated": criteria(
        ("jss", "Job Success Score at least 90", True, 95),
        ("identity", "Identity verified", False, False),
    ),
    "plus": criteria(("large_client", "A client who paid $5,000 in 365 days", False, 120_000)),
    "rising_talent": [],
    "at_risk_reasons": [],
    "recommend": {"count": 3, "would_recommend": 2, "share": "66.67"},
}


@pytest.fixture
def busy(db, settings):
    """A freelancer with evaluations, a payment, feedback, a proposal viewed and a boost."""
    clock.set_now(NOW - timedelta(days=5))
    f = make_freelancer(db, settings, name="Busy Bee")
    give_connects(db, settings, f, 30, "test:web")
    c = make_client(db, settings)
    contract = contract_paid(
        db,
        settings,
        c,
        f,
        [(datetime(2026, 5, 3, tzinfo=UTC), 123_400)],
        ended_at=NOW - timedelta(days=20),
    )
    client_feedback(db, contract, (5, 5, 5, 5, 5, 4), NOW - timedelta(days=10))
    proposal, client = propose(db, settings, f, NOW - timedelta(days=3), boost=1)
    view(db, settings, proposal, client, NOW - timedelta(days=2))
    evaluation(
        db, f, datetime(2026, 6, 1, tzinfo=UTC), jss=93, level="top_rated", eligible_weeks=14
    )
    evaluation(
        db,
        f,
        datetime(2026, 6, 15, tzinfo=UTC),
        jss=95,
        level="top_rated",
        eligible_weeks=15,
        details=DETAILS,
    )
    clock.set_now(NOW)
    return f


# --- the JSON endpoint -------------------------------------------------------------------------


def test_api_returns_the_callers_stats(client, db, settings, busy):
    r = client.get("/api/v1/me/stats", headers=api_headers(db, settings, busy))
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {
        "generated_at",
        "jss",
        "badges",
        "earnings",
        "funnel",
        "connects",
        "feedback",
    }
    assert body["jss"]["jss"] == 95
    assert [p["jss"] for p in body["jss"]["trend"]] == [93, 95]
    assert body["badges"]["eligible_weeks"] == 15 and body["badges"]["weeks_considered"] == 16
    assert body["badges"]["next_evaluation_at"].startswith("2026-07-01T00:00:00")
    assert [c["met"] for c in body["badges"]["top_rated"]] == [True, False]
    assert body["earnings"]["total_cents"] == 123_400
    assert {m["month"]: m["cents"] for m in body["earnings"]["months"]}["2026-05"] == 123_400
    assert body["earnings"]["recommend"] == {
        "private_scores": 3,
        "would_recommend": 2,
        "share": 66.7,
    }
    assert [s["count"] for s in body["funnel"]["stages"]] == [1, 1, 0, 0]
    assert (
        body["connects"]["boosts"]["boosted"] == 1
        and body["connects"]["boosts"]["connects_spent"] == 1
    )
    assert body["feedback"]["count"] == 1 and body["feedback"]["average"] == "4.83"


def test_api_is_documented_with_its_response_schema(client, db):
    doc = client.get("/api/v1/openapi.json").json()
    op = doc["paths"]["/api/v1/me/stats"]["get"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/StatsOut"
    )
    assert {"401", "403"} <= set(op["responses"])
    assert "funnel" in doc["components"]["schemas"]["StatsOut"]["properties"]


def test_api_gives_each_freelancer_only_their_own(client, db, settings, busy):
    other = make_freelancer(db, settings)
    clock.set_now(NOW)
    body = client.get("/api/v1/me/stats", headers=api_headers(db, settings, other)).json()
    assert body["jss"]["jss"] is None and body["earnings"]["total_cents"] == 0
    assert body["feedback"]["count"] == 0 and body["badges"]["top_rated"] == []
    assert body["earnings"]["recommend"] is None


def test_api_refuses_anonymous_clients_and_staff(client, db, settings):
    clock.set_now(NOW)
    problem(client.get("/api/v1/me/stats"), 401)
    problem(
        client.get(
            "/api/v1/me/stats", headers=api_headers(db, settings, make_client(db, settings))
        ),
        403,
    )
    staff = make_user(db, settings, "staff", staff_roles="support")
    problem(client.get("/api/v1/me/stats", headers=api_headers(db, settings, staff)), 403)


# --- the page ----------------------------------------------------------------------------------


def well_formed(html: str) -> None:
    """No inline script (the CSP forbids them): scripts load from files; data rides in JSON
    blocks the browser does not run."""
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def _chart_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="stats-data">(.*?)</script>', html, re.S)
    assert found, "the page carries its chart data"
    return json.loads(found.group(1))


def test_page_shows_the_numbers_and_the_chart_data(client, db, settings, busy):
    sign_in(client, db, settings, busy)
    r = client.get("/stats")
    assert r.status_code == 200
    html = r.text
    well_formed(html)
    assert 'id="stat-jss">95%' in html
    assert "$1,234.00" in html
    assert "15/16" in html
    assert "66.7% of 3" in html
    for canvas in (
        "chart-jss",
        "chart-earnings",
        "chart-funnel",
        "chart-connects",
        "chart-feedback",
    ):
        assert f'id="{canvas}"' in html
    assert '<script src="/static/js/stats.js" defer></script>' in html
    api = client.get("/api/v1/me/stats", headers=api_headers(db, settings, busy)).json()
    data = _chart_data(html)
    assert (
        data["earnings"] == api["earnings"] and data["funnel"]["stages"] == api["funnel"]["stages"]
    )


def test_page_shows_criterion_values_with_their_units(client, db, settings, busy):
    """Stored values are cents, ISO days and codes: the page shows dollars, % and words."""
    sign_in(client, db, settings, busy)
    html = client.get("/stats").text
    assert 'id="badges-as-of"' in html and "As of the Jun 15, 2026 evaluation" in html
    plus = html.split('id="plus-criteria"', 1)[1].split("</ul>", 1)[0]
    assert "$1,200.00" in plus and "120000" not in plus
    top = html.split('id="top-rated-criteria"', 1)[1].split("</ul>", 1)[0]
    assert ">95%<" in top and ">No<" in top


def test_page_has_no_empty_jss_chart_before_a_first_score(client, db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    evaluation(db, f, datetime(2026, 6, 1, tzinfo=UTC))
    evaluation(db, f, datetime(2026, 6, 15, tzinfo=UTC))
    sign_in(client, db, settings, f)
    html = client.get("/stats").text
    assert 'id="jss-empty"' in html and 'id="chart-jss"' not in html


def test_page_empty_states(client, db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    sign_in(client, db, settings, f)
    r = client.get("/stats")
    assert r.status_code == 200
    well_formed(r.text)
    for empty in (
        "jss-empty",
        "badges-empty",
        "earnings-empty",
        "feedback-empty",
        "funnel-empty",
        "boost-empty",
    ):
        assert f'id="{empty}"' in r.text, empty
    assert "Not yet" in r.text and "Shown from 3 private answers" in r.text
    assert 'id="chart-earnings"' not in r.text


def test_page_hides_the_recommend_share_below_three_answers(client, db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    evaluation(
        db,
        f,
        datetime(2026, 6, 15, tzinfo=UTC),
        details={"recommend": {"count": 2, "would_recommend": 2, "share": "100.00"}},
    )
    sign_in(client, db, settings, f)
    html = client.get("/stats").text
    assert "Shown from 3 private answers" in html and "100.0%" not in html


def test_page_at_risk_reasons(client, db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    evaluation(
        db,
        f,
        datetime(2026, 6, 15, tzinfo=UTC),
        jss=85,
        level="top_rated",
        at_risk=True,
        details={
            "at_risk_reasons": ["Job Success Score at least 90"],
            "top_rated": criteria(("jss", "Job Success Score at least 90", False, 85)),
        },
    )
    sign_in(client, db, settings, f)
    html = client.get("/stats").text
    assert 'id="at-risk"' in html and "Job Success Score at least 90" in html


@pytest.mark.parametrize("path", ["/stats", "/stats/jss"])
def test_pages_refuse_anonymous_clients_and_staff(client, db, settings, path):
    clock.set_now(NOW)
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    sign_in(client, db, settings, make_client(db, settings))
    assert client.get(path).status_code == 403
    sign_in(client, db, settings, make_user(db, settings, "staff", staff_roles="admin"))
    assert client.get(path).status_code == 403


# --- the Top Rated page ------------------------------------------------------------------------


def test_top_rated_page_explains_the_programs_to_anyone(client, db):
    clock.set_now(NOW)
    r = client.get("/top-rated")
    assert r.status_code == 200
    assert "What the badge gives you" in r.text and "Rising Talent" in r.text
    assert 'id="my-status"' not in r.text
    assert "July 01, 2026" in r.text  # the next evaluation


def test_top_rated_page_shows_the_freelancers_status(client, db, settings, busy):
    sign_in(client, db, settings, busy)
    html = client.get("/top-rated").text
    assert 'id="my-status"' in html and "Job Success Score <strong>95%" in html
    assert "eligible weeks 15/16" in html and "Identity verified" in html


def test_top_rated_page_gives_a_client_no_links_to_freelancer_pages(client, db, settings):
    clock.set_now(NOW)
    sign_in(client, db, settings, make_client(db, settings))
    html = client.get("/top-rated").text
    assert 'id="client-note"' in html and 'href="/talent"' in html
    for path in ("/rising-talent", "/community", "/workshops", "/resources"):
        assert f'href="{path}"' not in html, path


def test_top_rated_page_before_any_evaluation(client, db, settings):
    clock.set_now(NOW)
    sign_in(client, db, settings, make_freelancer(db, settings))
    html = client.get("/top-rated").text
    assert 'id="status-empty"' in html
