"""``reputation.importer``: a history becomes ordinary records, all or nothing (interfaces §3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import api_headers, make_user, sign_in_browser
from tests.reputation.test_history_parse import BAD, with_line, worked_example
from workhall.accounts.models import AccountHold, AccountStatusChange, User
from workhall.conduct.models import ClientStatusChange
from workhall.contracts.models import Contract, Offer
from workhall.core import clock
from workhall.core.security import verify_password
from workhall.core.settings import Settings
from workhall.disputes.models import Dispute
from workhall.feedback.models import Feedback, FeedbackPrivate, FeedbackRevision
from workhall.jobs.models import Job
from workhall.ledger.models import LedgerEntry
from workhall.ledger.rules import SLIDING_2016, service_fee
from workhall.ledger.service import ledger_problems, user_balances
from workhall.payments.models import Payment
from workhall.proposals.models import Proposal
from workhall.reputation.history import AMOUNT_MAX_CENTS, HistoryError, parse_history, to_facts
from workhall.reputation.importer import ImportResult, flat_fee, import_history
from workhall.reputation.loader import clients_of, load_client_statuses, load_histories
from workhall.reputation.models import ProfileCompletenessRecord, ReadinessAttempt
from workhall.reputation.rules import compute_jss
from workhall.reputation.synthetic import END, generate

NOW = datetime(2026, 6, 1, tzinfo=UTC)
COUNTED = (User, Contract, Payment, LedgerEntry, Feedback, Job, Proposal, AccountHold)


def line(line_type: str, /, **fields: object) -> str:
    return json.dumps({"type": line_type, **fields})


def counts(db: Session) -> dict[str, int]:
    return {m.__tablename__: db.scalar(select(func.count()).select_from(m)) or 0 for m in COUNTED}


def run_import(db: Session, settings: Settings, lines: list[str]) -> ImportResult:
    """What the command does: validate everything, then write in one transaction (here a
    savepoint, rolled back when the import fails)."""
    history = parse_history(lines)
    with db.begin_nested():
        return import_history(db, settings, history)


@pytest.fixture
def now():
    with clock.frozen_at(NOW):
        yield NOW


def small_history() -> list[str]:
    u = "2025-01-01T00:00:00Z"
    return [
        line("user", id="fia", role="freelancer", name="Fia Novak", country="DE", created_at=u),
        line("user", id="hal", role="freelancer", name="Hal Kim", country="us", created_at=u),
        line("user", id="cleo", role="client", name="Cleo Rossi", country="IT", created_at=u),
        line("user", id="bart", role="client", name="Bart Diaz", country="ES", created_at=u),
        line("profile", user="fia", at="2025-01-02T00:00:00Z", completeness=100),
        line("verification", user="fia", kind="phone", at="2025-01-03T00:00:00Z"),
        line("verification", user="fia", kind="identity", at="2025-01-04T00:00:00Z"),
        line("readiness_test", user="fia", at="2025-01-05T00:00:00Z", passed=True),
        line("hold", user="hal", **{"from": "2026-05-01T00:00:00Z"}, until=None),
        line("hold", user="hal", **{"from": "2025-03-01T00:00:00Z"}, until="2025-03-10T00:00:00Z"),
        line("client_status", user="bart", at="2026-03-01T00:00:00Z", status="restricted"),
        line("client_status", user="bart", at="2026-04-01T00:00:00Z", status="banned"),
        # An ended fixed-price contract: two payments, feedback both ways, a revised record.
        line("contract", id="k1", client="cleo", freelancer="fia", kind="fixed",
             started_at="2025-02-01T00:00:00Z", ended_at="2025-04-01T00:00:00Z"),
        line("payment", contract="k1", at="2025-02-15T00:00:00Z", amount_cents=30_000),
        line("payment", contract="k1", at="2025-04-20T00:00:00Z", amount_cents=20_000),
        line("feedback", contract="k1", **{"from": "client"}, at="2025-04-02T00:00:00Z",
             public_score=3.5, private_score=6),
        line("feedback", contract="k1", **{"from": "client"}, at="2025-04-05T00:00:00Z",
             public_score=4.8, private_score=9),
        line("feedback", contract="k1", **{"from": "freelancer"}, at="2025-04-03T00:00:00Z",
             public_score=5, private_score=None),
        # An ongoing hourly contract, paid recently (still pending) and earlier (available).
        line("contract", id="k2", client="cleo", freelancer="fia", kind="hourly",
             started_at="2026-01-01T00:00:00Z", ended_at=None),
        line("payment", contract="k2", at="2026-02-01T00:00:00Z", amount_cents=100_000),
        line("payment", contract="k2", at="2026-05-30T00:00:00Z", amount_cents=50_000),
        # The banned client's contract, with a dispute the freelancer lost.
        line("contract", id="k3", client="bart", freelancer="hal", kind="fixed",
             started_at="2025-06-01T00:00:00Z", ended_at="2025-07-01T00:00:00Z"),
        line("payment", contract="k3", at="2025-06-20T00:00:00Z", amount_cents=5_000),
        line("dispute", contract="k3", decided_at="2025-07-10T00:00:00Z", outcome="client_won"),
        line("feedback", contract="k3", **{"from": "client"}, at="2025-07-11T00:00:00Z",
             public_score=None, private_score=2),
        line("proposal", user="fia", at="2025-01-20T00:00:00Z"),
        line("proposal", user="fia", at="2026-05-20T00:00:00Z"),
    ]  # fmt: skip


# --- bad input: refused with its line, nothing written ------------------------------------------


@pytest.mark.parametrize(("case", "text", "field", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_writes_nothing(db, settings, now, case, text, field, words) -> None:
    make_user(db, settings, "freelancer")
    before = counts(db)
    with pytest.raises(HistoryError) as caught:
        run_import(db, settings, with_line(text))
    assert (caught.value.line, caught.value.field) == (5, field)
    assert counts(db) == before


def test_a_taken_handle_is_refused_on_its_line(db, settings, now) -> None:
    make_user(db, settings, "client", handle="bart")
    before = counts(db)
    with pytest.raises(HistoryError) as caught:
        run_import(db, settings, small_history())
    assert (caught.value.line, caught.value.field) == (4, "id")
    assert "already taken" in caught.value.message
    assert counts(db) == before


def test_a_failure_late_in_the_import_undoes_everything(db, settings, now) -> None:
    # The placeholder client of imported proposals is written last; its handle is taken by
    # someone else, so the import fails after users, contracts and payments were written.
    make_user(db, settings, "client", handle="imported-history")
    before = counts(db)
    with pytest.raises(HistoryError, match="belongs to another account"):
        run_import(db, settings, small_history())
    assert counts(db) == before
    assert ledger_problems(db) == []


# --- a valid history: ordinary records the product shows ----------------------------------------


def test_a_history_imports_as_ordinary_records(db, settings, now, client) -> None:
    result = run_import(db, settings, small_history())
    assert result.records["contract"] == 3 and result.records["payment"] == 5
    users = {
        u.handle: u for u in db.scalars(select(User).where(User.email.like("%@import.invalid")))
    }
    fia, hal, cleo, bart = users["fia"], users["hal"], users["cleo"], users["bart"]
    assert fia.email == "fia@import.invalid" and fia.email_verified_at is not None
    assert not verify_password(fia.password_hash, "anything at all")  # cannot sign in
    assert hal.country == "US" and fia.freelancer_profile is not None
    assert cleo.client_profile is not None
    assert fia.phone_verified_at == datetime(2025, 1, 3, tzinfo=UTC)
    assert fia.identity_verified_at == datetime(2025, 1, 4, tzinfo=UTC)

    # The banned client is suspended, with the status history recorded.
    assert bart.status == "suspended"
    steps = db.scalars(
        select(AccountStatusChange.to_status)
        .where(AccountStatusChange.user_id == bart.id)
        .order_by(AccountStatusChange.at)
    ).all()
    assert steps == ["restricted", "suspended"]
    assert [s.status for s in db.scalars(
        select(ClientStatusChange).where(ClientStatusChange.client_id == bart.id)
        .order_by(ClientStatusChange.at)
    )] == ["restricted", "banned"]  # fmt: skip
    # Holds are recorded; the open one puts the account on hold now.
    holds = db.scalars(select(AccountHold).where(AccountHold.user_id == hal.id)).all()
    assert sorted(h.ends_at is None for h in holds) == [False, True]
    assert hal.status == "on_hold" and fia.status == "active"

    # Profile, readiness.
    assert (
        db.scalar(
            select(ProfileCompletenessRecord.completeness).where(
                ProfileCompletenessRecord.user_id == fia.id
            )
        )
        == 100
    )
    attempt = db.scalar(select(ReadinessAttempt).where(ReadinessAttempt.user_id == fia.id))
    assert attempt is not None and attempt.passed and attempt.score is None

    # Contracts behind accepted offers; the freelancer's contract list shows them.
    headers = api_headers(db, settings, fia)
    ended = client.get("/api/v1/contracts?status=ended", headers=headers).json()["items"]
    active = client.get("/api/v1/contracts?status=active", headers=headers).json()["items"]
    assert [c["title"] for c in ended] == ["Imported contract k1"]
    assert [c["title"] for c in active] == ["Imported contract k2"]
    k2 = db.scalar(select(Contract).where(Contract.title == "Imported contract k2"))
    assert k2 is not None and k2.kind == "hourly" and k2.hourly_rate_cents and k2.weekly_limit_hours
    offer = db.get(Offer, k2.offer_id)
    assert offer is not None and offer.status == "accepted" and offer.contract_id == k2.id
    # The same through the pages, signed in as the freelancer.
    sign_in_browser(client, db, settings, fia)
    page = client.get("/contracts?tab=ended")
    assert page.status_code == 200 and "Imported contract k1" in page.text
    k1 = db.scalar(select(Contract).where(Contract.title == "Imported contract k1"))
    assert k1 is not None and client.get(f"/contracts/{k1.id}").status_code == 200
    earnings = client.get("/earnings")
    assert earnings.status_code == 200 and "$300.00" in earnings.text
    proposals = client.get("/proposals?tab=archived")
    assert proposals.status_code == 200 and "Imported proposal" in proposals.text
    profile = client.get("/u/fia")
    assert profile.status_code == 200 and "Fia Novak" in profile.text

    # Payments in earnings, with the default 10% fee; the net is available after 5 days.
    paid = client.get("/api/v1/me/payments", headers=headers).json()
    assert paid["total"] == 4
    assert sorted(p["amount_cents"] for p in paid["items"]) == [20_000, 30_000, 50_000, 100_000]
    assert all(p["fee_cents"] * 10 == p["amount_cents"] for p in paid["items"])
    balances = user_balances(db, fia.id)
    assert balances["freelancer_available"] == 135_000  # 90% of 150,000
    assert balances["freelancer_pending"] == 45_000  # paid 2 days ago
    assert ledger_problems(db) == []

    # Feedback: the latest client record is on the profile; the earlier one is a revision.
    reviews = client.get("/api/v1/users/fia/feedback").json()
    assert reviews["total"] == 1
    assert Decimal(reviews["items"][0]["overall"]) == Decimal("4.80")
    assert client.get("/u/fia/reviews").status_code == 200
    k1_feedback = db.scalar(
        select(Feedback).where(Feedback.author_role == "client", Feedback.recipient_id == fia.id)
    )
    assert k1_feedback is not None and k1_feedback.imported
    assert k1_feedback.reveal_at == k1_feedback.submitted_at == datetime(2025, 4, 5, tzinfo=UTC)
    private = db.get(FeedbackPrivate, k1_feedback.id)
    assert private is not None and private.likelihood == 9
    revision = db.scalar(select(FeedbackRevision))
    assert revision is not None and revision.public_score == Decimal("3.50")
    assert revision.private_score == 6
    # A private-only record is never shown publicly.
    assert client.get("/api/v1/users/hal/feedback").json()["total"] == 0
    # The client sees the freelancer's feedback on its profile too.
    assert client.get("/api/v1/users/cleo/feedback").json()["total"] == 1

    # The dispute is decided.
    dispute = db.scalar(select(Dispute))
    assert dispute is not None and dispute.status == "decided"
    assert dispute.outcome == "client_won" and dispute.freelancer_id == hal.id

    # Proposals appear in "My proposals", on closed jobs that search never returns.
    mine = client.get("/api/v1/me/proposals", headers=headers).json()["items"]
    assert len(mine) == 2
    jobs = db.scalars(select(Job).join(Proposal, Proposal.job_id == Job.id)).all()
    assert {j.status for j in jobs} == {"expired"}
    assert client.get("/api/v1/jobs?q=imported").json()["total"] == 0


def test_a_second_import_reuses_the_placeholder_client(db, settings, now) -> None:
    run_import(db, settings, small_history())
    other = [
        line("user", id="ola", role="freelancer", name="Ola", country="NG",
             created_at="2025-01-01T00:00:00Z"),
        line("proposal", user="ola", at="2025-02-01T00:00:00Z"),
    ]  # fmt: skip
    run_import(db, settings, other)
    archive = db.scalars(select(User).where(User.handle == "imported-history")).all()
    assert len(archive) == 1 and archive[0].status == "closed"
    assert db.scalar(select(func.count()).select_from(Job)) == 3


def test_a_generated_history_imports_completely(db, settings) -> None:
    history = parse_history(generate(5, "tiny"))
    with clock.frozen_at(END + timedelta(days=1)), db.begin_nested():
        result = import_history(db, settings, history)
    records = history.counts()
    assert result.rows["contracts"] == records["contract"]
    assert result.rows["payments"] == records["payment"]
    assert result.rows["proposals"] == records["proposal"]
    assert result.rows["feedback"] + result.rows.get("feedback_revisions", 0) == records["feedback"]
    assert ledger_problems(db) == []
    gross = db.scalar(select(func.sum(Payment.amount_cents)))
    assert gross == sum(p.amount_cents for p in history.payments)
    suspended = db.scalar(select(func.count()).select_from(User).where(User.status == "suspended"))
    assert suspended is not None and suspended >= 1  # the generator always bans one client


@pytest.mark.parametrize("bp", [0, 1, 333, 1000, 2000, 10_000])
def test_the_flat_fee_is_the_fee_rule(bp: int) -> None:
    # The importer computes a one-tier fee in integers; it must equal the ledger's rule.
    amounts = [*range(1, 3_000), 999_999_999, AMOUNT_MAX_CENTS]
    assert all(flat_fee(a, bp) == service_fee(0, a, ((None, bp),)).fee for a in amounts)


def test_a_tiered_fee_schedule_follows_the_pair_billings(db, settings, now) -> None:
    settings.fee_schedule = list(SLIDING_2016)
    u = "2025-01-01T00:00:00Z"
    lines = [
        line("user", id="fo", role="freelancer", name="Fo", country="US", created_at=u),
        line("user", id="cy", role="client", name="Cy", country="US", created_at=u),
        line("contract", id="a", client="cy", freelancer="fo", kind="fixed",
             started_at="2025-02-01T00:00:00Z", ended_at=None),
        # In file order the second payment comes first; billings follow time.
        line("payment", contract="a", at="2025-03-01T00:00:00Z", amount_cents=40_000),
        line("payment", contract="a", at="2025-02-01T00:00:00Z", amount_cents=30_000),
    ]  # fmt: skip
    run_import(db, settings, lines)
    fees = db.execute(select(Payment.amount_cents, Payment.fee_cents).order_by(Payment.at)).all()
    # 20% of $300; then $200 at 20% and $200 at 10% across the $500 boundary.
    assert [tuple(r) for r in fees] == [(30_000, 6_000), (40_000, 6_000)]
    assert ledger_problems(db) == []


def test_the_database_path_gives_the_facts_path_jss(db, settings) -> None:
    """Imported rows read back by the live loader give the JSS that ``to_facts`` gives."""
    history = parse_history([*worked_example(), *generate(9, "tiny")])
    at = END
    with clock.frozen_at(END + timedelta(days=1)), db.begin_nested():
        import_history(db, settings, history)
    facts, statuses = to_facts(history)
    handles = dict(
        db.execute(select(User.handle, User.id).where(User.handle.in_(list(facts)))).all()
    )
    loaded = load_histories(db, handles.values())
    live_statuses = load_client_statuses(db, clients_of(loaded.values()))
    worked = loaded[handles["F"]]
    assert compute_jss(worked, datetime(2026, 6, 1, tzinfo=UTC), live_statuses).score == 86
    for handle, expected in facts.items():
        got = loaded[handles[handle]]
        assert (
            compute_jss(got, at, live_statuses).score == compute_jss(expected, at, statuses).score
        )
        assert len(got.contracts) == len(expected.contracts)
        assert got.completeness == expected.completeness
        assert sorted(got.proposals) == list(expected.proposals)
