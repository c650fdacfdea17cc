"""Every page route, tried anonymously (trust.md §3): private pages send the visitor to sign
in, forms refuse to write, and only the public pages listed here answer with content."""

from __future__ import annotations

import importlib
import re

from fastapi.routing import APIRoute

from workhall.app import PAGE_ROUTERS

# Pages anyone may open without signing in.
PUBLIC_PAGES = {
    "/",
    "/jobs",
    "/jobs/{job_id}",
    "/u/{handle}",
    "/u/{handle}/reviews",
    "/top-rated",
    "/login",
    "/signup",
    "/forgot-password",
    "/reset-password",
    "/verify-email",
    "/photos/{name}",
    "/dev/mail",
    "/dev/sms",
    "/healthz",
    "/api/v1/docs",
    "/api/v1/redoc",
}


def _page_routes(app):  # type: ignore[no-untyped-def]
    for name in PAGE_ROUTERS:
        for route in importlib.import_module(name).router.routes:
            if isinstance(route, APIRoute):
                yield route


def test_private_pages_send_anonymous_visitors_to_sign_in(app, client, db):
    private = 0
    problems = []
    for route in _page_routes(app):
        if "GET" not in route.methods or route.path in PUBLIC_PAGES:
            continue
        url = re.sub(r"\{[^}]+\}", "1", route.path)
        r = client.get(url, follow_redirects=False)
        private += 1
        if r.status_code in (401, 403, 404) or (r.status_code == 200 and not r.text.strip()):
            continue  # refused outright (staff areas, Top Rated areas), or an empty htmx badge
        if r.status_code not in (303, 307) or not r.headers["location"].startswith("/login"):
            problems.append((route.path, r.status_code, r.headers.get("location")))
    assert private > 25
    assert not problems


def test_forms_refuse_anonymous_posts(app, client, db):
    for route in _page_routes(app):
        if "POST" not in route.methods:
            continue
        url = re.sub(r"\{[^}]+\}", "1", route.path)
        r = client.post(url, data={"x": "1"}, follow_redirects=False)
        assert r.status_code not in (200, 201, 204) and r.status_code < 500, (
            route.path,
            r.status_code,
        )
