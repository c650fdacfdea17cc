"""Load the facts of the conduct rules from the database, set-based, as of an instant T.

A handful of queries per batch of clients, whatever the number of contracts: the clients' ended
contracts, the revealed feedback of both sides on them (with the private part), the public
scores their freelancers received from every client in the window, the disputes they lost and
their last closed case. ``conduct.rules`` then works on plain values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.conduct.models import ConductCase
from workhall.conduct.rules import ClientFacts, ContractFacts, Thresholds, window_start
from workhall.contracts.models import Contract
from workhall.core.db import fetch_rows
from workhall.disputes.models import Dispute
from workhall.feedback.models import CLIENT_CRITERIA, FREELANCER_CRITERIA, Feedback, FeedbackPrivate

BATCH = 500
# A contract's feedback is revealed at most the feedback window (14 days) after it ended; an
# ended contract older than the window by this much can carry no feedback revealed inside it.
REVEAL_SLACK = timedelta(days=60)

T = TypeVar("T")


def _chunks(values: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def public_score(row: Feedback) -> Fraction | None:
    """The overall public score: the mean of the six criteria, or an imported row's score."""
    if row.imported:
        return None if row.public_score is None else Fraction(row.public_score)
    names = CLIENT_CRITERIA if row.author_role == "client" else FREELANCER_CRITERIA
    return Fraction(sum(int(getattr(row, n)) for n in names), len(names))


# The columns ``_score`` reads, selected as plain values (no ORM objects: the evaluation reads
# every feedback of the window).
_CRITERIA = tuple(dict.fromkeys(CLIENT_CRITERIA + FREELANCER_CRITERIA))
_CRITERIA_INDEX = {name: i for i, name in enumerate(_CRITERIA)}
_SCORE_COLUMNS = (
    Feedback.imported,
    Feedback.public_score,
    Feedback.author_role,
    *(getattr(Feedback, name) for name in _CRITERIA),
)


def _score(values: Sequence[Any]) -> Fraction | None:
    """``public_score`` of a row given as the values of ``_SCORE_COLUMNS`` (same result)."""
    imported, public, role, *criteria = values
    if imported:
        return None if public is None else Fraction(public)
    names = CLIENT_CRITERIA if role == "client" else FREELANCER_CRITERIA
    return Fraction(sum(int(criteria[_CRITERIA_INDEX[n]]) for n in names), len(names))


def flag_candidates(session: Session, t: datetime, th: Thresholds) -> list[int]:
    """Clients with at least ``min_ended`` contracts ended in the window (a superset of the
    flagged: the rules then count only those after the last closed case), without an open or
    banned case, whose account is neither suspended nor closed."""
    busy = select(ConductCase.client_id).where(
        (ConductCase.open_key.is_not(None)) | (ConductCase.status == "banned")
    )
    rows = session.scalars(
        select(Contract.client_id)
        .join(User, User.id == Contract.client_id)
        .where(
            Contract.ended_at > window_start(t, th),
            Contract.ended_at <= t,
            User.status.not_in(("suspended", "closed")),
            Contract.client_id.not_in(busy),
        )
        .group_by(Contract.client_id)
        .having(func.count(Contract.id) >= th.min_ended)
        .order_by(Contract.client_id)
    )
    return list(rows)


def load_facts(
    session: Session, client_ids: Sequence[int], t: datetime, th: Thresholds
) -> dict[int, ClientFacts]:
    """Each client's facts as of T: contracts ended in (T − window − slack, T]."""
    out: dict[int, ClientFacts] = {}
    for chunk in _chunks(sorted(set(client_ids))):
        out.update(_load_batch(session, chunk, t, th))
    return out


def _load_batch(
    session: Session, client_ids: Sequence[int], t: datetime, th: Thresholds
) -> dict[int, ClientFacts]:
    floor = window_start(t, th) - REVEAL_SLACK
    last_closed = dict(
        fetch_rows(
            session,
            select(ConductCase.client_id, func.max(ConductCase.closed_at))
            .where(
                ConductCase.client_id.in_(client_ids),
                ConductCase.status.in_(("resolved", "reinstated")),
                ConductCase.closed_at <= t,
            )
            .group_by(ConductCase.client_id),
        )
    )
    ended = (
        Contract.client_id.in_(client_ids),
        Contract.ended_at.is_not(None),
        Contract.ended_at > floor,
        Contract.ended_at <= t,
    )
    contracts = fetch_rows(
        session,
        select(Contract.id, Contract.client_id, Contract.freelancer_id, Contract.ended_at)
        .where(*ended)
        .order_by(Contract.ended_at, Contract.id),
    )
    feedback = _feedback_of(session, ended, t)
    # ``rules.is_harsh`` reads a freelancer's scores from other clients only for a score below
    # ``harsh_below`` given to them: only those freelancers' scores are loaded (the others' are
    # never read, so every signal and outcome is the same).
    freelancers = sorted(
        {
            c.freelancer_id
            for c in contracts
            if (given := feedback.get((c.id, "client"))) is not None
            and given[0] is not None
            and given[0] < th.harsh_below
        }
    )
    scores = _scores_received(session, freelancers, t, th)
    lost: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for client_id, contract_id, at in fetch_rows(
        session,
        select(Dispute.client_id, Dispute.contract_id, Dispute.decided_at)
        .where(
            Dispute.client_id.in_(client_ids),
            Dispute.outcome == "freelancer_won",
            Dispute.decided_at.is_not(None),
            Dispute.decided_at > floor,
            Dispute.decided_at <= t,
        )
        .order_by(Dispute.decided_at),
    ):
        if at is not None:
            lost[client_id].append((contract_id, at))

    by_client: dict[int, list[ContractFacts]] = defaultdict(list)
    for c in contracts:
        given = feedback.get((c.id, "client"))
        received = feedback.get((c.id, "freelancer"))
        by_client[c.client_id].append(
            ContractFacts(
                id=c.id,
                freelancer_id=c.freelancer_id,
                ended_at=c.ended_at,
                given=given[0] if given else None,
                given_at=given[1] if given else None,
                work_again=received[2] if received else None,
                unprofessional=bool(received and received[3]),
                received_at=received[1] if received else None,
            )
        )
    return {
        cid: ClientFacts(
            client_id=cid,
            last_closed_at=last_closed.get(cid),
            contracts=tuple(by_client.get(cid, ())),
            lost_disputes=tuple(lost.get(cid, ())),
            freelancer_scores={
                f: scores[f] for f in {c.freelancer_id for c in by_client[cid]} if f in scores
            }
            if cid in by_client
            else {},
        )
        for cid in client_ids
    }


FeedbackFacts = tuple[Fraction | None, datetime, int | None, bool]


def _feedback_of(
    session: Session, contracts: tuple[ColumnElement[bool], ...], t: datetime
) -> dict[tuple[int, str], FeedbackFacts]:
    """(contract, author role) → (public score, reveal, private 0–10, unprofessional), revealed
    by T, of the contracts matching ``contracts`` (the same conditions that selected them: one
    join instead of long lists of contract ids)."""
    out: dict[tuple[int, str], FeedbackFacts] = {}
    rows = fetch_rows(
        session,
        select(
            Feedback.contract_id,
            Feedback.reveal_at,
            FeedbackPrivate.likelihood,
            FeedbackPrivate.unprofessional,
            *_SCORE_COLUMNS,
        )
        .join(Contract, Contract.id == Feedback.contract_id)
        .outerjoin(FeedbackPrivate, FeedbackPrivate.feedback_id == Feedback.id)
        .where(*contracts, Feedback.reveal_at <= t),
    )
    for contract_id, reveal_at, likelihood, unprofessional, *score in rows:
        out[(contract_id, score[2])] = (
            _score(score),
            reveal_at,
            likelihood,
            bool(unprofessional),
        )
    return out


def _scores_received(
    session: Session, freelancer_ids: Sequence[int], t: datetime, th: Thresholds
) -> dict[int, tuple[tuple[int, datetime, Fraction], ...]]:
    """Per freelancer, the public scores clients gave them revealed in (T − window, T]."""
    found: dict[int, list[tuple[int, datetime, Fraction]]] = defaultdict(list)
    for chunk in _chunks(freelancer_ids):
        rows = fetch_rows(
            session,
            select(
                Feedback.recipient_id, Feedback.author_id, Feedback.reveal_at, *_SCORE_COLUMNS
            ).where(
                Feedback.recipient_id.in_(chunk),
                Feedback.author_role == "client",
                Feedback.reveal_at > window_start(t, th),
                Feedback.reveal_at <= t,
            ),
        )
        for recipient_id, author_id, reveal_at, *values in rows:
            score = _score(values)
            if score is not None:
                found[recipient_id].append((author_id, reveal_at, score))
    return {f: tuple(found.get(f, ())) for f in freelancer_ids}
