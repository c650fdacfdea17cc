"""Facts from live records (reputation.loader) equal the facts written by hand, and profile
completeness is recorded whenever it changes (reputation.md §6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.contracts.conftest import hire, make_world
from workhall.accounts import profiles
from workhall.accounts.models import AccountHold, AccountStatusChange
from workhall.conduct.models import ClientStatusChange
from workhall.contracts import service as contracts
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.feedback.service import FeedbackDraft, leave_feedback
from workhall.reputation.facts import (
    ContractHistory,
    FeedbackRecord,
    FreelancerHistory,
    Hold,
)
from workhall.reputation.loader import load_client_statuses, load_histories
from workhall.reputation.models import ProfileCompletenessRecord, ReadinessAttempt

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SCORES = {
    "skills": 5,
    "quality": 5,
    "availability": 4,
    "deadlines": 5,
    "communication": 5,
    "cooperation": 4,
}


def test_facts_of_a_contract_made_through_the_services(db: Session, settings: Settings) -> None:
    clock.set_now(T0)
    w = make_world(db, settings)
    contract, (m1, m2) = hire(db, settings, w, 30_000, 20_000)
    clock.set_now(T0 + timedelta(days=1))
    contracts.fund_milestone(db, settings, w.client, m1.id)
    contracts.fund_milestone(db, settings, w.client, m2.id)
    clock.set_now(T0 + timedelta(days=10))
    contracts.approve_milestone(db, settings, w.client, m1.id)
    clock.set_now(T0 + timedelta(days=20))
    contracts.approve_milestone(db, settings, w.client, m2.id)
    clock.set_now(T0 + timedelta(days=21))
    contracts.end_contract(db, settings, w.client, contract.id, "Done.")
    clock.set_now(T0 + timedelta(days=22))
    leave_feedback(
        db,
        settings,
        w.client,
        contract.id,
        FeedbackDraft(scores=SCORES, likelihood=9, ending_reason="completed"),
    )
    # The freelancer's side reveals both at once; theirs is not a client record.
    clock.set_now(T0 + timedelta(days=23))
    leave_feedback(
        db,
        settings,
        w.freelancer,
        contract.id,
        FeedbackDraft(
            scores={
                "clarity": 5,
                "communication": 5,
                "cooperation": 5,
                "availability": 5,
                "deadlines": 5,
                "payment_promptness": 5,
            },
            likelihood=10,
        ),
    )
    held = T0 + timedelta(days=30)
    db.add(AccountHold(user_id=w.freelancer.id, starts_at=held, ends_at=held + timedelta(days=3)))
    db.add(ReadinessAttempt(user_id=w.freelancer.id, at=T0, score=6, passed=False, answers={}))
    db.add(ReadinessAttempt(user_id=w.freelancer.id, at=held, score=9, passed=True, answers={}))
    db.add(ReadinessAttempt(user_id=w.freelancer.id, at=held + timedelta(days=1), score=10,
                            passed=True, answers={}))  # fmt: skip
    suspended = held + timedelta(days=40)
    db.add(AccountStatusChange(user_id=w.freelancer.id, from_status="active",
                               to_status="suspended", reason="test", at=suspended))  # fmt: skip
    db.add(ClientStatusChange(client_id=w.client.id, at=held, status="restricted"))
    db.flush()
    released = [
        (T0 + timedelta(days=10), 30_000),
        (T0 + timedelta(days=20), 20_000),
    ]
    completeness = tuple(
        db.execute(
            select(ProfileCompletenessRecord.at, ProfileCompletenessRecord.completeness)
            .where(ProfileCompletenessRecord.user_id == w.freelancer.id)
            .order_by(ProfileCompletenessRecord.id)
        ).tuples()
    )
    assert completeness and completeness[0][1] == 0  # recorded at sign-up

    facts = load_histories(db, [w.freelancer.id])
    assert facts == {
        w.freelancer.id: FreelancerHistory(
            key=w.freelancer.id,
            handle=w.freelancer.handle,
            created_at=w.freelancer.created_at,
            contracts=(
                ContractHistory(
                    id=contract.id,
                    client=w.client.id,
                    started_at=contract.started_at,
                    ended_at=T0 + timedelta(days=21),
                    payments=tuple(released),
                    client_feedback=(
                        FeedbackRecord(
                            at=T0 + timedelta(days=23), public=Fraction(28, 6), private=9
                        ),
                    ),
                ),
            ),
            proposals=(w.proposal.submitted_at,),
            completeness=completeness,
            phone_verified_at=w.freelancer.phone_verified_at,
            identity_verified_at=None,
            readiness_passed_at=held,
            holds=(Hold(starts_at=held, ends_at=held + timedelta(days=3)),),
            suspended_at=suspended,
        )
    }
    statuses = load_client_statuses(db, [w.client.id])
    assert statuses.status_at(w.client.id, held) == "restricted"
    assert statuses.status_at(w.client.id, held - timedelta(seconds=1)) == "active"


def test_completeness_is_recorded_when_it_changes(db: Session, settings: Settings) -> None:
    clock.set_now(T0)
    w = make_world(db, settings)
    f = w.freelancer

    def records() -> list[int]:
        return list(
            db.scalars(
                select(ProfileCompletenessRecord.completeness)
                .where(ProfileCompletenessRecord.user_id == f.id)
                .order_by(ProfileCompletenessRecord.id)
            )
        )

    start = records()
    clock.set_now(T0 + timedelta(hours=1))
    profiles.update_freelancer_profile(
        db,
        settings,
        f,
        profiles.FreelancerProfileInput(
            title="Booking apps",
            overview="I build booking apps. " * 6,
            skills=["python", "django", "postgresql"],
            hourly_rate_cents=5_000,
            availability="available",
        ),
    )
    after_edit = records()
    assert len(after_edit) == len(start) + 1 and after_edit[-1] > start[-1]
    # The same values again change nothing, so nothing is recorded.
    profiles.update_freelancer_profile(
        db,
        settings,
        f,
        profiles.FreelancerProfileInput(
            title="Booking apps, fast",
            overview="I build booking apps. " * 6,
            skills=["python", "django", "postgresql"],
            hourly_rate_cents=5_000,
            availability="available",
        ),
    )
    assert records() == after_edit
    item = profiles.add_portfolio_item(
        db, settings, f, title="A booking app", description="For a studio.", url=None
    )
    assert records()[-1] > after_edit[-1]
    profiles.remove_portfolio_item(db, f, item.id)
    assert records()[-1] == after_edit[-1]
