"""Contracts of the demo marketplace: every state a contract and its milestones can be in,
real escrow payments through the ledger, and double-blind feedback (marketplace.md §5–§7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts import profiles
from workhall.accounts.models import User
from workhall.contracts import offers
from workhall.contracts import service as contracts
from workhall.contracts.models import Contract, Milestone
from workhall.contracts.rules import MilestoneTerms
from workhall.core.errors import Problem
from workhall.disputes import service as disputes
from workhall.feedback.models import CLIENT_CRITERIA, FREELANCER_CRITERIA
from workhall.feedback.service import FeedbackDraft, leave_feedback
from workhall.jobs.models import Job
from workhall.proposals.models import Proposal
from workhall.timesheets import invoicing
from workhall.timesheets import service as timesheets

if TYPE_CHECKING:
    from workhall.demo.generator import Demo

# How far each demo contract gets; weights make most contracts finished and reviewed.
STAGES = (
    ("hourly", 3),
    ("disputed", 1),
    ("offer_pending", 1),
    ("active_unfunded", 1),
    ("funded", 2),
    ("submitted", 2),
    ("changes_requested", 1),
    ("approved", 2),
    ("completed", 6),
    ("completed_no_feedback", 1),
)
MILESTONE_NAMES = ("Discovery and plan", "First version", "Revisions", "Launch and handover")
CLIENT_COMMENTS = (
    "Excellent work, clear communication and delivered ahead of schedule.",
    "Very professional. Understood the brief quickly and asked the right questions.",
    "Good result overall; a few delays but the quality was there.",
    "Would hire again without hesitation.",
)
FREELANCER_COMMENTS = (
    "Clear requirements and quick feedback. A pleasure to work with.",
    "Great client: responsive, fair and paid on time.",
    "Some scope changes along the way, but always respectful.",
)


def _step(demo: Demo, when: datetime, lo: float, hi: float) -> datetime | None:
    """Move the clock forward; None when that would pass the present."""
    later = when + timedelta(days=demo.rng.uniform(lo, hi))
    if later >= demo.now:
        return None
    demo.at(later)
    return later


def hire(
    session: Session, demo: Demo, client: User, job: Job, proposal_id: int, seen: datetime
) -> None:
    rng, settings = demo.rng, demo.settings
    proposal = session.get(Proposal, proposal_id)
    assert proposal is not None
    freelancer = session.get(User, proposal.freelancer_id)
    assert freelancer is not None
    stage = rng.choices([s for s, _ in STAGES], weights=[w for _, w in STAGES])[0]
    when = _step(demo, seen, 0.2, 1.5)
    if when is None:
        return
    if stage == "hourly":
        _hourly(session, demo, client, freelancer, job, proposal_id, when)
        return
    total = max(job.budget_cents or (job.hourly_max_cents or 4_000) * 20, 2_000)
    parts = rng.randint(1, 3)
    amounts = [max(500, total // parts)] * parts
    draft = offers.OfferDraft(
        title=job.title,
        description="As discussed in the proposal and the messages.",
        kind="fixed",
        milestones=tuple(MilestoneTerms(MILESTONE_NAMES[k], a) for k, a in enumerate(amounts)),
        keep_hiring=False,
    )
    profile = client.client_profile
    if profile is None or not profile.payment_method_token:  # a client adds a card to hire
        profiles.add_payment_method(
            session,
            settings,
            client,
            number="4242424242424242",
            exp_month=12,
            exp_year=demo.now.year + 3,
            cvc="123",
        )
    offer = offers.send_offer(session, settings, client, draft, proposal_id=proposal_id)
    demo.bump("offers")
    if stage == "offer_pending":
        return
    when = _step(demo, when, 0.1, 1.0)
    if when is None:
        return
    contract = offers.accept_offer(session, settings, freelancer, offer.id)
    demo.bump("contracts")
    milestones = list(
        session.scalars(
            select(Milestone)
            .where(Milestone.contract_id == contract.id)
            .order_by(Milestone.position)
        )
    )
    if stage == "active_unfunded":
        return
    last = len(milestones) if stage.startswith("completed") or stage == "approved" else 1
    for k, milestone in enumerate(milestones[:last]):
        contracts.fund_milestone(session, settings, client, milestone.id)
        if stage == "funded" or (when := _step(demo, when, 1, 4)) is None:
            return
        contracts.submit_work(
            session,
            settings,
            freelancer,
            milestone.id,
            "Here is the work for this milestone; notes are in the document.",
        )
        if stage == "submitted" or (when := _step(demo, when, 0.3, 2)) is None:
            return
        if stage in ("changes_requested", "disputed") or (k == 0 and rng.random() < 0.25):
            contracts.request_changes(
                session,
                settings,
                client,
                milestone.id,
                "Close! Could you adjust the details we discussed?",
            )
            if stage == "changes_requested" or (when := _step(demo, when, 0.5, 2)) is None:
                return
            contracts.submit_work(
                session, settings, freelancer, milestone.id, "Updated as requested."
            )
            if (when := _step(demo, when, 0.3, 1)) is None:
                return
            if stage == "disputed":
                _dispute(session, demo, client, freelancer, milestone, when)
                return
        contracts.approve_milestone(session, settings, client, milestone.id)
        demo.bump("milestones paid")
    if stage == "approved" or (when := _step(demo, when, 0.1, 1)) is None:
        return
    contracts.end_contract(session, settings, client, contract.id, "The work is complete.")
    if stage == "completed_no_feedback":
        return
    _feedback(session, demo, client, freelancer, contract.id, when)


def delivered_fixed_contract(
    session: Session,
    demo: Demo,
    client: User,
    freelancer: User,
    start: datetime,
    *,
    title: str,
    description: str,
    amount: int,
    accepted_after: timedelta,
    submitted_days: tuple[int, int],
    done_days: tuple[int, int],
) -> tuple[Contract, datetime]:
    """A direct one-milestone fixed-price offer, accepted, funded, delivered, approved and
    ended, at back-dated times through the services; returns the contract and when it ended.
    ``submitted_days`` and ``done_days`` are ranges of days after ``start`` (drawn in turn)."""
    rng, settings = demo.rng, demo.settings
    demo.at(start)
    draft = offers.OfferDraft(
        title=title,
        description=description,
        kind="fixed",
        milestones=(MilestoneTerms("Delivery", amount),),
        keep_hiring=False,
    )
    offer = offers.send_offer(session, settings, client, draft, freelancer=freelancer.id)
    demo.at(start + accepted_after)
    contract = offers.accept_offer(session, settings, freelancer, offer.id)
    milestone = session.scalar(select(Milestone).where(Milestone.contract_id == contract.id))
    assert milestone is not None
    contracts.fund_milestone(session, settings, client, milestone.id)
    demo.at(start + timedelta(days=rng.randint(*submitted_days)))
    contracts.submit_work(session, settings, freelancer, milestone.id, "Delivered as agreed.")
    done = start + timedelta(days=rng.randint(*done_days))
    demo.at(done)
    contracts.approve_milestone(session, settings, client, milestone.id)
    contracts.end_contract(session, settings, client, contract.id, "The work is complete.")
    return contract, done


def _feedback(
    session: Session, demo: Demo, client: User, freelancer: User, contract_id: int, ended: datetime
) -> None:
    rng, settings = demo.rng, demo.settings
    great = rng.random() < 0.8
    if (when := _step(demo, ended, 0.1, 3)) is None:
        return
    scores = {c: rng.choice([4, 5, 5, 5] if great else [2, 3, 4]) for c in CLIENT_CRITERIA}
    leave_feedback(
        session,
        settings,
        client,
        contract_id,
        FeedbackDraft(
            scores=scores,
            comment=rng.choice(CLIENT_COMMENTS),
            likelihood=rng.randint(8, 10) if great else rng.randint(3, 7),
            ending_reason="completed",
        ),
    )
    demo.bump("feedback")
    if rng.random() < 0.15 or _step(demo, when, 0.1, 3) is None:
        return  # one side only: revealed when the 14 days pass
    scores = {c: rng.choice([4, 5, 5]) for c in FREELANCER_CRITERIA}
    leave_feedback(
        session,
        settings,
        freelancer,
        contract_id,
        FeedbackDraft(
            scores=scores,
            comment=rng.choice(FREELANCER_COMMENTS),
            likelihood=rng.randint(7, 10),
        ),
    )
    demo.bump("feedback")


def _dispute(
    session: Session,
    demo: Demo,
    client: User,
    freelancer: User,
    milestone: Milestone,
    when: datetime,
) -> None:
    """Sent back a second time; the freelancer disputes and the client answers: the case
    waits in the trust & safety queue (marketplace.md §5)."""
    settings = demo.settings
    contracts.request_changes(
        session, settings, client, milestone.id, "This still does not match what we agreed."
    )
    if (when_filed := _step(demo, when, 0.2, 2)) is None:
        return
    dispute = disputes.file_dispute(
        session,
        settings,
        freelancer,
        disputes.Subject(milestone_id=milestone.id),
        "The work matches the brief; the client keeps adding requirements.",
    )
    demo.bump("disputes")
    if _step(demo, when_filed, 0.3, 3) is None:
        return
    disputes.answer_dispute(
        session,
        settings,
        client,
        dispute.id,
        "The delivered pages miss two of the agreed features.",
    )


def _hourly(
    session: Session,
    demo: Demo,
    client: User,
    freelancer: User,
    job: Job,
    proposal_id: int,
    when: datetime,
) -> None:
    """An hourly contract with time logged day by day within the weekly limit; the weeks are
    invoiced and paid by ``run_hourly_billing`` (marketplace.md §5)."""
    rng, settings = demo.rng, demo.settings
    rate = job.hourly_max_cents or rng.choice([2_500, 4_000, 6_000])
    draft = offers.OfferDraft(
        title=job.title,
        description="Hourly, as discussed.",
        kind="hourly",
        hourly_rate_cents=rate,
        weekly_limit_hours=rng.choice([10, 20, 30]),
        keep_hiring=False,
    )
    offer = offers.send_offer(session, settings, client, draft, proposal_id=proposal_id)
    demo.bump("offers")
    accepted = _step(demo, when, 0.1, 1.0)
    if accepted is None:
        return
    contract = offers.accept_offer(session, settings, freelancer, offer.id)
    demo.bump("hourly contracts")
    day = accepted
    for _ in range(rng.randint(8, 30)):
        day = day + timedelta(days=1)
        if day >= demo.now:
            break
        if day.weekday() >= 5 or rng.random() < 0.3:
            continue
        demo.at(day)
        try:
            timesheets.log_time(
                session,
                settings,
                freelancer,
                contract.id,
                work_date=day.date(),
                minutes=rng.choice([60, 90, 120, 180, 240]),
                memo=rng.choice(HOURLY_MEMOS),
            )
            demo.bump("time entries")
        except Problem:  # the weekly limit is reached: the rest of the week is not billable
            continue


HOURLY_MEMOS = (
    "Implemented the agreed changes and wrote tests.",
    "Call with the team, then fixed the reported issues.",
    "Research and first draft.",
    "Reviewed feedback and revised the work.",
)


def run_hourly_billing(session: Session, demo: Demo, weeks_back: int = 10) -> None:
    """Replay the worker's Monday invoicing and Saturday payment, week by week, up to now."""
    start = demo.now - timedelta(weeks=weeks_back)
    monday = (start - timedelta(days=start.weekday())).replace(
        hour=0, minute=5, second=0, microsecond=0
    )
    while monday < demo.now:
        demo.at(monday)
        demo.bump("hourly invoices", invoicing.invoice_due_weeks(session, demo.settings, 10_000))
        saturday = monday + timedelta(days=5)
        if saturday < demo.now:
            demo.at(saturday)
            demo.bump(
                "hourly invoices paid", invoicing.pay_due_invoices(session, demo.settings, 10_000)
            )
        monday += timedelta(weeks=1)
