"""What a freelancer is told when their badge changes (reputation.md §2.5: gained, at risk
with the failing criteria, lost). Pure: the subscriber sends what this returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workhall.reputation.rules import LEVEL_RANK

LABELS = {"none": "no badge", "top_rated": "Top Rated", "top_rated_plus": "Top Rated Plus"}


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str  # badge_gained | badge_at_risk | badge_lost | badge_safe
    text: str


def badge_notice(
    previous_level: str,
    previous_at_risk: bool,
    level: str,
    at_risk: bool,
    reasons: Sequence[str] = (),
) -> Notice | None:
    """None when nothing a freelancer should hear about changed."""
    before, after = LEVEL_RANK[previous_level], LEVEL_RANK[level]
    if after > before:
        return Notice(
            "badge_gained",
            f"Congratulations — you are now {LABELS[level]}. Your badge shows on your profile, "
            "proposals and in search, and its benefits are open to you.",
        )
    if after < before:
        now = f"you are now {LABELS[level]}" if level != "none" else "your badge was removed"
        return Notice(
            "badge_lost",
            f"You are no longer {LABELS[previous_level]}: {now}. My Stats shows each criterion "
            "and what it takes to earn it back.",
        )
    if at_risk and not previous_at_risk:
        why = "; ".join(reasons) if reasons else "a criterion is not met"
        return Notice(
            "badge_at_risk",
            f"Your {LABELS[level]} badge is at risk: {why}. If it is still not met at the next "
            "evaluation, the badge is removed.",
        )
    if previous_at_risk and not at_risk and level != "none":
        return Notice("badge_safe", f"Your {LABELS[level]} badge is no longer at risk.")
    return None
