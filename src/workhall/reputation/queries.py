"""What the rest of the product reads about a freelancer's standing (reputation.md §1.7, §2.5).

The JSS and badges shown anywhere are the ones stored at the latest evaluation at or before
now — never recomputed on a page, so private feedback cannot be traced to the day it arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.core.clock import utcnow
from workhall.reputation.models import Evaluation

TOP_RATED_LEVELS = ("top_rated", "top_rated_plus")
LEVEL_LABELS = {"none": "", "top_rated": "Top Rated", "top_rated_plus": "Top Rated Plus"}


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: int
    jss: int | None = None
    level: str = "none"
    at_risk: bool = False
    rising_talent: str | None = None  # treatment | control | None (control is never shown)
    evaluated_at: datetime | None = None

    @property
    def top_rated(self) -> bool:
        return self.level in TOP_RATED_LEVELS

    @property
    def rising_talent_badge(self) -> bool:
        """Only the treatment arm sees and shows the badge (reputation.md §3.2)."""
        return self.rising_talent == "treatment"

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


def standings(
    session: Session, user_ids: Iterable[int], at: datetime | None = None
) -> dict[int, Standing]:
    """Each user's latest stored evaluation at or before ``at`` (default now); users never
    evaluated get an empty ``Standing``."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    at = at or utcnow()
    latest = (
        select(Evaluation.user_id, func.max(Evaluation.instant).label("instant"))
        .where(Evaluation.user_id.in_(ids), Evaluation.instant <= at)
        .group_by(Evaluation.user_id)
        .subquery()
    )
    rows = session.execute(
        select(Evaluation).join(
            latest,
            (Evaluation.user_id == latest.c.user_id) & (Evaluation.instant == latest.c.instant),
        )
    ).scalars()
    found = {
        e.user_id: Standing(
            user_id=e.user_id,
            jss=e.jss,
            level=e.level,
            at_risk=e.at_risk,
            rising_talent=e.rising_talent,
            evaluated_at=e.instant,
        )
        for e in rows
    }
    return {uid: found.get(uid, Standing(user_id=uid)) for uid in ids}


def standing(session: Session, user_id: int, at: datetime | None = None) -> Standing:
    return standings(session, [user_id], at)[user_id]


def is_top_rated(session: Session, user_id: int) -> bool:
    return standing(session, user_id).top_rated
