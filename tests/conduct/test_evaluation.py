"""The conduct evaluation over the database (trust.md §1.1–§1.3): signals loaded set-based,
cases opened once per instant, monitoring ended at the first evaluation ≥ 90 days."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from tests.conduct.conftest import (
    DAY,
    T,
    ended,
    flaggable_client,
    lose_dispute,
    monitored_case,
    rated_highly,
)
from tests.factories import make_client, make_freelancer
from workhall.conduct import rules
from workhall.conduct.evaluation import evaluate_clients
from workhall.conduct.models import ClientStatusChange, ConductCase, ConductCaseEvent
from workhall.conduct.signals import load_facts
from workhall.core import clock


def cases(db, client) -> list[ConductCase]:
    return list(db.scalars(select(ConductCase).where(ConductCase.client_id == client.id)))


def test_a_flagged_client_gets_one_case_per_instant_holding_the_signals(db, settings):
    client = flaggable_client(db, settings)
    quiet = make_client(db, settings)
    for i in range(6):
        ended(db, settings, quiet, at=T - (40 + i) * DAY, given=5, work_again=9)
    clock.set_now(T)
    assert evaluate_clients(db, settings, T) == 1
    assert evaluate_clients(db, settings, T) == 0  # idempotent per instant
    assert evaluate_clients(db, settings, T + 14 * DAY) == 0  # the open case blocks a second
    [case] = cases(db, client)
    assert (case.status, case.opened_at, case.open_key) == ("open", T, client.id)
    assert (case.ended_count, case.disputes_lost) == (5, 2)
    assert case.harsh_share is None and case.poor_share is None
    assert cases(db, quiet) == []
    [event] = db.scalars(select(ConductCaseEvent).where(ConductCaseEvent.case_id == case.id))
    assert event.kind == "opened" and event.actor_id is None and not event.visible_to_client


def test_harsh_scores_to_highly_rated_freelancers_flag(db, settings):
    client = make_client(db, settings)
    for i in range(5):
        freelancer = make_freelancer(db, settings)
        rated_highly(db, settings, freelancer, T)
        ended(db, settings, client, freelancer, at=T - (10 + i) * DAY, given=2 if i < 2 else 5)
    assert evaluate_clients(db, settings, T) == 1
    [case] = cases(db, client)
    assert (case.harsh_count, case.scores_given, case.harsh_share) == (2, 5, Decimal("40.00"))


def test_one_harsh_of_five_does_not_flag_and_unrated_freelancers_are_not_harsh(db, settings):
    client = make_client(db, settings)
    for i in range(5):
        freelancer = make_freelancer(db, settings)
        if i == 0:
            rated_highly(db, settings, freelancer, T)
        ended(db, settings, client, freelancer, at=T - (10 + i) * DAY, given=1)
    assert evaluate_clients(db, settings, T) == 0
    facts = load_facts(db, [client.id], T, rules.Thresholds.of(settings))[client.id]
    s = rules.signals(facts, T, rules.Thresholds.of(settings))
    assert (s.harsh, s.scores_given, s.harsh_share) == (1, 5, Decimal("20.00"))


def test_imported_scores_count_with_their_overall(db, settings):
    client = make_client(db, settings)
    th = rules.Thresholds.of(settings)
    for i in range(3):
        freelancer = make_freelancer(db, settings)
        rated_highly(db, settings, freelancer, T)
        ended(db, settings, client, freelancer, at=T - (10 + i) * DAY, imported_score="2.99")
    facts = load_facts(db, [client.id], T, th)[client.id]
    assert rules.signals(facts, T, th).harsh == 3


def test_poor_private_feedback_flags(db, settings):
    client = make_client(db, settings)
    for i in range(5):
        ended(db, settings, client, at=T - (10 + i) * DAY, work_again=9, unprofessional=i < 2)
    assert evaluate_clients(db, settings, T) == 1
    [case] = cases(db, client)
    assert (case.poor_count, case.private_received, case.poor_share) == (2, 5, Decimal("40.00"))


def test_contracts_before_the_last_closed_case_do_not_count(db, settings):
    client = flaggable_client(db, settings)
    closed = ConductCase(
        client_id=client.id,
        status="resolved",
        opened_at=T - 300 * DAY,
        closed_at=T - 5 * DAY,
        ended_count=5,
        scores_given=0,
        harsh_count=0,
        private_received=0,
        poor_count=0,
        disputes_lost=2,
        updated_at=T - 5 * DAY,
    )
    db.add(closed)
    db.flush()
    assert evaluate_clients(db, settings, T) == 0
    assert [c.status for c in cases(db, client)] == ["resolved"]


def test_a_banned_or_suspended_client_is_not_flagged(db, settings):
    client = flaggable_client(db, settings)
    client.status = "suspended"
    db.flush()
    assert evaluate_clients(db, settings, T) == 0


def start_monitoring(db, settings, client):
    return monitored_case(db, settings, client, T - 100 * DAY)


def test_monitoring_ends_at_the_first_instant_90_days_after_it_began(db, settings):
    client = make_client(db, settings)
    case = start_monitoring(db, settings, client)  # began T - 100 days
    began = case.monitoring_started_at
    assert case.monitoring_due_at == began + 90 * DAY
    assert evaluate_clients(db, settings, began + 89 * DAY) == 0
    assert case.status == "monitoring"
    assert evaluate_clients(db, settings, T) == 1
    assert case.status == "resolved" and case.open_key is None and case.closed_at == T
    assert evaluate_clients(db, settings, T) == 0


def test_three_contracts_with_two_poor_restrict(db, settings):
    client = make_client(db, settings)
    case = start_monitoring(db, settings, client)
    for i, poor in enumerate((True, True, False)):
        ended(db, settings, client, at=T - (50 + i) * DAY, work_again=2 if poor else 9)
    clock.set_now(T)
    assert evaluate_clients(db, settings, T) == 1
    assert case.status == "restricted" and case.restricted_at == T
    assert client.status == "restricted"
    [change] = db.scalars(
        select(ClientStatusChange).where(ClientStatusChange.client_id == client.id)
    )
    assert (change.status, change.at, change.case_id) == ("restricted", T, case.id)


def test_fewer_than_three_with_a_lost_dispute_extend_once_then_restrict(db, settings):
    client = make_client(db, settings)
    case = start_monitoring(db, settings, client)
    c = ended(db, settings, client, at=T - 50 * DAY)
    lose_dispute(db, c, T - 40 * DAY)
    clock.set_now(T)
    assert evaluate_clients(db, settings, T) == 1
    assert (case.status, case.extended_at, case.monitoring_due_at) == (
        "monitoring",
        T,
        T + 90 * DAY,
    )
    assert evaluate_clients(db, settings, T) == 0  # the same instant again: nothing
    assert evaluate_clients(db, settings, T + 89 * DAY) == 0
    later = T + 92 * DAY
    clock.set_now(later)
    assert evaluate_clients(db, settings, later) == 1
    assert case.status == "restricted"
    kinds = list(
        db.scalars(
            select(ConductCaseEvent.kind)
            .where(ConductCaseEvent.case_id == case.id)
            .order_by(ConductCaseEvent.id)
        )
    )
    assert kinds == ["opened", "contacted", "monitoring", "extended", "restricted"]


def test_the_extension_resolves_when_the_new_contracts_are_clean(db, settings):
    client = make_client(db, settings)
    case = start_monitoring(db, settings, client)
    ended(db, settings, client, at=T - 50 * DAY, work_again=0)
    evaluate_clients(db, settings, T)
    assert case.extended_at == T
    for i in range(3):
        ended(db, settings, client, at=T + (10 + i) * DAY, work_again=9)
    assert evaluate_clients(db, settings, T + 90 * DAY) == 1
    # 4 contracts, 1 poor of 4 = 25%: resolved
    assert case.status == "resolved"
    assert db.scalar(select(func.count()).select_from(ClientStatusChange)) == 0
