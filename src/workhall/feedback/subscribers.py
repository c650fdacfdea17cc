"""Feedback reacts to contracts: when one ends, both sides are invited to leave feedback
within the window (marketplace.md §7)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts.models import Contract
from workhall.core.events import subscribe
from workhall.core.settings import Settings
from workhall.feedback.rules import deadline
from workhall.feedback.service import feedback_link
from workhall.notifications.service import notify


@subscribe("contract_ended")
def invite_feedback(session: Session, settings: Settings, contract: Contract, **_: Any) -> None:
    """In the app only: the contracts feature already emails the end of the contract."""
    if contract.ended_at is None:
        return
    until = deadline(contract.ended_at, settings.feedback_window_days)
    for user_id in contract.party_ids():
        person = session.get(User, user_id)
        if person is None or person.status == "closed":
            continue
        notify(
            session,
            person,
            "feedback_invited",
            f"“{contract.title[:120]}” ended. Leave feedback by {until:%b %d, %Y} — it stays "
            "hidden until you both have.",
            feedback_link(contract.id),
            email=False,
        )
