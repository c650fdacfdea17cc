"""Feedback rules, table-driven (marketplace.md §7; docs/messages-and-feedback.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from workhall.feedback import rules

END = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
US = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # spec §7: "overall = their mean, two decimals" — exact, rounded half up once.
        ([5, 5, 5, 5, 5, 5], "5.00"),
        ([1, 1, 1, 1, 1, 1], "1.00"),
        ([5, 5, 5, 5, 5, 4], "4.83"),  # 29/6 = 4.8333…
        ([5, 5, 5, 5, 4, 4], "4.67"),  # 28/6 = 4.6666…
        ([5, 5, 4, 4, 4, 5], "4.50"),  # 27/6
        ([5, 4, 4, 4, 4, 4], "4.17"),  # 25/6 = 4.1666…
        ([5, 5, 5, 4, 4, 4], "4.50"),
        ([3, 4, 2, 5, 1, 4], "3.17"),  # 19/6
    ],
)
def test_overall_is_the_exact_mean_rounded_half_up(scores, expected):
    assert rules.overall(scores) == Decimal(expected)
    assert str(rules.overall(scores)) == expected


def test_overall_needs_six_scores():
    with pytest.raises(ValueError):
        rules.overall([5, 5])


@pytest.mark.parametrize(
    ("sums", "expected"),
    [
        ([], None),
        ([30], Decimal("5.00")),
        ([29, 30], Decimal("4.92")),  # 59/12 = 4.9166…
        ([25, 25, 26], Decimal("4.22")),  # 76/18 = 4.2222…
    ],
)
def test_average_overall_is_exact_over_all_feedback(sums, expected):
    assert rules.average_overall(sums) == expected


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        # §7: revealed when both submitted, or when the 14 days have passed.
        ([], END + 14 * DAY),
        ([END + DAY], END + 14 * DAY),
        ([END + DAY, END + 3 * DAY], END + 3 * DAY),
        ([END + 5 * DAY, END + 2 * DAY], END + 5 * DAY),
    ],
)
def test_reveal_time(submitted, expected):
    assert rules.reveal_at(END, 14, submitted) == expected


@pytest.mark.parametrize(
    ("now", "revealed"),
    [
        (END + 14 * DAY - US, False),
        (END + 14 * DAY, True),  # the boundary instant is revealed (inclusive)
        (END + 15 * DAY, True),
    ],
)
def test_is_revealed_from_the_instant_on(now, revealed):
    assert rules.is_revealed(END + 14 * DAY, now) is revealed


@pytest.mark.parametrize(
    ("ended_at", "now", "own_reveal", "expected"),
    [
        (None, END, None, rules.NOT_ENDED),  # still active
        (END, END - US, None, rules.NOT_ENDED),
        (END, END, None, None),  # opens at the end instant
        (END, END + 14 * DAY - US, None, None),  # last instant of the window
        (END, END + 14 * DAY, None, rules.WINDOW_CLOSED),  # 14 days later: closed
        (END, END + 3 * DAY, END + 14 * DAY, None),  # editing before the reveal
        (END, END + 3 * DAY, END + 2 * DAY, rules.REVEALED),  # the pair was revealed: frozen
        (END, END + 20 * DAY, END + 14 * DAY, rules.REVEALED),
    ],
)
def test_when_feedback_can_be_written_or_edited(ended_at, now, own_reveal, expected):
    assert rules.write_refusal(ended_at, 14, now, own_reveal) == expected


@pytest.mark.parametrize(
    ("viewer", "author", "revealed", "paid", "public", "private"),
    [
        # The author always sees all of its own feedback.
        ("client", "client", False, 0, True, True),
        ("freelancer", "freelancer", True, 100, True, True),
        # The other party: the public part once revealed (paid or not); never the private.
        ("freelancer", "client", False, 100, False, False),
        ("freelancer", "client", True, 0, True, False),
        ("client", "freelancer", True, 100, True, False),
        # Anyone else: revealed AND more than $0 paid; never the private part.
        ("public", "client", True, 0, False, False),
        ("public", "client", True, 1, True, False),
        ("public", "freelancer", False, 500, False, False),
        # Trust and safety staff, for moderation.
        ("staff", "client", False, 0, True, True),
    ],
)
def test_who_sees_what(viewer, author, revealed, paid, public, private):
    assert rules.visibility(viewer, author, revealed, paid) == rules.Visibility(public, private)


@pytest.mark.parametrize(
    ("recipient", "revealed", "paid", "has_reply", "expected"),
    [
        (True, True, 100, False, None),
        (False, True, 100, False, rules.NOT_RECIPIENT),
        (True, False, 100, False, rules.NOT_REVEALED),
        (True, True, 0, False, rules.NOT_PUBLIC),
        (True, True, 100, True, rules.ALREADY_REPLIED),  # one reply
    ],
)
def test_the_receiver_replies_once_to_revealed_public_feedback(
    recipient, revealed, paid, has_reply, expected
):
    assert rules.reply_refusal(recipient, revealed, paid, has_reply) == expected


CLIENT_SCORES = dict.fromkeys(rules.criteria_of("client"), 5)
FREELANCER_SCORES = dict.fromkeys(rules.criteria_of("freelancer"), 4)


def test_each_side_scores_its_own_six_criteria():
    assert rules.check_scores("client", CLIENT_SCORES) == CLIENT_SCORES
    assert rules.check_scores("freelancer", FREELANCER_SCORES) == FREELANCER_SCORES
    assert set(CLIENT_SCORES) == {
        "skills",
        "quality",
        "availability",
        "deadlines",
        "communication",
        "cooperation",
    }
    assert set(FREELANCER_SCORES) == {
        "clarity",
        "communication",
        "cooperation",
        "availability",
        "deadlines",
        "payment_promptness",
    }


@pytest.mark.parametrize(
    ("role", "scores"),
    [
        ("client", {**CLIENT_SCORES, "skills": 0}),
        ("client", {**CLIENT_SCORES, "skills": 6}),
        ("client", {**CLIENT_SCORES, "skills": True}),
        ("client", {**CLIENT_SCORES, "skills": 4.5}),
        ("client", {**CLIENT_SCORES, "skills": "5"}),
        ("client", {k: v for k, v in CLIENT_SCORES.items() if k != "quality"}),
        ("client", {**CLIENT_SCORES, "clarity": 5}),
        ("freelancer", CLIENT_SCORES),
    ],
)
def test_bad_scores(role, scores):
    with pytest.raises(rules.BadFeedback):
        rules.check_scores(role, scores)


@pytest.mark.parametrize("value", [0, 7, 10])
def test_likelihood_is_0_to_10(value):
    assert rules.check_likelihood(value) == value


@pytest.mark.parametrize("value", [-1, 11, None, True, 5.0, "9"])
def test_bad_likelihood(value):
    with pytest.raises(rules.BadFeedback):
        rules.check_likelihood(value)


@pytest.mark.parametrize(
    "text",
    [
        "Great work <3, delivered early. 5 < 6 and 7 > 3.",
        "Plain text with a link https://example.com and a + b",
    ],
)
def test_plain_text_is_kept(text):
    assert rules.plain_text(text, "comment", 5000) == text


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "nice <b>work</b>",
        "<img src=x onerror=alert(1)>",
        "<!-- hidden -->",
        "x" * 5001,
        "bell\x07",
    ],
)
def test_markup_and_oversized_text_are_refused(text):
    with pytest.raises(rules.BadFeedback):
        rules.plain_text(text, "comment", 5000)
