"""The authorization matrix (trust.md §3, quality.md §2): every API endpoint that names an
object is tried as its owner, as another user of the same role, as a user of the other role,
as anonymous and as each staff role.

The world holds one object of every kind (jobs, proposals, offers, contracts, milestones,
hourly entries and invoices, escrow returns, disputes, feedback, threads, invitations, payout
methods, portfolio items, support tickets …), each built through the services.
Endpoints come from the OpenAPI document, so a new endpoint is covered the day it appears;
a path parameter the matrix does not know fails the test until its owner rule is added below.

Expectations:
- anonymous → 401;
- a party to the object → a read answers 200;
- anyone else → a read is 403 or 404; a write is refused with a 4xx and changes nothing in
  the database (compared row by row before and after) — except staff roles the product lets
  act on the object (``STAFF``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

import workhall.models
from tests.factories import api_headers, make_user
from workhall.accounts.models import PortfolioItem, User
from workhall.contracts.models import Contract, EscrowReturn, Milestone, Offer
from workhall.disputes.models import Dispute
from workhall.feedback.models import Feedback
from workhall.jobs.models import Job
from workhall.messages.models import ThreadMember
from workhall.payments.models import PayoutMethod
from workhall.proposals.models import Invitation, Proposal
from workhall.timesheets.models import HourlyInvoice, TimeEntry

Parties = Callable[[Session, Any], set[int]]


def _contract_parties(session: Session, contract_id: int) -> set[int]:
    c = session.get(Contract, contract_id)
    assert c is not None
    return {c.client_id, c.freelancer_id}


def _thread_parties(session: Session, thread_id: int) -> set[int]:
    return set(
        session.scalars(select(ThreadMember.user_id).where(ThreadMember.thread_id == thread_id))
    )


# path parameter → (model, who the object belongs to)
OWNERS: dict[str, tuple[type, Parties]] = {
    "job_id": (Job, lambda s, o: {o.client_id}),
    "proposal_id": (Proposal, lambda s, o: {o.freelancer_id, s.get(Job, o.job_id).client_id}),
    "offer_id": (Offer, lambda s, o: {o.client_id, o.freelancer_id}),
    "contract_id": (Contract, lambda s, o: {o.client_id, o.freelancer_id}),
    "milestone_id": (Milestone, lambda s, o: _contract_parties(s, o.contract_id)),
    "dispute_id": (Dispute, lambda s, o: {o.client_id, o.freelancer_id}),
    "request_id": (EscrowReturn, lambda s, o: {o.client_id, o.freelancer_id}),
    "feedback_id": (Feedback, lambda s, o: {o.author_id, o.recipient_id}),
    "invitation_id": (Invitation, lambda s, o: {o.client_id, o.freelancer_id}),
    "invoice_id": (HourlyInvoice, lambda s, o: _contract_parties(s, o.contract_id)),
    "entry_id": (TimeEntry, lambda s, o: _contract_parties(s, o.contract_id)),
    "method_id": (PayoutMethod, lambda s, o: {o.user_id}),
    "item_id": (PortfolioItem, lambda s, o: {o.user_id}),
}
SPECIAL = {"thread_id"}  # a thread belongs to its members (resolved in ``_resolve``)
OPTIONAL_OWNERS: dict[str, tuple[str, str, str]] = {
    # parameters of features that bring their own tables: module, model, owner column
    "ticket_id": ("workhall.support.models", "SupportTicket", "user_id"),
}
PUBLIC_PARAMS = {"handle"}  # public profiles: anyone signed in (or not) may read them
# Operations on an object that others than its parties may use by design.
OPEN: dict[tuple[str, str], str] = {
    ("get", "/api/v1/jobs/{job_id}"): "a public job is readable by anyone (marketplace.md §2)",
    ("post", "/api/v1/jobs/{job_id}/reports"): "anyone signed in can report a job (§2)",
    ("post", "/api/v1/jobs/{job_id}/proposals"): "any freelancer may propose to a public job (§3)",
}
MODERATORS = {"trust_safety", "admin"}
# (method, path) → staff roles the product lets act on another user's object
STAFF: dict[tuple[str, str], set[str]] = {
    ("post", "/api/v1/jobs/{job_id}/remove"): MODERATORS,
    ("post", "/api/v1/disputes/{dispute_id}/decide"): MODERATORS,
    ("post", "/api/v1/disputes/{dispute_id}/messages"): MODERATORS,
    ("get", "/api/v1/support/tickets/{ticket_id}"): {"support", "admin"},
    ("post", "/api/v1/support/tickets/{ticket_id}/messages"): {"support", "admin"},
}


def _staff_allowed(method: str, path: str) -> set[str]:
    """Explicit grants, else: moderators read what a dispute or a report may need — contracts
    and everything under them, offers, threads, disputes (trust.md §1, marketplace.md §6)."""
    if (method, path) in STAFF:
        return STAFF[(method, path)]
    if method == "get" and re.match(r"/api/v1/(contracts|offers|threads|disputes)/", path):
        return MODERATORS
    return set()


# Tables a refused request may legitimately touch: the caller's own token bookkeeping.
UNWATCHED = {"api_tokens", "web_sessions", "login_attempts"}


def _snapshot(session: Session) -> dict[str, str]:
    out = {}
    for table in workhall.models.metadata.sorted_tables:
        if table.name in UNWATCHED:
            continue
        rows = session.execute(text(f'SELECT * FROM "{table.name}"')).all()
        digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
        out[table.name] = f"{len(rows)}:{digest}"
    return out


def _example(schema: dict[str, Any], doc: dict[str, Any]) -> Any:
    """A small valid value for a JSON schema: enough for the request to reach authorization."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _example(doc["components"]["schemas"][name], doc)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"]
            return _example(options[0], doc) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _example(props[name], doc) for name in schema.get("required", [])}
    if kind == "array":
        return [_example(schema.get("items", {}), doc)] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(schema.get("minimum", 100), min(100, schema.get("maximum", 100)))
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2030-01-01T00:00:00Z"
        if schema.get("format") == "date":
            return "2030-01-01"
        size = max(schema.get("minLength", 0), min(40, schema.get("maxLength", 40)))
        return ("Authorization matrix text " * 8)[:size]
    return None


def _body(op: dict[str, Any], doc: dict[str, Any]) -> Any:
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return _example(content["application/json"]["schema"], doc)


def _parties(session: Session, name: str, value: int) -> set[int]:
    if name == "thread_id":
        return _thread_parties(session, value)
    if name in OWNERS:
        model, parties = OWNERS[name]
        return parties(session, session.get(model, value))
    import importlib

    module, model_name, column = OPTIONAL_OWNERS[name]
    obj = session.get(getattr(importlib.import_module(module), model_name), value)
    return {getattr(obj, column)}


def _build_world(s: Session, settings) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """One object of every kind, each built through the services, between a client and a
    freelancer; returns the path parameter → id to try. ``hourly_contract_id`` is used on the
    hourly routes of a contract."""
    from datetime import timedelta

    from tests.contracts.conftest import T0, hire, make_world
    from tests.disputes.conftest import file_on_milestone, sent_back_twice
    from tests.timesheets.conftest import START, hire_hourly
    from workhall.accounts import profiles
    from workhall.contracts import returns
    from workhall.contracts import service as contracts
    from workhall.core import clock
    from workhall.feedback.service import FeedbackDraft, leave_feedback
    from workhall.messages.service import open_proposal_thread
    from workhall.payments import payouts
    from workhall.proposals import service as proposals
    from workhall.timesheets import invoicing
    from workhall.timesheets.service import log_time

    clock.set_now(T0)
    w = make_world(s, settings)
    case = sent_back_twice(s, settings, w)
    dispute = file_on_milestone(s, settings, case)
    # an ended contract with escrow asked back, and feedback from both sides
    w2 = make_world(s, settings)
    ended, ms = hire(s, settings, w2, 10_000, 20_000)
    for m in ms:
        contracts.fund_milestone(s, settings, w2.client, m.id)
    contracts.submit_work(s, settings, w2.freelancer, ms[1].id, "Part two is done.")
    contracts.end_contract(s, settings, w2.client, ended.id, "Going another way.")
    request = returns.request_escrow_return(s, settings, w2.client, ended.id, "Please.")
    feedback = leave_feedback(
        s,
        settings,
        w2.client,
        ended.id,
        FeedbackDraft(
            scores=dict.fromkeys(
                ("skills", "quality", "availability", "deadlines", "communication", "cooperation"),
                5,
            ),
            comment="Good work.",
            likelihood=9,
            ending_reason="completed",
        ),
    )
    thread = open_proposal_thread(s, w.client, w.proposal.id)
    w3 = make_world(s, settings)
    invitation = proposals.invite_freelancer(
        s, settings, w3.client, w3.job.id, w.freelancer.id, "Join us?"
    )
    method = payouts.add_payout_method(
        s, settings, w.freelancer, payouts.bank_account("Ada", iban="DE89370400440532013000")
    )
    item = profiles.add_portfolio_item(
        s, settings, w.freelancer, title="Booking app", description="A booking app.", url=None
    )
    hourly = hire_hourly(s, settings, at=START)
    entry = log_time(
        s,
        settings,
        hourly.freelancer,
        hourly.contract.id,
        work_date=START.date(),
        minutes=120,
        memo="Set up the project.",
    )
    log_time(
        s,
        settings,
        hourly.freelancer,
        hourly.contract.id,
        work_date=START.date(),
        minutes=60,
        memo="More work.",
    )
    clock.set_now(START + timedelta(days=7, hours=1))
    invoicing.invoice_due_weeks(s, settings)
    invoice = s.scalars(
        select(HourlyInvoice).where(HourlyInvoice.contract_id == hourly.contract.id)
    ).first()
    assert invoice is not None
    s.flush()
    ids = {
        "job_id": w.job.id,
        "proposal_id": w.proposal.id,
        "offer_id": case.contract.offer_id,
        "contract_id": case.contract.id,
        "hourly_contract_id": hourly.contract.id,
        "milestone_id": case.milestone.id,
        "dispute_id": dispute.id,
        "request_id": request.id,
        "feedback_id": feedback.id,
        "invitation_id": invitation.id,
        "invoice_id": invoice.id,
        "entry_id": entry.id,
        "method_id": method.id,
        "item_id": item.id,
        "thread_id": thread.id,
    }
    ids.update(_optional_objects(s, settings, w))
    clock.set_now(None)
    return ids


def _optional_objects(s: Session, settings, w) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Objects of features that may add their own tables (support tickets …)."""
    found: dict[str, int] = {}
    try:
        from workhall.support import service as support
    except ImportError:
        return found
    opener = getattr(support, "open_ticket", None)
    if opener is not None:
        ticket = opener(
            s,
            settings,
            w.freelancer,
            subject="Payout question",
            category="payments",
            body="When does my payment become available?",
        )
        found["ticket_id"] = ticket.id
    return found


def test_every_object_endpoint_refuses_everyone_but_its_parties(committed_db, settings):
    from workhall.app import create_app

    demo_world = committed_db
    with demo_world.unit_of_work() as s:
        ids = _build_world(s, settings)
    app = create_app(settings=settings, database=demo_world)
    client = TestClient(app, raise_server_exceptions=False)
    doc = client.get("/api/v1/openapi.json").json()
    with demo_world.unit_of_work() as s:
        staff = {
            role: make_user(
                s, settings, "staff", staff_roles=role, email=f"matrix-{role}@example.com"
            )
            for role in ("support", "trust_safety", "admin")
        }
        users = {u.id: u for u in s.scalars(select(User).where(User.role != "staff"))}
        headers = {uid: api_headers(s, settings, u) for uid, u in users.items()}
        staff_headers = {role: api_headers(s, settings, u) for role, u in staff.items()}
        roles = {uid: u.role for uid, u in users.items()}

    problems: list[str] = []
    writes: list[tuple[str, str, dict[str, str], Any]] = []
    covered = 0
    for path, ops in doc["paths"].items():
        names = re.findall(r"\{([^}]+)\}", path)
        if not names or set(names) <= PUBLIC_PARAMS:
            continue
        unknown = [n for n in names if n not in OWNERS | OPTIONAL_OWNERS and n not in SPECIAL]
        if unknown:
            problems.append(f"{path}: no owner rule for {unknown} — add it to OWNERS")
            continue
        missing = [n for n in names if n not in ids]
        if missing:
            problems.append(f"{path}: the world has no object for {missing} — build one")
            continue
        url = path
        parties: set[int] = set()
        with demo_world.unit_of_work(write=False) as s:
            for name in names:
                hourly = name == "contract_id" and re.search(r"/(time-entries|invoices)$", path)
                value = ids["hourly_contract_id" if hourly else name]
                url = url.replace("{" + name + "}", str(value))
                parties |= _parties(s, name, value)
        party_roles = {roles[p] for p in parties if p in roles}
        strangers = {}
        for role in ("freelancer", "client"):
            other = next((uid for uid in users if roles[uid] == role and uid not in parties), None)
            if other is not None:
                strangers[f"another {role}" if role in party_roles else f"a {role}"] = headers[
                    other
                ]
        for method, op in ops.items():
            covered += 1
            body = _body(op, doc)
            label = f"{method.upper()} {path}"
            if (method, path) in OPEN:
                continue
            anon = client.request(method.upper(), url, json=body)
            if anon.status_code != 401:
                problems.append(f"{label} as anonymous: {anon.status_code}")
            outsiders = dict(strangers)
            for role, h in staff_headers.items():
                if role not in _staff_allowed(method, path):
                    outsiders[f"staff {role}"] = h
            if method == "get":
                statuses = [
                    client.get(url, headers=headers[p]).status_code for p in parties if p in headers
                ]
                if 200 not in statuses:
                    problems.append(f"{label} as a party: {statuses}, expected a 200")
                for who, h in outsiders.items():
                    r = client.get(url, headers=h)
                    if r.status_code not in (403, 404):
                        problems.append(f"{label} as {who}: {r.status_code} {r.text[:120]}")
            else:
                for who, h in outsiders.items():
                    writes.append((f"{label} as {who}", url, h, body))

    with demo_world.unit_of_work(write=False) as s:
        before = _snapshot(s)
    for label, url, h, body in writes:
        method = label.split(" ", 1)[0]
        r = client.request(method, url, headers=h, json=body)
        if not 400 <= r.status_code < 500:
            problems.append(f"{label}: {r.status_code} {r.text[:120]}")
    with demo_world.unit_of_work(write=False) as s:
        after = _snapshot(s)
    changed = [t for t in before if before[t] != after.get(t)]
    if changed:
        problems.append(f"refused writes changed tables: {changed}")
    assert covered > 40
    assert not problems, "\n".join(problems)
