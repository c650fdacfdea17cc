"""Ranking freelancers for clients (reputation.md §2.5, §3.2): pure functions.

A search result's rank is its relevance to the query plus a **ranking boost** for the badges a
client can see: Top Rated Plus and Top Rated (§2.5), and Rising Talent for the pilot's
treatment arm (§3.2; the control arm gets nothing visible, so no boost). The boost is a bonus
on the 0–100 relevance scale, not a pin to the top: an irrelevant badge holder does not outrank
a strong match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Relevance points added for each badge (on the 0–100 relevance scale).
BADGE_BOOST = {"top_rated_plus": 30, "top_rated": 20, "none": 0}
RISING_TALENT_BOOST = 15


@dataclass(frozen=True, slots=True)
class TalentFacts:
    user_id: int
    relevance: int  # 0–100
    level: str = "none"
    rising_talent: bool = False  # treatment arm, eligible at the latest evaluation
    jss: int | None = None
    identity_verified: bool = False


def boost(facts: TalentFacts) -> int:
    return BADGE_BOOST.get(facts.level, 0) + (RISING_TALENT_BOOST if facts.rising_talent else 0)


def rank_talent(candidates: Sequence[TalentFacts]) -> list[TalentFacts]:
    """Best first: relevance + boost, then JSS, then identity verified, then the older id."""
    return sorted(
        candidates,
        key=lambda f: (
            -(f.relevance + boost(f)),
            -(f.jss if f.jss is not None else -1),
            -int(f.identity_verified),
            f.user_id,
        ),
    )


def badge_rank(level: str, rising_talent: bool) -> int:
    """The proposal list's badge order (proposals.rules.RankFacts.badge_rank)."""
    return {"top_rated_plus": 3, "top_rated": 2}.get(level, 1 if rising_talent else 0)


def text_relevance(
    terms: Iterable[str], *, name: str, title: str, overview: str, skills: Iterable[str]
) -> int:
    """0–100: the share of query terms found, weighted by where — a skill or the title counts
    fully, the overview or the name half. No terms (browsing) is 100 for everyone."""
    words = [t for t in terms if t]
    if not words:
        return 100
    skill_text = " ".join(skills).lower()
    title, overview, name = title.lower(), overview.lower(), name.lower()
    points = 0
    for word in words:
        if word in skill_text or word in title:
            points += 2
        elif word in overview or word in name:
            points += 1
    return points * 100 // (2 * len(words))


def skill_match(job_skills: Iterable[str], freelancer_skills: Iterable[str]) -> int:
    wanted = set(job_skills)
    if not wanted:
        return 0
    return len(wanted & set(freelancer_skills)) * 100 // len(wanted)
