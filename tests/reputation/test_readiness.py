"""The readiness test (reputation.md §3.1 criterion 5, §6): 10 questions, pass mark 8, a retake
24 hours after a failed attempt, passed once stays passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_client, make_freelancer
from workhall.audit.models import AuditEvent
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, Unprocessable
from workhall.reputation import readiness
from workhall.reputation.models import ReadinessAttempt
from workhall.reputation.readiness import QUESTIONS, grade, standing_from, validate_answers

RIGHT = {q.key: q.answer for q in QUESTIONS}
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def with_wrong(n: int) -> dict[str, str]:
    """The right answers except the first ``n``, answered wrongly."""
    answers = dict(RIGHT)
    for q in QUESTIONS[:n]:
        answers[q.key] = next(key for key, _ in q.choices if key != q.answer)
    return answers


def test_the_bank_has_ten_well_formed_questions() -> None:
    assert len(QUESTIONS) == 10 and len({q.key for q in QUESTIONS}) == 10
    for q in QUESTIONS:
        keys = [key for key, _ in q.choices]
        assert q.answer in keys and len(keys) == len(set(keys)) >= 3
        assert q.text.endswith("?") and q.explanation


@pytest.mark.parametrize(
    ("answers", "score", "passed"),
    [
        (RIGHT, 10, True),
        (with_wrong(1), 9, True),
        (with_wrong(2), 8, True),  # the pass mark: 8 of 10
        (with_wrong(3), 7, False),
        (with_wrong(10), 0, False),
        ({}, 0, False),  # unanswered questions are wrong
        ({k: v for k, v in list(RIGHT.items())[:8]}, 8, True),
    ],
)
def test_grade(answers: dict[str, str], score: int, passed: bool) -> None:
    result = grade(answers)
    assert (result.score, result.total, result.passed) == (score, 10, passed)
    assert len(result.wrong) == 10 - score


def test_grade_names_the_wrong_questions_in_order() -> None:
    assert grade(with_wrong(2)).wrong == (QUESTIONS[0].key, QUESTIONS[1].key)
    assert grade(RIGHT, pass_mark=11).passed is False


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"nonsense": "a"}, "Unknown question"),
        ({QUESTIONS[0].key: "z"}, "not one of its choices"),
    ],
)
def test_validate_answers_refuses_unknown_input(answers: dict[str, str], message: str) -> None:
    with pytest.raises(Unprocessable, match=message):
        validate_answers(answers)


def test_validate_answers_drops_blanks() -> None:
    assert validate_answers({QUESTIONS[0].key: ""}) == {}


H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("attempts", "now", "passed", "next_at", "can_take"),
    [
        ((), T0, False, None, True),
        (((T0, False),), T0 + 23 * H, False, T0 + 24 * H, False),
        (((T0, False),), T0 + 24 * H, False, None, True),  # exactly 24 h later: open
        (((T0, False), (T0 + 25 * H, False)), T0 + 30 * H, False, T0 + 49 * H, False),
        (((T0, True),), T0 + H, True, None, False),  # passed: nothing more to take
        (((T0, False), (T0 + 24 * H, True)), T0 + 25 * H, True, None, False),
    ],
)
def test_standing_from(
    attempts: tuple[tuple[datetime, bool], ...],
    now: datetime,
    passed: bool,
    next_at: datetime | None,
    can_take: bool,
) -> None:
    s = standing_from(attempts, now, 24)
    assert (s.passed, s.next_attempt_at, s.can_take) == (passed, next_at, can_take)


# --- the write ---------------------------------------------------------------------------------


def submit(db, user, answers):  # type: ignore[no-untyped-def]
    return readiness.submit(db, user, answers, pass_mark=8, question_count=10, retake_hours=24)


def test_fail_then_retake_only_after_24_hours_then_pass_stays_passed(db, settings) -> None:  # type: ignore[no-untyped-def]
    clock.set_now(T0)
    user = make_freelancer(db, settings)
    attempt, result = submit(db, user, with_wrong(3))
    assert (attempt.score, attempt.passed, result.passed) == (7, False, False)
    assert attempt.answers["wrong"] == [q.key for q in QUESTIONS[:3]]

    clock.set_now(T0 + 24 * H - timedelta(seconds=1))
    with pytest.raises(Conflict, match="from May 05, 2026 09:00 UTC"):
        submit(db, user, RIGHT)

    clock.set_now(T0 + 24 * H)
    attempt, result = submit(db, user, RIGHT)
    assert attempt.passed and result.score == 10
    with pytest.raises(Conflict, match="already passed"):
        submit(db, user, RIGHT)
    rows = db.scalars(select(ReadinessAttempt).where(ReadinessAttempt.user_id == user.id)).all()
    assert [(r.score, r.passed) for r in rows] == [(7, False), (10, True)]
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "reputation.readiness_passed"))
    assert [e.subject_id for e in audit] == [str(user.id)]
    assert readiness.standing(db, user.id, 24).passed_at == T0 + 24 * H


def test_invalid_answers_store_nothing(db, settings) -> None:  # type: ignore[no-untyped-def]
    user = make_freelancer(db, settings)
    with pytest.raises(Unprocessable):
        submit(db, user, {QUESTIONS[0].key: "nope"})
    assert readiness.attempts_of(db, user.id) == []


def test_clients_cannot_take_it(db, settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        submit(db, make_client(db, settings), RIGHT)


@pytest.mark.concurrency
def test_two_submissions_at_once_store_one_attempt(committed_db, settings) -> None:  # type: ignore[no-untyped-def]
    """Two failed attempts racing: the user row lock serialises them, so the second sees the
    first and is refused by the 24-hour rule (quality.md §2)."""
    from tests.contracts.test_concurrency import race
    from workhall.accounts.models import User

    clock.set_now(T0)
    with committed_db.unit_of_work() as db:
        user_id = make_freelancer(db, settings).id

    def attempt(session):  # type: ignore[no-untyped-def]
        submit(session, session.get(User, user_id), with_wrong(5))

    outcomes = race(committed_db, [attempt, attempt])
    assert sorted(outcomes.elements()) == ["409", "ok"], outcomes
    with committed_db.unit_of_work(write=False) as db:
        assert len(readiness.attempts_of(db, user_id)) == 1
