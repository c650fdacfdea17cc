"""Feedback reads (marketplace.md §7): what a reader may see on a contract, the public reviews
of a profile, and plain facts of revealed feedback for reputation and conduct.

The facts functions (``revealed_feedback_for_freelancer`` …) carry private answers for the
JSS and the conduct program to use **in aggregate only**; never serialize them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from workhall.contracts.models import Contract
from workhall.core.clock import utcnow
from workhall.core.settings import Settings
from workhall.feedback import rules
from workhall.feedback.models import ALL_CRITERIA, Feedback, FeedbackPrivate
from workhall.payments.models import Payment

# --- money paid -----------------------------------------------------------------------------------


def paid_cents(session: Session, contract_ids: Iterable[int]) -> dict[int, int]:
    """Money released to the freelancer per contract (gross, marketplace.md §6.2): the sum of
    the payments feature's ``Payment.amount_cents``. Contracts without payments are absent."""
    ids = sorted(set(contract_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Payment.contract_id, func.sum(Payment.amount_cents))
        .where(Payment.contract_id.in_(ids))
        .group_by(Payment.contract_id)
    ).all()
    return {int(cid): int(total or 0) for cid, total in rows}


def _paid_on_contract() -> ColumnElement[bool]:
    """SQL: more than $0 was paid on the feedback's contract (§7 "public feedback shows only
    for contracts with > $0 paid")."""
    total = (
        select(func.coalesce(func.sum(Payment.amount_cents), 0))
        .where(Payment.contract_id == Feedback.contract_id)
        .correlate(Feedback)
        .scalar_subquery()
    )
    return total > 0


def overall_of(f: Feedback) -> Decimal:
    if f.imported:  # an imported history gives the overall itself (interfaces.md §3)
        assert f.public_score is not None, "imported feedback without a public score"
        return f.public_score
    return rules.overall(list(f.scores().values()))


def _overall_or_none(f: Feedback) -> Decimal | None:
    """None for an imported record that gave only a private score."""
    return None if f.imported and f.public_score is None else overall_of(f)


def _has_public() -> ColumnElement[bool]:
    """SQL: the feedback has a public part (an imported record may carry only a private one)."""
    return or_(Feedback.imported.is_(False), Feedback.public_score.is_not(None))


# --- one contract, as a reader may see it ---------------------------------------------------


@dataclass(frozen=True)
class PrivateView:
    likelihood: int
    ending_reason: str | None
    unprofessional: bool
    unprofessional_reason: str


@dataclass(frozen=True)
class FeedbackView:
    """One feedback, cut to what the reader may see (``private`` is None unless allowed)."""

    id: int
    contract_id: int
    author_role: str
    scores: dict[str, int]
    overall: Decimal
    comment: str
    submitted_at: datetime
    updated_at: datetime
    reveal_at: datetime
    revealed: bool
    reply: str | None
    replied_at: datetime | None
    private: PrivateView | None

    def labelled_scores(self) -> list[tuple[str, str, int]]:
        return [
            (name, label, self.scores[name])
            for name, label in rules.CRITERIA_LABELS[self.author_role]
            if name in self.scores
        ]


def _view(
    session: Session, f: Feedback, viewer: str, paid: int, now: datetime
) -> FeedbackView | None:
    revealed = rules.is_revealed(f.reveal_at, now)
    allowed = rules.visibility(viewer, f.author_role, revealed, paid)
    if not allowed.public or _overall_or_none(f) is None:
        return None
    private = None
    if allowed.private:
        row = session.get(FeedbackPrivate, f.id)
        if row is not None:
            private = PrivateView(
                row.likelihood, row.ending_reason, row.unprofessional, row.unprofessional_reason
            )
    return FeedbackView(
        id=f.id,
        contract_id=f.contract_id,
        author_role=f.author_role,
        scores=f.scores(),
        overall=overall_of(f),
        comment=f.comment,
        submitted_at=f.submitted_at,
        updated_at=f.updated_at,
        reveal_at=f.reveal_at,
        revealed=revealed,
        reply=f.reply,
        replied_at=f.replied_at,
        private=private,
    )


@dataclass(frozen=True)
class ContractFeedback:
    """The feedback of one contract as ``viewer`` (client, freelancer or staff) may see it."""

    contract: Contract
    viewer: str
    deadline: datetime | None  # the window's end, once the contract ended
    reveal_at: datetime | None
    revealed: bool
    paid_cents: int
    client_side: FeedbackView | None
    freelancer_side: FeedbackView | None
    submitted: frozenset[str]  # which sides have submitted (not what they wrote)
    write_refusal: str | None  # for a party: why it cannot write or edit now
    reply_refusal: str | None  # for a party: why it cannot reply to the other side now

    @property
    def public(self) -> bool:
        return self.paid_cents > 0

    @property
    def other_role(self) -> str:
        return "freelancer" if self.viewer == "client" else "client"

    @property
    def mine(self) -> FeedbackView | None:
        return self.side(self.viewer)

    @property
    def theirs(self) -> FeedbackView | None:
        return self.side(self.other_role)

    def side(self, role: str) -> FeedbackView | None:
        return self.client_side if role == "client" else self.freelancer_side


def contract_feedback(
    session: Session, settings: Settings, contract: Contract, viewer: str
) -> ContractFeedback:
    now = utcnow()
    rows = {
        f.author_role: f
        for f in session.scalars(select(Feedback).where(Feedback.contract_id == contract.id))
    }
    paid = paid_cents(session, [contract.id]).get(contract.id, 0)
    ended_at = contract.ended_at if contract.status == "ended" else None
    deadline = rules.deadline(ended_at, settings.feedback_window_days) if ended_at else None
    reveal = min((f.reveal_at for f in rows.values()), default=deadline)
    revealed = reveal is not None and rules.is_revealed(reveal, now)
    write_refusal = reply_refusal = None
    if viewer in ("client", "freelancer"):
        mine = rows.get(viewer)
        write_refusal = rules.write_refusal(
            ended_at, settings.feedback_window_days, now, mine.reveal_at if mine else None
        )
        other = rows.get("freelancer" if viewer == "client" else "client")
        reply_refusal = (
            rules.reply_refusal(
                True, rules.is_revealed(other.reveal_at, now), paid, other.reply is not None
            )
            if other is not None
            else rules.NO_FEEDBACK
        )
    sides = {role: _view(session, f, viewer, paid, now) for role, f in rows.items()}
    return ContractFeedback(
        contract=contract,
        viewer=viewer,
        deadline=deadline,
        reveal_at=reveal,
        revealed=revealed,
        paid_cents=paid,
        client_side=sides.get("client"),
        freelancer_side=sides.get("freelancer"),
        submitted=frozenset(rows),
        write_refusal=write_refusal,
        reply_refusal=reply_refusal,
    )


def private_of(session: Session, feedback_id: int) -> FeedbackPrivate | None:
    return session.get(FeedbackPrivate, feedback_id)


# --- a profile's public reviews ------------------------------------------------------------------


@dataclass(frozen=True)
class PublicReview:
    id: int
    contract_title: str
    author_role: str
    scores: list[tuple[str, str, int]]  # (criterion, label, score)
    overall: Decimal
    comment: str
    reply: str | None
    replied_at: datetime | None
    revealed_at: datetime
    contract_started_at: datetime
    contract_ended_at: datetime | None


@dataclass(frozen=True)
class ReviewPage:
    items: list[PublicReview]
    total: int
    average: Decimal | None  # the mean of the overall scores, two decimals
    page: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _public_where(recipient_id: int, now: datetime) -> list[ColumnElement[bool]]:
    return [
        Feedback.recipient_id == recipient_id,
        Feedback.reveal_at <= now,
        _paid_on_contract(),
        _has_public(),
    ]


def public_reviews(
    session: Session, recipient_id: int, page: int, page_size: int, now: datetime | None = None
) -> ReviewPage:
    """Revealed public feedback about ``recipient_id`` on contracts with more than $0 paid,
    newest reveal first (§7). No private answer is read here."""
    now = now or utcnow()
    where = _public_where(recipient_id, now)
    # One side's six criteria are filled and the other side's are NULL: the sum of all eight
    # (NULL as 0) is the feedback's sum of six.
    columns = [func.coalesce(getattr(Feedback, n), 0) for n in ALL_CRITERIA]
    score_sum: ColumnElement[int] = columns[0]
    for column in columns[1:]:
        score_sum = score_sum + column
    found = session.execute(
        select(score_sum, Feedback.imported, Feedback.public_score).where(*where)
    ).all()
    total = len(found)
    average: Decimal | None
    if any(imported for _s, imported, _p in found):  # imported: the overall itself
        exact = [Fraction(p or 0) if imported else Fraction(int(s), 6) for s, imported, p in found]
        mean = sum(exact, Fraction(0)) / total
        average = (Decimal(mean.numerator) / Decimal(mean.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    else:
        average = rules.average_overall([int(s) for s, _i, _p in found])
    rows = session.execute(
        select(Feedback, Contract)
        .join(Contract, Contract.id == Feedback.contract_id)
        .where(*where)
        .order_by(Feedback.reveal_at.desc(), Feedback.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    items = [
        PublicReview(
            id=f.id,
            contract_title=c.title,
            author_role=f.author_role,
            scores=[
                (n, label, f.scores()[n])
                for n, label in rules.CRITERIA_LABELS[f.author_role]
                if n in f.scores()
            ],
            overall=overall_of(f),
            comment=f.comment,
            reply=f.reply,
            replied_at=f.replied_at,
            revealed_at=f.reveal_at,
            contract_started_at=c.started_at,
            contract_ended_at=c.ended_at,
        )
        for f, c in rows
    ]
    return ReviewPage(items, total, average, page, max(1, -(-total // page_size)))


# --- plain facts for reputation (JSS) and the client conduct program ------------------------


@dataclass(frozen=True)
class ClientFeedbackFact:
    """A client's revealed feedback on a freelancer (reputation.md §1.1: its time is its
    reveal). ``private`` is the "recommend" score 0–10 — for aggregates only."""

    contract_id: int
    client_id: int
    freelancer_id: int
    revealed_at: datetime
    public: Decimal | None  # overall, 1.00–5.00 (None: an imported record without one)
    private: int | None


@dataclass(frozen=True)
class FreelancerFeedbackFact:
    """A freelancer's revealed feedback on a client (trust.md §1.1). ``work_again`` (0–10)
    and ``unprofessional`` are private — for aggregates only."""

    contract_id: int
    client_id: int
    freelancer_id: int
    revealed_at: datetime
    public: Decimal | None
    work_again: int | None
    unprofessional: bool


def _revealed(
    session: Session, author_role: str, until: datetime, where: Sequence[ColumnElement[bool]]
) -> list[tuple[Feedback, FeedbackPrivate | None, Contract]]:
    rows = session.execute(
        select(Feedback, FeedbackPrivate, Contract)
        .join(Contract, Contract.id == Feedback.contract_id)
        .outerjoin(FeedbackPrivate, FeedbackPrivate.feedback_id == Feedback.id)
        .where(Feedback.author_role == author_role, Feedback.reveal_at <= until, *where)
        .order_by(Feedback.reveal_at, Feedback.id)
    ).all()
    return [(f, p, c) for f, p, c in rows]


def revealed_client_feedback(
    session: Session, until: datetime, freelancer_ids: Iterable[int] | None = None
) -> list[ClientFeedbackFact]:
    """Every client → freelancer feedback revealed at or before ``until`` (optionally for some
    freelancers), oldest reveal first. For the JSS (reputation.md §1.1)."""
    where = [] if freelancer_ids is None else [Feedback.recipient_id.in_(list(freelancer_ids))]
    return [
        ClientFeedbackFact(
            contract_id=f.contract_id,
            client_id=c.client_id,
            freelancer_id=c.freelancer_id,
            revealed_at=f.reveal_at,
            public=_overall_or_none(f),
            private=p.likelihood if p is not None else None,
        )
        for f, p, c in _revealed(session, "client", until, where)
    ]


def revealed_feedback_for_freelancer(
    session: Session, freelancer_id: int, until: datetime
) -> list[ClientFeedbackFact]:
    """The clients' revealed feedback on one freelancer, at or before ``until``."""
    return revealed_client_feedback(session, until, [freelancer_id])


def revealed_feedback_for_client(
    session: Session, client_id: int, until: datetime
) -> list[FreelancerFeedbackFact]:
    """The freelancers' revealed feedback on one client, at or before ``until`` (trust.md
    §1.1 ``poor_received``)."""
    return [
        FreelancerFeedbackFact(
            contract_id=f.contract_id,
            client_id=c.client_id,
            freelancer_id=c.freelancer_id,
            revealed_at=f.reveal_at,
            public=_overall_or_none(f),
            work_again=p.likelihood if p is not None else None,
            unprofessional=bool(p.unprofessional) if p is not None else False,
        )
        for f, p, c in _revealed(session, "freelancer", until, [Feedback.recipient_id == client_id])
    ]


def public_scores_given_by_client(
    session: Session, client_id: int, until: datetime | None = None
) -> dict[int, Decimal]:
    """The public overall score a client gave on each of its contracts, once revealed (the
    client card's cost-weighted average, marketplace.md §2; trust.md §1.1 ``harsh_given``)."""
    rows = session.scalars(
        select(Feedback).where(
            Feedback.author_id == client_id,
            Feedback.author_role == "client",
            Feedback.reveal_at <= (until or utcnow()),
        )
    )
    return {f.contract_id: overall_of(f) for f in rows if _overall_or_none(f) is not None}
