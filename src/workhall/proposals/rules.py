"""Pure proposal rules (marketplace.md §3, §4.4, §4.5): states, prices, ranking, refunds.

No database and no web here: plain values in, plain values out, so each rule has a table of
cases in ``tests/proposals/test_rules.py`` quoting the spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from workhall.connects.rules import Bid, boost_slot_holders

# spec: marketplace.md §3 — submitted → viewed → shortlisted / interviewing → hired | declined |
# withdrawn | archived. The active states form a ladder; the last four end a proposal.
ACTIVE_LADDER: tuple[str, ...] = ("submitted", "viewed", "shortlisted", "interviewing")
FINAL_STATES: tuple[str, ...] = ("hired", "declined", "withdrawn", "archived")
STATUSES: tuple[str, ...] = ACTIVE_LADDER + FINAL_STATES
BOOST_STATES: tuple[str, ...] = ("none", "held", "spent", "returned")
INVITATION_STATUSES: tuple[str, ...] = ("pending", "accepted", "declined")

# Which final states each actor may reach from an active state.
WITHDRAWABLE: frozenset[str] = frozenset(ACTIVE_LADDER)

# spec: marketplace.md §4.4 — why a job left `open` (the jobs feature's job_closed reasons).
REFUND_ALL_REASONS: frozenset[str] = frozenset({"cancelled", "removed", "client_restricted"})
GHOST_REASONS: frozenset[str] = frozenset({"expired", "filled"})
CLOSE_REASONS: frozenset[str] = REFUND_ALL_REASONS | GHOST_REASONS


class IllegalTransition(ValueError):
    """The proposal cannot move from its state to the asked one."""


@dataclass(frozen=True)
class Transition:
    """The outcome of a state change: the new status and the timestamps to stamp now."""

    status: str
    stamp: tuple[str, ...]

    @property
    def changes_anything(self) -> bool:
        return bool(self.stamp)


def plan_transition(current: str, target: str, stamped: Iterable[str]) -> Transition:
    """Plan moving a proposal in ``current`` state to ``target`` (marketplace.md §3).

    ``stamped`` names the states whose timestamp is already set. Rules:
    - a final state (hired, declined, withdrawn, archived) never changes again;
    - along the active ladder the status only moves forward; asking for an earlier stage
      stamps that stage's time if it was never stamped (a client may shortlist a proposal
      they are already interviewing) and keeps the status;
    - every move past ``submitted`` counts as a view (the spec counts messaging and offers as
      views), so ``viewed_at`` is stamped too when missing;
    - repeating a stage that is already stamped changes nothing (views count once).
    """
    if current not in STATUSES or target not in STATUSES:
        raise IllegalTransition(f"unknown state {current!r} → {target!r}")
    done = set(stamped)
    if current in FINAL_STATES:
        if target == current:
            return Transition(current, ())
        raise IllegalTransition(f"a {current} proposal cannot become {target}")
    if target == "submitted":
        raise IllegalTransition("a proposal cannot go back to submitted")
    to_stamp = [s for s in ("viewed", target) if s not in done and s != "submitted"]
    if target in FINAL_STATES:
        if target in ("withdrawn", "archived"):
            # Withdrawing or archiving is not the client looking at the proposal.
            to_stamp = [target]
        elif target == "declined":
            # Declining from the list is not a view (§3: "appearing in a list is not a view").
            to_stamp = [target]
        return Transition(target, tuple(dict.fromkeys(to_stamp)))
    new_status = max(current, target, key=ACTIVE_LADDER.index)
    return Transition(new_status, tuple(dict.fromkeys(to_stamp)))


def proposal_price(job_connects_cost: int, answers_invitation: bool) -> int:
    """Connects a proposal costs: the job's price, or 0 when it answers an invitation
    (marketplace.md §3, §4.2)."""
    if job_connects_cost < 0:
        raise ValueError("a job's Connects cost is not negative")
    return 0 if answers_invitation else job_connects_cost


# --- ranking of the client's list (marketplace.md §3, §4.5) ------------------------------------


def match_percent(job_skills: Iterable[str], freelancer_skills: Iterable[str]) -> int:
    """Share of the job's skills the freelancer lists on the profile, 0–100 (rounded down)."""
    wanted = set(job_skills)
    if not wanted:
        return 0
    return len(wanted & set(freelancer_skills)) * 100 // len(wanted)


@dataclass(frozen=True)
class RankFacts:
    """What ranks one proposal in its client's list.

    ``jss`` (0–100 or None, the stored JSS) and ``badge_rank`` (0 none, 1 Rising Talent
    (treatment arm), 2 Top Rated, 3 Top Rated Plus) come from the latest evaluation: the
    ranking boost of reputation.md §2.5 and §3.2 in the client's proposal list.
    """

    proposal_id: int
    submitted_at: datetime
    match: int = 0
    boost_connects: int = 0
    boost_placed_at: datetime | None = None
    boost_live: bool = False  # held or spent, i.e. the bid is in the auction
    jss: int | None = None
    badge_rank: int = 0
    identity_verified: bool = False
    phone_verified: bool = False


def _match_key(f: RankFacts) -> tuple[int, int, int, int, datetime, int]:
    verification = int(f.identity_verified) * 2 + int(f.phone_verified)
    return (
        -f.match,
        -(f.jss if f.jss is not None else -1),
        -f.badge_rank,
        -verification,
        f.submitted_at,
        f.proposal_id,
    )


def rank_proposals(facts: Sequence[RankFacts], slots: int = 4) -> list[tuple[int, bool]]:
    """The client's list order (marketplace.md §3): boosted slot holders first, by bid (ties to
    the earlier bid, §4.5), then by match — skill overlap, JSS, badges, verification — then
    submission time. Returns (proposal id, holds a boosted slot) pairs."""
    holders = slot_holders(facts, slots)
    rest = sorted((f for f in facts if f.proposal_id not in holders), key=_match_key)
    return [(pid, True) for pid in holders] + [(f.proposal_id, False) for f in rest]


def slot_holders(facts: Sequence[RankFacts], slots: int = 4) -> list[int]:
    bids = [
        Bid(f.proposal_id, f.boost_connects, f.boost_placed_at or f.submitted_at)
        for f in facts
        if f.boost_live and f.boost_connects > 0
    ]
    return boost_slot_holders(bids, slots)


# --- boosts (marketplace.md §4.5) --------------------------------------------------------------


def minimum_to_enter(other_bids: Sequence[Bid], slots: int, min_bid: int) -> int:
    """The smallest bid placed now that wins a slot against ``other_bids``.

    Ties go to the earlier bid, so a new bid must beat the lowest slot holder by one Connect
    once every slot is taken.
    """
    holders = boost_slot_holders(other_bids, slots)
    if len(holders) < slots:
        return min_bid
    lowest = min(b.connects for b in other_bids if b.proposal_id in holders)
    return max(min_bid, lowest + 1)


@dataclass(frozen=True)
class BidOutcome:
    holders: list[int]
    lost_slot: list[int]  # proposals whose held boost must be returned at once


def outcome_of_bid(before: Sequence[Bid], bid: Bid, held: Iterable[int], slots: int) -> BidOutcome:
    """Slot holders after ``bid`` replaces its proposal's previous bid, and which held boosts
    lost their slot (§4.5: "returned at once when the proposal loses its slot")."""
    bids = [b for b in before if b.proposal_id != bid.proposal_id] + [bid]
    holders = boost_slot_holders(bids, slots)
    held_set = set(held)
    lost = [
        b.proposal_id for b in bids if b.proposal_id in held_set and b.proposal_id not in holders
    ]
    return BidOutcome(holders, lost)


# --- refunds when a job closes (marketplace.md §4.4, §4.5) -------------------------------------


@dataclass(frozen=True)
class CloseFacts:
    status: str
    viewed: bool
    boost_state: str


@dataclass(frozen=True)
class CloseDecision:
    archive: bool
    refund_price: bool
    return_boost: bool
    price_note: str = ""


PRICE_NOTES = {
    "cancelled": "Job cancelled — Connects refunded",
    "removed": "Job removed by moderation — Connects refunded",
    "client_restricted": "Client restricted — Connects refunded",
    "ghost": "Ghost-job protection: the client never viewed your proposal",
}
BOOST_CLOSE_NOTE = "Job closed before the client viewed your proposal — boost returned"


def decide_on_close(reason: str, facts: CloseFacts) -> CloseDecision:
    """What happens to one proposal when its job leaves ``open`` (marketplace.md §4.4).

    - cancelled / removed / client restricted: every proposal's price comes back, whatever its
      state (withdrawn, declined and viewed ones too), and any held boost;
    - expired, or filled without hiring that freelancer: every proposal the client never
      viewed gets its price back (ghost-job protection) — but not a withdrawn or declined one
      ("Not refunded: the price of a withdrawn, declined or viewed proposal");
    - a held boost is returned whenever the job closes before the client viewed the proposal;
    - proposals still active are archived; hired, declined and withdrawn ones keep their state.
    """
    if reason not in CLOSE_REASONS:
        raise ValueError(f"unknown close reason {reason!r}")
    archive = facts.status in ACTIVE_LADDER
    return_boost = facts.boost_state == "held" and not facts.viewed
    if reason in REFUND_ALL_REASONS:
        return CloseDecision(archive, True, facts.boost_state == "held", PRICE_NOTES[reason])
    ghost = not facts.viewed and facts.status not in ("withdrawn", "declined", "hired")
    return CloseDecision(archive, ghost, return_boost, PRICE_NOTES["ghost"] if ghost else "")
