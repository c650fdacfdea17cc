"""Pure rules of offers, contracts and fixed-price milestones (marketplace.md §5).

No database and no web here: plain values in, plain values out, each rule with a table of cases
in ``tests/contracts/test_rules.py`` quoting the spec.

Deadlines follow one convention: a deadline ``D`` is computed from the step that starts it;
people may act while ``now < D``, and the automatic outcome happens at ``now >= D``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from workhall.ledger.rules import client_fee

# --- offers -----------------------------------------------------------------------------------

# spec: marketplace.md §5 — "The freelancer accepts or declines"; the client may withdraw a
# pending offer and a pending offer lapses (docs/contracts.md). Only `pending` ever changes.
OFFER_MOVES: dict[str, tuple[str, str]] = {
    # action: (actor, resulting status)
    "accept": ("freelancer", "accepted"),
    "decline": ("freelancer", "declined"),
    "withdraw": ("client", "withdrawn"),
    "expire": ("system", "expired"),
}


class IllegalMove(ValueError):
    """The asked step is not possible from the current state (a 409 for the caller)."""


def offer_move(status: str, action: str, actor: str) -> str:
    """The offer's next status, or IllegalMove with a message a person can read."""
    if action not in OFFER_MOVES:
        raise IllegalMove(f"unknown action {action!r}")
    who, target = OFFER_MOVES[action]
    if actor != who:
        raise IllegalMove(f"only the {who} can {action} an offer")
    if status != "pending":
        raise IllegalMove(f"this offer is already {status}")
    return target


def offer_expires_at(created_at: datetime, expiry_days: int) -> datetime:
    return created_at + timedelta(days=expiry_days)


def offer_expired(status: str, expires_at: datetime, now: datetime) -> bool:
    """A pending offer has lapsed from ``expires_at`` on, even before the worker marks it."""
    return status == "pending" and now >= expires_at


def effective_offer_status(status: str, expires_at: datetime, now: datetime) -> str:
    return "expired" if offer_expired(status, expires_at, now) else status


@dataclass(frozen=True)
class MilestoneTerms:
    title: str
    amount_cents: int
    due_date: date | None = None


@dataclass(frozen=True)
class OfferTerms:
    title: str
    description: str
    kind: str
    milestones: Sequence[MilestoneTerms] = ()
    hourly_rate_cents: int | None = None
    weekly_limit_hours: int | None = None


@dataclass(frozen=True)
class TermLimits:
    title_max: int = 120
    description_max: int = 5000
    milestones_max: int = 20
    milestone_min_cents: int = 500
    milestone_max_cents: int = 100_000_000
    rate_min_cents: int = 100
    rate_max_cents: int = 100_000
    weekly_min_hours: int = 1
    weekly_max_hours: int = 80
    due_date_max_days: int = 3650


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def milestone_problems(
    m: MilestoneTerms, limits: TermLimits, today: date, field: str = "milestones"
) -> list[tuple[str, str]]:
    """What is wrong with one milestone: title 1–120 characters, amount ≥ $5 (§5), due date
    (optional) from today on."""
    out: list[tuple[str, str]] = []
    if not m.title or len(m.title) > limits.title_max:
        out.append((field, f"Each milestone needs a title of 1–{limits.title_max} characters."))
    if not _is_int(m.amount_cents) or not (
        limits.milestone_min_cents <= m.amount_cents <= limits.milestone_max_cents
    ):
        low, high = limits.milestone_min_cents / 100, limits.milestone_max_cents / 100
        out.append((field, f"Each milestone is between ${low:,.2f} and ${high:,.2f}."))
    if m.due_date is not None and not (
        today <= m.due_date <= today + timedelta(days=limits.due_date_max_days)
    ):
        out.append((field, "A milestone's due date is today or later."))
    return out


def offer_problems(terms: OfferTerms, limits: TermLimits, today: date) -> list[tuple[str, str]]:
    """Every problem with an offer's terms, as (field, message) pairs; empty when valid.

    spec: marketplace.md §5 — "fixed-price with ≥ 1 milestone (each ≥ $5), or hourly with rate
    and weekly limit in hours". Limits where the spec is silent are in docs/contracts.md.
    """
    out: list[tuple[str, str]] = []
    if not terms.title or len(terms.title) > limits.title_max:
        out.append(("title", f"The title is 1–{limits.title_max} characters."))
    if len(terms.description) > limits.description_max:
        out.append(
            ("description", f"The description is at most {limits.description_max:,} characters.")
        )
    if terms.kind == "fixed":
        if not 1 <= len(terms.milestones) <= limits.milestones_max:
            out.append(
                ("milestones", f"A fixed-price offer has 1–{limits.milestones_max} milestones.")
            )
        for m in terms.milestones:
            for problem in milestone_problems(m, limits, today):
                if problem not in out:
                    out.append(problem)
        if terms.hourly_rate_cents is not None or terms.weekly_limit_hours is not None:
            out.append(("kind", "A fixed-price offer has no hourly rate or weekly limit."))
    elif terms.kind == "hourly":
        rate = terms.hourly_rate_cents
        if (
            rate is None
            or not _is_int(rate)
            or not (limits.rate_min_cents <= rate <= limits.rate_max_cents)
        ):
            low, high = limits.rate_min_cents / 100, limits.rate_max_cents / 100
            out.append(("hourly_rate_cents", f"The rate is ${low:,.2f}–${high:,.2f} an hour."))
        hours = terms.weekly_limit_hours
        if (
            hours is None
            or not _is_int(hours)
            or not (limits.weekly_min_hours <= hours <= limits.weekly_max_hours)
        ):
            out.append(
                (
                    "weekly_limit_hours",
                    f"The weekly limit is {limits.weekly_min_hours}–{limits.weekly_max_hours} "
                    "hours.",
                )
            )
        if terms.milestones:
            out.append(("milestones", "An hourly offer has no milestones."))
    else:
        out.append(("kind", "An offer is fixed-price or hourly."))
    return out


def fixed_total(milestones: Sequence[MilestoneTerms]) -> int:
    return sum(m.amount_cents for m in milestones)


# --- fixed-price milestones -------------------------------------------------------------------

# spec: marketplace.md §5 — "the client funds a milestone into escrow …; the freelancer submits
# work; the client approves (release) or requests changes. No action within 14 days of a
# submission → automatic approval." And: "If funded escrow is left, the client may ask for it
# back: the freelancer refunds it … with no answer it returns to the client."
# (status, action) → new status. The actor of each action is in MILESTONE_ACTORS.
MILESTONE_MOVES: dict[tuple[str, str], str] = {
    ("pending", "fund"): "funded",
    ("funded", "submit"): "submitted",
    ("changes_requested", "submit"): "submitted",
    ("submitted", "request_changes"): "changes_requested",
    # The client may release escrow whenever it holds it, with or without a submission.
    ("funded", "approve"): "approved",
    ("submitted", "approve"): "approved",
    ("changes_requested", "approve"): "approved",
    ("submitted", "auto_approve"): "approved",
    ("funded", "refund"): "refunded",
    ("submitted", "refund"): "refunded",
    ("changes_requested", "refund"): "refunded",
    # Ending a contract cancels the milestones nobody funded.
    ("pending", "cancel"): "cancelled",
}
MILESTONE_ACTORS: dict[str, str] = {
    "fund": "client",
    "submit": "freelancer",
    "request_changes": "client",
    "approve": "client",
    "auto_approve": "system",
    "refund": "system",  # the freelancer's agreement or the unanswered request, via escrow return
    "cancel": "system",
}
# Steps that only make sense while the work goes on; on an ended contract the client may still
# release escrow, escrow may still come back, and a submission still approves automatically.
NEEDS_ACTIVE_CONTRACT = frozenset({"fund", "submit", "request_changes"})
HOLDS_ESCROW = frozenset({"funded", "submitted", "changes_requested"})
FINAL_MILESTONE_STATES = frozenset({"approved", "refunded", "cancelled"})


def milestone_move(status: str, action: str, *, actor: str, contract_active: bool) -> str:
    """The milestone's next status, or IllegalMove saying why not."""
    who = MILESTONE_ACTORS.get(action)
    if who is None:
        raise IllegalMove(f"unknown action {action!r}")
    if actor != who:
        raise IllegalMove(f"only the {who} can {action.replace('_', ' ')} a milestone")
    if action in NEEDS_ACTIVE_CONTRACT and not contract_active:
        raise IllegalMove("the contract has ended")
    target = MILESTONE_MOVES.get((status, action))
    if target is None:
        raise IllegalMove(f"a {status.replace('_', ' ')} milestone cannot be {_past(action)}")
    return target


def _past(action: str) -> str:
    return {
        "fund": "funded",
        "submit": "submitted",
        "request_changes": "sent back for changes",
        "approve": "approved",
        "auto_approve": "approved automatically",
        "refund": "refunded",
        "cancel": "cancelled",
    }.get(action, action)


def allowed_actions(
    status: str, role: str, *, contract_active: bool, return_pending: bool = False
) -> list[str]:
    """What ``role`` (client or freelancer) may do to a milestone now, for the pages.

    While the client's escrow-return request covers a milestone, the freelancer answers the
    request (refund or dispute) instead of working on it, and nobody funds or submits it."""
    actions = []
    for (state, action), _ in MILESTONE_MOVES.items():
        if state != status or MILESTONE_ACTORS[action] != role:
            continue
        if action in NEEDS_ACTIVE_CONTRACT and not contract_active:
            continue
        if return_pending and action != "approve":
            continue
        actions.append(action)
    return actions


def auto_approve_at(submitted_at: datetime, days: int) -> datetime:
    return submitted_at + timedelta(days=days)


def auto_approve_due(status: str, submitted_at: datetime | None, now: datetime, days: int) -> bool:
    """spec: marketplace.md §5 — "No action within 14 days of a submission → automatic
    approval": due from exactly 14 days after the (latest) submission."""
    return (
        status == "submitted"
        and submitted_at is not None
        and now >= auto_approve_at(submitted_at, days)
    )


def release_available_at(released_at: datetime, hold_days: int) -> datetime:
    """spec: marketplace.md §6.3 — "Released fixed-price money is pending for 5 days"."""
    return released_at + timedelta(days=hold_days)


def funding_charge(amount_cents: int, fee_basis_points: int) -> tuple[int, int]:
    """(client fee, total charge) of funding ``amount_cents`` (§6.2: amount + 3%)."""
    fee = client_fee(amount_cents, fee_basis_points)
    return fee, amount_cents + fee


# --- ending and escrow returns ----------------------------------------------------------------


def respond_by(requested_at: datetime, days: int) -> datetime:
    """spec: marketplace.md §5 — "the freelancer refunds it or disputes within 7 days"."""
    return requested_at + timedelta(days=days)


def escrow_return_due(status: str, respond_by_at: datetime, now: datetime) -> bool:
    """ "with no answer it returns to the client": an unanswered request is due at respond_by."""
    return status == "pending" and now >= respond_by_at


def can_request_escrow_return(
    contract_status: str, escrow_left_cents: int, open_request: bool
) -> str | None:
    """Why the client may not ask for the escrow back now, or None.

    spec: marketplace.md §5 — "Either side may end a contract. If funded escrow is left, the
    client may ask for it back". One open request at a time."""
    if contract_status != "ended":
        return "End the contract first; then you can ask for the escrow left on it."
    if escrow_left_cents <= 0:
        return "No funded escrow is left on this contract."
    if open_request:
        return "You already asked for this escrow back; wait for the freelancer's answer."
    return None
