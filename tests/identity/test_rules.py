"""Identity rules, table-driven, quoting trust.md §2.2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from workhall.identity import rules
from workhall.identity.models import REASON_MAX

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("latest", "verified", "blocked"),
    [
        (None, False, False),  # never sent anything
        ("rejected", False, False),  # "the user may resubmit"
        ("pending", False, True),  # not while in review
        ("approved", True, True),  # not once verified
        (None, True, True),
    ],
)
def test_when_a_user_may_submit(latest: str | None, verified: bool, blocked: bool) -> None:
    assert (rules.submit_block(latest, verified) is not None) is blocked


@pytest.mark.parametrize(
    ("value", "ok"),
    [("FR", True), ("GB", True), ("XK", False), ("UK", False), ("fr", False), ("", False)],
)
def test_issuing_country_is_an_iso_3166_alpha_2_code(value: str, ok: bool) -> None:
    assert (rules.country_problem(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("passport", True), ("national_id", True), ("driving_licence", True), ("visa", False)],
)
def test_document_types(value: str, ok: bool) -> None:
    assert (rules.document_type_problem(value) is None) is ok


@pytest.mark.parametrize(
    ("text", "stored", "ok"),
    [
        ("  Blurry photo  ", "Blurry photo", True),
        ("", "", False),
        ("   \n ", "", False),
        ("bad\x00name", "bad name", True),
        ("x" * REASON_MAX, "x" * REASON_MAX, True),
        ("x" * (REASON_MAX + 1), "x" * (REASON_MAX + 1), False),
    ],
)
def test_the_rejection_reason_is_required_and_bounded(text: str, stored: str, ok: bool) -> None:
    cleaned, problem = rules.clean_reason(text)
    assert cleaned == stored and (problem is None) is ok


@pytest.mark.parametrize(
    ("decided_ago", "due"),
    [
        (None, False),  # pending: never
        (timedelta(days=29, hours=23), False),
        (timedelta(days=30), True),  # "deleted 30 days after the decision"
        (timedelta(days=45), True),
    ],
)
def test_documents_are_due_30_days_after_the_decision(
    decided_ago: timedelta | None, due: bool
) -> None:
    decided = T - decided_ago if decided_ago is not None else None
    assert rules.documents_due_for_deletion(decided, T, 30) is due


@pytest.mark.parametrize(
    ("waited", "label"),
    [
        (timedelta(minutes=5), "5 min"),
        (timedelta(hours=2, minutes=7), "2 h 7 min"),
        (timedelta(days=3, hours=4), "3 d 4 h"),
        (timedelta(seconds=-30), "0 min"),
    ],
)
def test_waiting_label(waited: timedelta, label: str) -> None:
    assert rules.waiting_label(T - waited, T) == label
