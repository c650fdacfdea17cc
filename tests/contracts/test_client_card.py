"""The client screening card reads real money and feedback (marketplace.md §2): "total spent"
and "the cost-weighted average of the public feedback the client gave freelancers (Σ stars ×
amount paid ÷ Σ amount paid, over contracts with feedback and > $0 paid)"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tests.contracts.conftest import hire
from workhall.contracts import service
from workhall.core import clock
from workhall.feedback.models import CLIENT_CRITERIA
from workhall.feedback.service import FeedbackDraft, leave_feedback
from workhall.jobs.service import client_card


def test_card_counts_payments_and_revealed_weighted_feedback(db, settings, world):
    contract, (m1, m2) = hire(db, settings, world, 30_000, 10_000)
    for m in (m1, m2):
        service.fund_milestone(db, settings, world.client, m.id)
        service.submit_work(db, settings, world.freelancer, m.id, "Done, see the link.")
        service.approve_milestone(db, settings, world.client, m.id)
    card = client_card(db, world.client.id)
    assert card.total_spent_cents == 40_000
    assert card.feedback_count == 0  # nothing given yet

    service.end_contract(db, settings, world.client, contract.id, "Finished")
    scores = dict.fromkeys(CLIENT_CRITERIA, 4)
    leave_feedback(
        db,
        settings,
        world.client,
        contract.id,
        FeedbackDraft(scores=scores, comment="Good work.", likelihood=9, ending_reason="completed"),
    )
    assert client_card(db, world.client.id).feedback_count == 0  # double-blind: not revealed
    clock.advance(timedelta(days=14))
    card = client_card(db, world.client.id)
    assert card.feedback_count == 1
    assert card.feedback_average == Decimal("4.00")
