"""Reactions of the contracts feature to other features' events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.contracts.models import Contract, EscrowReturn, Offer
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict
from workhall.core.events import subscribe


@subscribe("account.closing")
def on_account_closing(*, session: Session, user: User, **_: Any) -> None:
    """spec: marketplace.md §1 — a closed account keeps its contracts. An account with an
    active contract or an open escrow-return request cannot close (the other party would be
    left without anyone to answer); its pending offers lapse with it."""
    active = session.scalar(
        select(Contract.id)
        .where(
            or_(Contract.client_id == user.id, Contract.freelancer_id == user.id),
            Contract.status == "active",
        )
        .limit(1)
    )
    if active is not None:
        raise Conflict("End your active contracts before closing your account.")
    waiting = session.scalar(
        select(EscrowReturn.id)
        .where(
            or_(EscrowReturn.client_id == user.id, EscrowReturn.freelancer_id == user.id),
            EscrowReturn.status.in_(("pending", "disputed")),
        )
        .limit(1)
    )
    if waiting is not None:
        raise Conflict("An escrow-return request on one of your contracts is still open.")
    now = utcnow()
    for offer in session.scalars(
        select(Offer).where(
            or_(Offer.client_id == user.id, Offer.freelancer_id == user.id),
            Offer.status == "pending",
        )
    ):
        offer.status = "withdrawn" if offer.client_id == user.id else "declined"
        setattr(offer, f"{offer.status}_at", now)
