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
from workhall.contracts.models import Milestone
from workhall.contracts.rules import MilestoneTerms
from workhall.feedback.models import CLIENT_CRITERIA, FREELANCER_CRITERIA
from workhall.feedback.service import FeedbackDraft, leave_feedback
from workhall.jobs.models import Job
from workhall.proposals.models import Proposal

if TYPE_CHECKING:
    from workhall.demo.generator import Demo

# How far each demo contract gets; weights make most contracts finished and reviewed.
STAGES = (
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
        if stage == "changes_requested" or (k == 0 and rng.random() < 0.25):
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
        contracts.approve_milestone(session, settings, client, milestone.id)
        demo.bump("milestones paid")
    if stage == "approved" or (when := _step(demo, when, 0.1, 1)) is None:
        return
    contracts.end_contract(session, settings, client, contract.id, "The work is complete.")
    if stage == "completed_no_feedback":
        return
    _feedback(session, demo, client, freelancer, contract.id, when)


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
