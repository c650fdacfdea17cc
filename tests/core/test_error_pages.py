"""An error on a page of a signed-in user renders the error page (never a 500), with the real
unit of work (not the test savepoint session), as in production."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import make_freelancer, sign_in_browser
from workhall.app import create_app


def test_signed_in_404_page_with_real_units_of_work(settings, committed_db):
    app = create_app(settings=settings, database=committed_db)
    with committed_db.unit_of_work() as s:
        user = make_freelancer(s, settings)
        s.flush()
        user_id = user.id
    with (
        TestClient(app, raise_server_exceptions=False) as browser,
        committed_db.unit_of_work() as s,
    ):
        from workhall.accounts.models import User

        sign_in_browser(browser, s, settings, s.get(User, user_id))
        s.commit()
        r = browser.get("/jobs/999999")
        assert r.status_code == 404
        assert "Not found" in r.text or "not found" in r.text.lower()
