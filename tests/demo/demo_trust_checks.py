"""The demo shows trust & safety and the Top Rated benefits with real data (demo/trust.py):
conduct cases open, overdue and contacted; identity submissions in review, rejected and
approved; a hold now and one lifted; support tickets including the priority queue; the
community's categories, threads, guides and an upcoming workshop. The ledger balances and the
staff logins work."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import func, select

from workhall.accounts.models import AccountHold, User
from workhall.accounts.second_factor import needs_second_factor
from workhall.accounts.service import authenticate
from workhall.community.models import (
    ForumCategory,
    ForumPost,
    ForumThread,
    Guide,
    Workshop,
    WorkshopRegistration,
)
from workhall.conduct.models import ConductCase
from workhall.conduct.queries import contracts_considered
from workhall.core.clock import utcnow
from workhall.demo.generator import DEMO_PASSWORD
from workhall.identity.models import IdentitySubmission
from workhall.ledger.service import ledger_problems
from workhall.payments.models import Payment
from workhall.reputation.queries import is_top_rated
from workhall.support.models import SupportTicket


def _count(session, model, *where):  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model).where(*where))


def check_trust_and_safety(database, printed, settings):  # type: ignore[no-untyped-def]
    """Run by tests/demo/test_demo.py on its demo (one demo per database for the suite)."""
    assert "support@example.com" in printed and "trustsafety@example.com" in printed
    with database.unit_of_work() as s:
        assert ledger_problems(s) == []

        # Conduct: flagged at past evaluation instants through the evaluation; one contacted.
        cases = s.scalars(select(ConductCase).order_by(ConductCase.opened_at)).all()
        by_status = {c.status for c in cases}
        assert {"open", "contacted"} <= by_status
        overdue = [
            c
            for c in cases
            if c.status == "open"
            and c.opened_at < utcnow() - timedelta(days=settings.conduct_overdue_days)
        ]
        assert overdue
        contacted = next(c for c in cases if c.status == "contacted")
        assert contacted.contact_message and contacted.contacted_by_id is not None
        assert all(c.ended_count >= 5 and c.poor_share is not None for c in cases)
        assert all(c.poor_share >= 40 for c in cases if c.poor_share is not None)
        contacted_email = s.scalar(select(User.email).where(User.id == contacted.client_id))
        assert contacted_email in printed
        # The case page lists the contracts the stored signals counted, no more (no track
        # record's contract lands on a flagged client after the flag).
        for c in cases:
            assert len(contracts_considered(s, settings, c)) == c.ended_count, c.id
        # Released money past its hold is available, as the worker would have made it (an hour
        # of margin: the demo's "now" is when it started).
        due = utcnow() - timedelta(hours=1)
        unmatured = _count(
            s, Payment, Payment.available_txn_id.is_(None), Payment.available_at <= due
        )
        assert unmatured == 0

        # Identity: the demo freelancer approved; others in review; one rejected with a reason.
        login = s.scalar(select(User).where(User.email == "freelancer@example.com"))
        assert login is not None and login.identity_verified_at is not None
        approved = s.scalar(
            select(IdentitySubmission).where(
                IdentitySubmission.user_id == login.id, IdentitySubmission.status == "approved"
            )
        )
        assert approved is not None and approved.decided_by_id is not None
        # decided long ago: its documents are gone, the decision stays
        assert approved.documents_deleted_at is not None and approved.document_file is None
        assert _count(s, IdentitySubmission, IdentitySubmission.status == "pending") == 3
        rejected = s.scalars(
            select(IdentitySubmission).where(IdentitySubmission.status == "rejected")
        ).all()
        assert len(rejected) == 1 and rejected[0].rejection_reason
        assert rejected[0].document_file is not None  # still within the retention period

        # Holds: one open now (account on hold), one lifted.
        holds = s.scalars(select(AccountHold)).all()
        open_holds = [h for h in holds if h.ends_at is None]
        lifted = [h for h in holds if h.ends_at is not None and h.lifted_by_id is not None]
        assert len(open_holds) == 1 and open_holds[0].reason
        assert len(lifted) == 1 and lifted[0].lift_reason
        held = s.get(User, open_holds[0].user_id)
        assert held is not None and held.status == "on_hold"

        # Support: a priority ticket from a Top Rated freelancer, an overdue one, an answered one.
        tickets = s.scalars(select(SupportTicket)).all()
        priority = [t for t in tickets if t.priority == "priority"]
        assert priority and all(is_top_rated(s, t.user_id) for t in priority)
        assert any(
            t.status == "open"
            and t.priority == "standard"
            and t.response_due_at is not None
            and t.response_due_at < utcnow()
            for t in tickets
        )
        assert any(t.status == "answered" and t.first_response_at for t in tickets)

        # Community: default categories and guides, threads with replies, a workshop.
        assert _count(s, ForumCategory) >= 5 and _count(s, Guide) >= 1
        assert _count(s, ForumThread) == 2
        assert _count(s, ForumPost) > _count(s, ForumThread)  # replies
        authors = set(s.scalars(select(ForumPost.author_id)))
        assert any(is_top_rated(s, a) for a in authors)
        workshop = s.scalar(select(Workshop))
        assert workshop is not None and workshop.starts_at > utcnow()
        assert _count(s, WorkshopRegistration, WorkshopRegistration.status == "registered") >= 1

        # The staff logins work; staff sign in with a second factor.
        for email, role in (
            ("support@example.com", "support"),
            ("trustsafety@example.com", "trust_safety"),
            ("admin@example.com", "admin"),
        ):
            user = authenticate(s, settings, email, DEMO_PASSWORD, "127.0.0.1")
            assert user.is_staff and user.has_staff_role(role) and needs_second_factor(user)

    _pages_show_the_data(database, settings, contacted_email)


def _pages_show_the_data(database, settings, contacted_email):  # type: ignore[no-untyped-def]
    """The staff screens and the Top Rated pages render the demo's data (signed in as each)."""
    from fastapi.testclient import TestClient

    from workhall.accounts.service import create_web_session
    from workhall.app import create_app
    from workhall.core.web import SESSION_COOKIE

    def as_user(client: TestClient, email: str) -> None:
        with database.unit_of_work() as s:
            user = s.scalar(select(User).where(User.email == email))
            assert user is not None
            token, _ = create_web_session(s, settings, user, "testclient", "pytest")
        client.cookies.set(SESSION_COOKIE, token)

    app = create_app(settings=settings, database=database)
    with TestClient(app, raise_server_exceptions=False) as client:
        as_user(client, "trustsafety@example.com")
        page = client.get("/staff/conduct")
        assert page.status_code == 200
        with database.unit_of_work() as s:
            name = s.scalar(select(User.name).where(User.email == contacted_email))
        assert name and html.escape(name) in page.text
        with database.unit_of_work() as s:
            case_id = s.scalar(select(ConductCase.id).where(ConductCase.status == "contacted"))
        assert client.get(f"/staff/conduct/{case_id}").status_code == 200
        assert client.get("/staff/identity").status_code == 200
        as_user(client, "support@example.com")
        page = client.get("/staff/support")
        assert page.status_code == 200 and "withdrawal" in page.text.lower()
        as_user(client, "freelancer@example.com")
        for path in ("/community", "/workshops", "/resources", "/support"):
            assert client.get(path).status_code == 200, path
        page = client.get("/community")
        assert "Winning work" in page.text
        assert "Pricing fixed-price projects" in client.get("/workshops").text
        as_user(client, contacted_email)
        page = client.get("/account/standing")
        assert page.status_code == 200 and "scope" in page.text
