"""Reputation facts from the live database (reputation.md §1.1, §2.2, §3.1, §6).

``load_histories`` builds one ``FreelancerHistory`` per freelancer of a batch with a fixed
number of set-based queries (users, contracts, payments, client feedback and its revisions,
disputes, proposals, completeness, readiness, holds, suspensions) — never one query per
freelancer. It loads every fact, not only those at or before an instant: the rules filter by
time, so one load serves every instant of a back-fill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import AccountHold, AccountStatusChange, User
from workhall.conduct.models import ClientStatusChange
from workhall.contracts.models import Contract
from workhall.core.db import fetch_rows
from workhall.disputes.models import Dispute
from workhall.feedback.models import CLIENT_CRITERIA, Feedback, FeedbackPrivate, FeedbackRevision
from workhall.payments.models import Payment
from workhall.proposals.models import Proposal
from workhall.reputation.facts import (
    ClientStatuses,
    ContractHistory,
    DisputeDecision,
    FeedbackRecord,
    FreelancerHistory,
    Hold,
)
from workhall.reputation.models import ProfileCompletenessRecord, ReadinessAttempt

# Ids per IN (...) list: well under SQLite's bound on query parameters.
CHUNK = 5000


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _fraction(value: Decimal | None) -> Fraction | None:
    if value is None:
        return None
    # A Decimal converts exactly (and faster than through its text); anything else by its text.
    return Fraction(value) if isinstance(value, Decimal) else Fraction(str(value))


def load_histories(session: Session, user_ids: Iterable[int]) -> dict[int, FreelancerHistory]:
    """Every fact of these freelancers, keyed by user id (keys and clients are user ids)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    users: dict[int, tuple[str, datetime, datetime | None, datetime | None]] = {}
    contracts: dict[int, tuple[int, int, datetime, datetime | None]] = {}
    payments: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    feedback: dict[int, list[FeedbackRecord]] = defaultdict(list)
    disputes: dict[int, list[DisputeDecision]] = defaultdict(list)
    proposals: dict[int, list[datetime]] = defaultdict(list)
    completeness: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    readiness: dict[int, datetime] = {}
    holds: dict[int, list[Hold]] = defaultdict(list)
    suspended: dict[int, datetime] = {}

    for chunk in _chunks(ids):
        for uid, handle, created, phone, identity in fetch_rows(
            session,
            select(
                User.id,
                User.handle,
                User.created_at,
                User.phone_verified_at,
                User.identity_verified_at,
            ).where(User.id.in_(chunk)),
        ):
            users[uid] = (handle, created, phone, identity)
        for cid, fid, client, started, ended in fetch_rows(
            session,
            select(
                Contract.id,
                Contract.freelancer_id,
                Contract.client_id,
                Contract.started_at,
                Contract.ended_at,
            ).where(Contract.freelancer_id.in_(chunk)),
        ):
            contracts[cid] = (fid, client, started, ended)
        for cid, at, cents in fetch_rows(
            session,
            select(Payment.contract_id, Payment.at, Payment.amount_cents).where(
                Payment.freelancer_id.in_(chunk)
            ),
        ):
            payments[cid].append((at, int(cents)))
        _load_feedback(session, chunk, feedback)
        for cid, decided, outcome in fetch_rows(
            session,
            select(Dispute.contract_id, Dispute.decided_at, Dispute.outcome).where(
                Dispute.freelancer_id.in_(chunk),
                Dispute.decided_at.is_not(None),
                Dispute.outcome.is_not(None),
            ),
        ):
            if decided is not None and outcome is not None:
                disputes[cid].append(DisputeDecision(at=decided, outcome=outcome))
        for uid, at in fetch_rows(
            session,
            select(Proposal.freelancer_id, Proposal.submitted_at).where(
                Proposal.freelancer_id.in_(chunk)
            ),
        ):
            proposals[uid].append(at)
        for uid, at, value in fetch_rows(
            session,
            select(
                ProfileCompletenessRecord.user_id,
                ProfileCompletenessRecord.at,
                ProfileCompletenessRecord.completeness,
            )
            .where(ProfileCompletenessRecord.user_id.in_(chunk))
            .order_by(ProfileCompletenessRecord.id),
        ):
            completeness[uid].append((at, int(value)))
        for uid, at in fetch_rows(
            session,
            select(ReadinessAttempt.user_id, func.min(ReadinessAttempt.at))
            .where(ReadinessAttempt.user_id.in_(chunk), ReadinessAttempt.passed.is_(True))
            .group_by(ReadinessAttempt.user_id),
        ):
            readiness[uid] = at
        for uid, starts, ends in fetch_rows(
            session,
            select(AccountHold.user_id, AccountHold.starts_at, AccountHold.ends_at).where(
                AccountHold.user_id.in_(chunk)
            ),
        ):
            holds[uid].append(Hold(starts_at=starts, ends_at=ends))
        suspended.update(_suspensions(session, chunk))

    by_freelancer: dict[int, list[ContractHistory]] = defaultdict(list)
    for cid, (fid, client, started, ended) in contracts.items():
        by_freelancer[fid].append(
            ContractHistory(
                id=cid,
                client=client,
                started_at=started,
                ended_at=ended,
                payments=tuple(sorted(payments.get(cid, ()))),
                client_feedback=tuple(sorted(feedback.get(cid, ()), key=lambda f: f.at)),
                disputes=tuple(sorted(disputes.get(cid, ()), key=lambda d: d.at)),
            )
        )
    out: dict[int, FreelancerHistory] = {}
    for uid in ids:
        if uid not in users:
            continue
        handle, created, phone, identity = users[uid]
        out[uid] = FreelancerHistory(
            key=uid,
            handle=handle,
            created_at=created,
            contracts=tuple(sorted(by_freelancer.get(uid, ()), key=lambda c: (c.started_at, c.id))),
            proposals=tuple(sorted(proposals.get(uid, ()))),
            completeness=tuple(sorted(completeness.get(uid, ()), key=lambda r: r[0])),
            phone_verified_at=phone,
            identity_verified_at=identity,
            readiness_passed_at=readiness.get(uid),
            holds=tuple(sorted(holds.get(uid, ()), key=lambda h: h.starts_at)),
            suspended_at=suspended.get(uid),
        )
    return out


def _load_feedback(
    session: Session, chunk: list[int], out: dict[int, list[FeedbackRecord]]
) -> None:
    """The client's feedback records: the current one at its reveal, and the earlier records
    an imported history replaced (``feedback_revisions``, reputation.md §6)."""
    criteria = [getattr(Feedback, name) for name in CLIENT_CRITERIA]
    rows = fetch_rows(
        session,
        select(
            Feedback.contract_id,
            Feedback.reveal_at,
            Feedback.imported,
            Feedback.public_score,
            FeedbackPrivate.likelihood,
            *criteria,
        )
        .join(Contract, Contract.id == Feedback.contract_id)
        .outerjoin(FeedbackPrivate, FeedbackPrivate.feedback_id == Feedback.id)
        .where(Contract.freelancer_id.in_(chunk), Feedback.author_role == "client"),
    )
    for cid, reveal_at, imported, public_score, likelihood, *scores in rows:
        if imported:
            public = _fraction(public_score)
        elif any(s is None for s in scores):
            public = None
        else:
            # spec: the overall public score is the mean of the six criteria (exact).
            public = Fraction(sum(int(s) for s in scores), len(scores))
        out[cid].append(
            FeedbackRecord(
                at=reveal_at,
                public=public,
                private=None if likelihood is None else int(likelihood),
            )
        )
    for cid, at, public_score, private in fetch_rows(
        session,
        select(
            FeedbackRevision.contract_id,
            FeedbackRevision.at,
            FeedbackRevision.public_score,
            FeedbackRevision.private_score,
        )
        .join(Contract, Contract.id == FeedbackRevision.contract_id)
        .where(Contract.freelancer_id.in_(chunk), FeedbackRevision.author_role == "client"),
    ):
        out[cid].append(
            FeedbackRecord(
                at=at, public=_fraction(public_score), private=None if private is None else private
            )
        )


def _suspensions(session: Session, chunk: list[int]) -> dict[int, datetime]:
    """Users whose latest status change suspended them: suspended since that change."""
    latest = (
        select(AccountStatusChange.user_id, func.max(AccountStatusChange.id).label("last_id"))
        .where(AccountStatusChange.user_id.in_(chunk))
        .group_by(AccountStatusChange.user_id)
        .subquery()
    )
    rows = fetch_rows(
        session,
        select(AccountStatusChange.user_id, AccountStatusChange.at).join(
            latest,
            and_(
                AccountStatusChange.id == latest.c.last_id,
                AccountStatusChange.to_status == "suspended",
            ),
        ),
    )
    return {uid: at for uid, at in rows}


def load_client_statuses(session: Session, client_ids: Iterable[Hashable]) -> ClientStatuses:
    """The conduct status changes of these clients (trust.md §1.3), time-sorted."""
    ids = sorted({int(c) for c in client_ids})  # type: ignore[call-overload]
    changes: dict[Hashable, list[tuple[datetime, str]]] = defaultdict(list)
    for chunk in _chunks(ids):
        for cid, at, status in fetch_rows(
            session,
            select(ClientStatusChange.client_id, ClientStatusChange.at, ClientStatusChange.status)
            .where(ClientStatusChange.client_id.in_(chunk))
            .order_by(ClientStatusChange.at, ClientStatusChange.id),
        ):
            changes[cid].append((at, status))
    return ClientStatuses(changes={k: tuple(v) for k, v in changes.items()})


def clients_of(histories: Iterable[FreelancerHistory]) -> set[Hashable]:
    return {c.client for h in histories for c in h.contracts}
