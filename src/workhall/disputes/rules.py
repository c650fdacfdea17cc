"""Dispute rules as pure functions (marketplace.md §5 "Disputes").

spec: marketplace.md §5 — "the freelancer may dispute within 7 days after the client requests
changes a second time on the same submission, asks for escrow back, or disputes an hourly
invoice; the client has 5 days to answer (no answer → recorded as `freelancer_won`, funds to
the freelancer); then a `trust_safety` agent mediates and decides: `freelancer_won`,
`client_won` or `split` with amounts (the fee applies to the freelancer's share)."

Windows are half-open: "within 7 days" of an instant means up to, not including, the instant
7 days later (the same reading as the contracts feature's escrow-return deadline).
"""

from __future__ import annotations

from datetime import datetime, timedelta

# How many change requests on one submission open the right to dispute ("a second time").
CHANGES_REQUESTS_TO_DISPUTE = 2


def window_closes(started_at: datetime, days: int) -> datetime:
    return started_at + timedelta(days=days)


def milestone_dispute_problem(
    *,
    status: str,
    changes_requested_count: int,
    changes_requested_at: datetime | None,
    under_escrow_return: bool,
    now: datetime,
    window_days: int,
) -> str | None:
    """Why the freelancer may not dispute this milestone now, or None.

    "within 7 days after the client requests changes a second time on the same submission":
    the milestone is sent back for changes (the freelancer did not resubmit since), this was at
    least the second request on it, and the latest request was less than 7 days ago."""
    if under_escrow_return:
        return "The client asked for this escrow back: dispute that request instead."
    if status != "changes_requested" or changes_requested_at is None:
        return "You can dispute a milestone only while the client's request for changes stands."
    if changes_requested_count < CHANGES_REQUESTS_TO_DISPUTE:
        return "You can dispute once the client has requested changes a second time."
    if now >= window_closes(changes_requested_at, window_days):
        return f"The {window_days} days to dispute this request for changes have passed."
    return None


def escrow_return_dispute_problem(
    *, status: str, respond_by: datetime, now: datetime
) -> str | None:
    """Why the freelancer may not dispute this escrow-return request now, or None.

    "the freelancer refunds it or disputes within 7 days" (``respond_by`` is the request + 7
    days): only a pending request, before its deadline."""
    if status != "pending":
        return f"This request is already {status}."
    if now >= respond_by:
        return "The time to answer this request has passed."
    return None


def invoice_dispute_problem(
    *, status: str, disputed_at: datetime | None, now: datetime, window_days: int
) -> str | None:
    """Why the freelancer may not dispute (escalate) this hourly invoice now, or None:
    the client disputed it, less than 7 days ago."""
    if status != "disputed" or disputed_at is None:
        return "Only an invoice the client disputed can be taken to a dispute."
    if now >= window_closes(disputed_at, window_days):
        return f"The {window_days} days to dispute this invoice have passed."
    return None


def answer_due(filed_at: datetime, answer_days: int) -> datetime:
    """ "the client has 5 days to answer"."""
    return filed_at + timedelta(days=answer_days)


def can_answer(status: str, due: datetime, now: datetime) -> str | None:
    if status != "awaiting_client":
        return "This dispute no longer waits for your answer."
    if now >= due:
        return "The time to answer this dispute has passed."
    return None


def default_due(status: str, due: datetime, now: datetime) -> bool:
    """ "no answer → recorded as freelancer_won": from exactly 5 days after filing."""
    return status == "awaiting_client" and now >= due


def can_decide(status: str) -> str | None:
    """An agent decides after the client answered ("then a trust_safety agent mediates")."""
    if status == "decided":
        return "This dispute is already decided."
    if status != "in_mediation":
        return "The client's answer is still awaited; the agent decides after it."
    return None


def shares(
    outcome: str, at_stake: int, freelancer_cents: int | None, client_cents: int | None
) -> tuple[int, int] | str:
    """(to the freelancer, to the client) for a decision, or why the amounts are wrong.

    ``freelancer_won`` and ``client_won`` move the whole escrow at stake one way (amounts may be
    omitted, or must say exactly that); ``split`` names both shares, each > 0, summing to the
    escrow at stake."""
    whole = {"freelancer_won": (at_stake, 0), "client_won": (0, at_stake)}
    if outcome in whole:
        expected = whole[outcome]
        given = (freelancer_cents, client_cents)
        if given == (None, None) or given == expected:
            return expected
        return f"A {outcome} decision moves all {at_stake} cents at stake one way."
    if outcome != "split":
        return "The outcome is freelancer_won, client_won or split."
    if freelancer_cents is None or client_cents is None:
        return "A split names both amounts."
    if freelancer_cents <= 0 or client_cents <= 0:
        return "Each share of a split is more than $0; otherwise one side won."
    if freelancer_cents + client_cents != at_stake:
        return "The two shares must add up to the escrow at stake."
    return (freelancer_cents, client_cents)


def allocate(total: int, held: list[int]) -> list[int]:
    """Take ``total`` from holdings in order (an escrow return covering several milestones:
    the freelancer's share comes from the first ones, the rest goes back to the client)."""
    out = []
    left = total
    for h in held:
        take = min(left, h)
        out.append(take)
        left -= take
    if left:
        raise ValueError("more than is held")
    return out
