"""The Rising Talent readiness test (reputation.md §3.1 criterion 5): a short quiz on the
marketplace's rules — 10 questions, pass mark 8, a retake only 24 hours after a failed
attempt; once passed, it stays passed (§6) and cannot be taken again.

The questions and the grading are pure; ``submit`` is the one write (one attempt row, the user
row locked so two submissions at once cannot both slip past the retake rule).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit import service as audit
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, Unprocessable
from workhall.reputation.models import ReadinessAttempt


@dataclass(frozen=True, slots=True)
class Question:
    key: str  # stable: stored in the attempt's answers
    text: str
    choices: tuple[tuple[str, str], ...]  # (choice key, label)
    answer: str  # the right choice key
    explanation: str  # the rule, with its source, shown after grading


# spec: the facts come from marketplace.md and reputation.md; keys never change once used.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "connects_expiry",
        "How long does a Connect stay valid after it is issued?",
        (("a", "30 days"), ("b", "90 days"), ("c", "365 days"), ("d", "It never expires")),
        "c",
        "Every Connect belongs to a lot that expires 365 days after it was issued.",
    ),
    Question(
        "connects_invitation",
        "What does a proposal that answers a client's invitation cost?",
        (
            ("a", "Nothing: it costs no Connects"),
            ("b", "The job's usual Connects price"),
            ("c", "Double the usual price"),
            ("d", "One Connect"),
        ),
        "a",
        "A proposal answering an invitation costs no Connects.",
    ),
    Question(
        "basic_grant",
        "How many Connects does the free basic plan grant each month?",
        (("a", "None"), ("b", "10, on the 1st of the month"), ("c", "40"), ("d", "80")),
        "b",
        "The basic plan grants 10 Connects on the 1st of each month (plus grants 80).",
    ),
    Question(
        "escrow_auto_approval",
        "You submitted a funded milestone and the client does nothing. What happens?",
        (
            ("a", "The money goes back to the client after 7 days"),
            ("b", "Nothing until the client acts"),
            ("c", "It is approved automatically 14 days after your submission"),
            ("d", "A dispute opens by itself"),
        ),
        "c",
        "With no action within 14 days of a submission, the milestone is approved and the "
        "escrow released to you.",
    ),
    Question(
        "release_pending",
        "When does released fixed-price money become available to withdraw?",
        (
            ("a", "At once"),
            ("b", "After a 5-day security hold"),
            ("c", "After 30 days"),
            ("d", "When the contract ends"),
        ),
        "b",
        "Released fixed-price money is pending for 5 days, then available.",
    ),
    Question(
        "service_fee",
        "What is the default freelancer service fee?",
        (
            ("a", "Nothing"),
            ("b", "3% of what the client funds"),
            ("c", "10% of each amount released to you"),
            ("d", "20% of everything"),
        ),
        "c",
        "By default the service fee is a flat 10%, taken when money is released to you.",
    ),
    Question(
        "feedback_reveal",
        "When can the client read the feedback you left on an ended contract?",
        (
            ("a", "As soon as you submit it"),
            ("b", "When both of you have submitted, or 14 days after the end"),
            ("c", "Never"),
            ("d", "Only after a week"),
        ),
        "b",
        "Feedback is double-blind: neither side sees the other's until both have submitted or "
        "the 14 days have passed (the reveal).",
    ),
    Question(
        "private_feedback",
        "Who sees the client's private “would you recommend” score about you?",
        (
            ("a", "You, on your profile"),
            ("b", "Every client"),
            ("c", "No one individually: it is used only in aggregate"),
            ("d", "Only clients who invite you"),
        ),
        "c",
        "Private feedback is never shown to you or to other clients; it is used only in "
        "aggregate (for example in your Job Success Score).",
    ),
    Question(
        "jss_needs",
        "What do you need before a Job Success Score appears?",
        (
            ("a", "One contract with a 5-star review"),
            ("b", "Counted contracts from at least two different clients in a window"),
            ("c", "A verified identity"),
            ("d", "A paid membership"),
        ),
        "b",
        "A window's score is defined only when its counted contracts come from at least two "
        "distinct clients.",
    ),
    Question(
        "dispute_lost",
        "A dispute on your contract is decided in the client's favour. What does it mean for "
        "your Job Success Score?",
        (
            ("a", "Nothing"),
            ("b", "The contract counts as a negative outcome"),
            ("c", "Only the public feedback counts"),
            ("d", "Your score is reset"),
        ),
        "b",
        "A dispute decided client_won makes the contract negative, whatever the feedback.",
    ),
)
QUESTION_KEYS = frozenset(q.key for q in QUESTIONS)


def questions_for(count: int) -> tuple[Question, ...]:
    """The quiz: the first ``count`` questions of the bank (settings.readiness_questions)."""
    return QUESTIONS[: max(1, min(count, len(QUESTIONS)))]


@dataclass(frozen=True, slots=True)
class Grade:
    score: int
    total: int
    pass_mark: int
    passed: bool
    wrong: tuple[str, ...]  # keys of questions answered wrongly or not at all, in quiz order


def grade(
    answers: Mapping[str, str], pass_mark: int = 8, questions: Sequence[Question] = QUESTIONS
) -> Grade:
    """Score = questions whose answer is the right choice; passed when score ≥ pass_mark.
    A missing answer is wrong."""
    wrong = tuple(q.key for q in questions if answers.get(q.key) != q.answer)
    score = len(questions) - len(wrong)
    return Grade(score, len(questions), pass_mark, score >= pass_mark, wrong)


def validate_answers(
    answers: Mapping[str, str], questions: Sequence[Question] = QUESTIONS
) -> dict[str, str]:
    """Only known questions and their own choice keys (blank answers are dropped)."""
    by_key = {q.key: q for q in questions}
    clean: dict[str, str] = {}
    for key, value in answers.items():
        question = by_key.get(key)
        if question is None:
            raise Unprocessable(f"Unknown question {key[:40]!r}.")
        if value == "":
            continue
        if value not in {c for c, _ in question.choices}:
            raise Unprocessable(f"The answer to “{question.text}” is not one of its choices.")
        clean[key] = value
    return clean


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a freelancer is with the test at ``now``."""

    passed_at: datetime | None
    attempts: int
    last_failed_at: datetime | None
    next_attempt_at: datetime | None  # when a retake opens (None: now, or already passed)

    @property
    def passed(self) -> bool:
        return self.passed_at is not None

    @property
    def can_take(self) -> bool:
        return self.passed_at is None and self.next_attempt_at is None


def standing_from(
    attempts: Sequence[tuple[datetime, bool]], now: datetime, retake_hours: int = 24
) -> Standing:
    """Pure: from (at, passed) attempts. A retake opens exactly ``retake_hours`` after the
    latest failed attempt; once an attempt passed, the test stays passed."""
    ordered = sorted(attempts)
    passed_at = next((at for at, ok in ordered if ok), None)
    failed = [at for at, ok in ordered if not ok]
    last_failed = failed[-1] if failed else None
    next_at = None
    if passed_at is None and last_failed is not None:
        opens = last_failed + timedelta(hours=retake_hours)
        next_at = opens if opens > now else None
    return Standing(passed_at, len(ordered), last_failed, next_at)


# --- reads and the write ----------------------------------------------------------------------


def attempts_of(session: Session, user_id: int) -> list[ReadinessAttempt]:
    return list(
        session.scalars(
            select(ReadinessAttempt)
            .where(ReadinessAttempt.user_id == user_id)
            .order_by(ReadinessAttempt.at, ReadinessAttempt.id)
        )
    )


def standing(
    session: Session, user_id: int, retake_hours: int, now: datetime | None = None
) -> Standing:
    rows = attempts_of(session, user_id)
    return standing_from([(r.at, r.passed) for r in rows], now or utcnow(), retake_hours)


def submit(
    session: Session,
    user: User,
    answers: Mapping[str, str],
    *,
    pass_mark: int,
    question_count: int,
    retake_hours: int,
) -> tuple[ReadinessAttempt, Grade]:
    """Grade and store one attempt. Refused (nothing stored) when the test was already passed
    or a retake is not open yet. Locks the user row: two submissions at once are serialised,
    so the second sees the first's attempt."""
    if not user.is_freelancer:
        raise Forbidden("The readiness test is for freelancers.")
    lock_row(session, User, user.id, "No such user.")
    now = utcnow()
    status = standing(session, user.id, retake_hours, now)
    if status.passed:
        raise Conflict("You have already passed the readiness test; it stays passed.")
    if status.next_attempt_at is not None:
        raise Conflict(
            f"You can retake the test {retake_hours} hours after a failed attempt: from "
            f"{status.next_attempt_at:%b %d, %Y %H:%M} UTC."
        )
    questions = questions_for(question_count)
    clean = validate_answers(answers, questions)
    result = grade(clean, pass_mark, questions)
    stored: dict[str, Any] = {"answers": clean, "wrong": list(result.wrong)}
    attempt = ReadinessAttempt(
        user_id=user.id, at=now, score=result.score, passed=result.passed, answers=stored
    )
    session.add(attempt)
    session.flush()
    if result.passed:
        audit.record(
            session,
            "reputation.readiness_passed",
            "user",
            user.id,
            actor_id=user.id,
            score=result.score,
            total=result.total,
        )
    return attempt, result
