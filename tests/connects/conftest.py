"""Helpers for the Connects tests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.connects.models import ConnectsEvent, ConnectsLot
from workhall.core import clock

# A Wednesday in the middle of a month, so grants and month ends are explicit in each test.
T0 = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)

GOOD_CARD = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
DECLINED_CARD = {"number": "4000 0000 0000 0002", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


@pytest.fixture
def t0() -> datetime:
    clock.set_now(T0)
    return T0


def lots_of(db: Session, user_id: int) -> list[ConnectsLot]:
    return list(
        db.scalars(
            select(ConnectsLot).where(ConnectsLot.user_id == user_id).order_by(ConnectsLot.id)
        )
    )


def events_of(db: Session, user_id: int) -> list[ConnectsEvent]:
    return list(
        db.scalars(
            select(ConnectsEvent).where(ConnectsEvent.user_id == user_id).order_by(ConnectsEvent.id)
        )
    )
