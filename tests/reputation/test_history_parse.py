"""The history import format (interfaces.md §3): parsing, validation and the facts — no database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from workhall.reputation.facts import FeedbackRecord, Hold
from workhall.reputation.history import HistoryError, parse_history, to_facts
from workhall.reputation.rules import compute_jss
from workhall.reputation.synthetic import END, generate

T = datetime(2026, 6, 1, tzinfo=UTC)
TS = "2025-05-01T00:00:00Z"
T0 = "2025-01-01T00:00:00Z"
START = "2025-02-01T00:00:00Z"


def line(line_type: str, /, **fields: object) -> str:
    return json.dumps({"type": line_type, **fields})


def base() -> list[str]:
    """A small valid history: a freelancer, a client, one contract with a payment."""
    return [
        line("user", id="f1", role="freelancer", name="Fay", country="US", created_at=T0),
        # Seconds may be left out: "2025-01-01T00:00Z" is a valid time.
        line("user", id="c1", role="client", name="Cal", country="GB",
             created_at="2025-01-01T00:00Z"),
        line("contract", id="k1", client="c1", freelancer="f1", kind="fixed",
             started_at=START, ended_at="2025-03-01T00:00:00Z"),
        line("payment", contract="k1", at="2025-02-20T00:00:00Z", amount_cents=10_000),
    ]  # fmt: skip


def with_line(text: str) -> list[str]:
    """``base()`` with ``text`` as line 5."""
    return [*base(), text]


FEEDBACK = {"contract": "k1", "from": "client", "at": "2025-03-02T00:00:00Z"}

# One row per kind of bad input (interfaces.md §3 and the import's own checks):
# (case, line 5's text, the field named, words of the message)
BAD = [
    ("not JSON", '{"type": "user", ', "", "not valid JSON"),
    ("not an object", "[1, 2]", "", "JSON object"),
    ("unknown type", line("invoice", id="x"), "type", "unknown type"),
    ("missing type", json.dumps({"id": "x"}), "type", "missing"),
    ("missing field", line("proposal", user="f1"), "at", "missing field"),
    ("unknown field", line("proposal", user="f1", at=TS, bid=3), "bid", "unknown field"),
    ("wrong type: string", line("proposal", user=7, at=TS), "user", "string"),
    (
        "wrong type: boolean",
        line("readiness_test", user="f1", at=TS, passed="yes"),
        "passed",
        "true or false",
    ),
    (
        "wrong type: number",
        line("payment", contract="k1", at="2025-02-21T00:00:00Z", amount_cents="100"),
        "amount_cents",
        "whole number",
    ),
    ("bad time: no Z", line("proposal", user="f1", at="2025-05-01T00:00:00"), "at", "ending in Z"),
    (
        "bad time: offset",
        line("proposal", user="f1", at="2025-05-01T00:00:00+02:00"),
        "at",
        "ending in Z",
    ),
    (
        "bad time: impossible date",
        line("proposal", user="f1", at="2025-02-30T00:00:00Z"),
        "at",
        "not a valid time",
    ),
    (
        "completeness > 100",
        line("profile", user="f1", at=TS, completeness=101),
        "completeness",
        "out of range",
    ),
    (
        "completeness < 0",
        line("profile", user="f1", at=TS, completeness=-1),
        "completeness",
        "out of range",
    ),
    (
        "amount 0",
        line("payment", contract="k1", at="2025-02-21T00:00:00Z", amount_cents=0),
        "amount_cents",
        "out of range",
    ),
    (
        "amount fractional",
        line("payment", contract="k1", at="2025-02-21T00:00:00Z", amount_cents=10.5),
        "amount_cents",
        "whole number",
    ),
    (
        "public score > 5",
        line("feedback", **FEEDBACK, public_score=5.01, private_score=None),
        "public_score",
        "out of range",
    ),
    (
        "public score < 1",
        line("feedback", **FEEDBACK, public_score=0.5, private_score=None),
        "public_score",
        "out of range",
    ),
    (
        "public score 3 decimals",
        line("feedback", **FEEDBACK, public_score=4.555, private_score=None),
        "public_score",
        "two decimals",
    ),
    (
        "private score > 10",
        line("feedback", **FEEDBACK, public_score=None, private_score=11),
        "private_score",
        "out of range",
    ),
    (
        "private score not whole",
        line("feedback", **FEEDBACK, public_score=None, private_score=8.5),
        "private_score",
        "whole number",
    ),
    (
        "enum: role",
        line("user", id="x1", role="staff", name="X", country="US", created_at=T0),
        "role",
        "one of",
    ),
    (
        "enum: verification kind",
        line("verification", user="f1", kind="email", at=TS),
        "kind",
        "one of",
    ),
    (
        "enum: contract kind",
        line(
            "contract",
            id="k2",
            client="c1",
            freelancer="f1",
            kind="retainer",
            started_at=START,
            ended_at=None,
        ),
        "kind",
        "one of",
    ),
    (
        "enum: feedback from",
        line("feedback", **{**FEEDBACK, "from": "staff"}, public_score=None, private_score=None),
        "from",
        "one of",
    ),
    (
        "enum: dispute outcome",
        line("dispute", contract="k1", decided_at="2025-02-25T00:00:00Z", outcome="draw"),
        "outcome",
        "one of",
    ),
    (
        "enum: client status",
        line("client_status", user="c1", at=TS, status="gone"),
        "status",
        "one of",
    ),
    (
        "name too long",
        line("user", id="x1", role="client", name="N" * 101, country="US", created_at=T0),
        "name",
        "longer than 100",
    ),
    (
        "name empty",
        line("user", id="x1", role="client", name="  ", country="US", created_at=T0),
        "name",
        "empty",
    ),
    (
        "id too long",
        line("user", id="x" * 41, role="client", name="X", country="US", created_at=T0),
        "id",
        "longer than 40",
    ),
    (
        "id not a handle",
        line("user", id="x/../y", role="client", name="X", country="US", created_at=T0),
        "id",
        "letters, digits",
    ),
    (
        "country 3 letters",
        line("user", id="x1", role="client", name="X", country="USA", created_at=T0),
        "country",
        "two-letter",
    ),
    ("unknown user", line("proposal", user="nobody", at=TS), "user", "unknown user"),
    (
        "unknown contract",
        line("payment", contract="k9", at="2025-02-21T00:00:00Z", amount_cents=100),
        "contract",
        "unknown contract",
    ),
    (
        "unknown client of a contract",
        line(
            "contract",
            id="k2",
            client="c9",
            freelancer="f1",
            kind="fixed",
            started_at=START,
            ended_at=None,
        ),
        "client",
        "unknown user",
    ),
    (
        "duplicate user id",
        line("user", id="f1", role="freelancer", name="Again", country="US", created_at=T0),
        "id",
        "duplicate user id",
    ),
    (
        "duplicate contract id",
        line(
            "contract",
            id="k1",
            client="c1",
            freelancer="f1",
            kind="fixed",
            started_at=START,
            ended_at=None,
        ),
        "id",
        "duplicate contract id",
    ),
    (
        "payment before start",
        line("payment", contract="k1", at="2025-01-31T23:59:59Z", amount_cents=100),
        "at",
        "before contract",
    ),
    (
        "payment 30 days after end",
        line("payment", contract="k1", at="2025-03-31T00:00:01Z", amount_cents=100),
        "at",
        "more than 30 days",
    ),
    (
        "contract ends before it starts",
        line(
            "contract",
            id="k2",
            client="c1",
            freelancer="f1",
            kind="fixed",
            started_at=START,
            ended_at=T0,
        ),
        "ended_at",
        "before started_at",
    ),
    (
        "hold ends before it starts",
        line("hold", user="f1", **{"from": TS}, until="2025-04-01T00:00:00Z"),
        "until",
        "before from",
    ),
    (
        "role: client is a freelancer",
        line(
            "contract",
            id="k2",
            client="f1",
            freelancer="f1",
            kind="fixed",
            started_at=START,
            ended_at=None,
        ),
        "client",
        "not a client",
    ),
    (
        "role: freelancer is a client",
        line(
            "contract",
            id="k2",
            client="c1",
            freelancer="c1",
            kind="fixed",
            started_at=START,
            ended_at=None,
        ),
        "freelancer",
        "not a freelancer",
    ),
    (
        "role: client status of a freelancer",
        line("client_status", user="f1", at=TS, status="banned"),
        "user",
        "not a client",
    ),
    ("role: proposal by a client", line("proposal", user="c1", at=TS), "user", "not a freelancer"),
]


@pytest.mark.parametrize(("case", "text", "field", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_its_line(case: str, text: str, field: str, words: str) -> None:
    with pytest.raises(HistoryError) as caught:
        parse_history(with_line(text))
    err = caught.value
    assert (err.line, err.field) == (5, field), str(err)
    assert words in err.message, err.message
    assert err.describe("h.jsonl").startswith("h.jsonl:5: ")


def test_a_reference_is_reported_on_the_referring_line_whatever_the_order() -> None:
    # The payment comes first and its contract last; the unknown user is on line 2.
    lines = [
        line("payment", contract="k1", at="2025-02-20T00:00:00Z", amount_cents=100),
        line("proposal", user="ghost", at="2025-05-01T00:00:00Z"),
        *base()[:3],
    ]
    with pytest.raises(HistoryError) as caught:
        parse_history(lines)
    assert (caught.value.line, caught.value.field) == (2, "user")
    # Without the bad line, the same lines in that order are valid.
    history = parse_history([lines[0], *lines[2:]])
    assert [p.contract for p in history.payments] == ["k1"]


def test_blank_lines_are_skipped_but_counted() -> None:
    history = parse_history(["", *base(), "   "])
    assert history.lines == 6 and len(history.users) == 2
    with pytest.raises(HistoryError) as caught:
        parse_history(["", "", "nope"])
    assert caught.value.line == 3


def test_bytes_that_are_not_utf8_are_refused_with_their_line() -> None:
    with pytest.raises(HistoryError) as caught:
        parse_history([b.encode() for b in base()] + [b"\xff\xfe"])
    assert caught.value.line == 5 and "UTF-8" in caught.value.message


def test_values_keep_their_exact_form() -> None:
    history = parse_history(
        with_line(line("feedback", **FEEDBACK, public_score=4.90, private_score=10))
    )
    (fb,) = history.feedback
    assert fb.public_score == Decimal("4.90") and fb.private_score == 10
    assert history.users["c1"].created_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert history.counts()["payment"] == 1


def test_to_facts_keys_sorts_and_keeps_only_client_feedback() -> None:
    lines = [
        *base(),
        line("feedback", contract="k1", **{"from": "client"}, at="2025-03-05T00:00:00Z",
             public_score=3, private_score=4),
        line("feedback", contract="k1", **{"from": "client"}, at="2025-03-02T00:00:00Z",
             public_score=5, private_score=None),
        line("feedback", contract="k1", **{"from": "freelancer"}, at="2025-03-03T00:00:00Z",
             public_score=1, private_score=0),
        line("profile", user="f1", at="2025-04-01T00:00:00Z", completeness=100),
        line("profile", user="f1", at="2025-01-02T00:00:00Z", completeness=40),
        line("verification", user="f1", kind="identity", at="2025-03-01T00:00:00Z"),
        line("verification", user="f1", kind="identity", at="2025-02-01T00:00:00Z"),
        line("verification", user="f1", kind="phone", at="2025-01-05T00:00:00Z"),
        line("readiness_test", user="f1", at="2025-01-03T00:00:00Z", passed=False),
        line("readiness_test", user="f1", at="2025-01-09T00:00:00Z", passed=True),
        line("readiness_test", user="f1", at="2025-01-20T00:00:00Z", passed=True),
        line("hold", user="f1", **{"from": "2025-06-01T00:00:00Z"}, until=None),
        line("proposal", user="f1", at="2025-05-02T00:00:00Z"),
        line("proposal", user="f1", at="2025-05-01T00:00:00Z"),
        line("client_status", user="c1", at="2025-07-01T00:00:00Z", status="banned"),
        line("client_status", user="c1", at="2025-06-01T00:00:00Z", status="restricted"),
        line("dispute", contract="k1", decided_at="2025-02-25T00:00:00Z", outcome="client_won"),
    ]  # fmt: skip
    freelancers, statuses = to_facts(parse_history(lines))
    assert list(freelancers) == ["f1"]  # clients are not freelancers
    f1 = freelancers["f1"]
    assert f1.key == f1.handle == "f1"
    (k1,) = f1.contracts
    assert (k1.id, k1.client) == ("k1", "c1")
    assert k1.payments == ((datetime(2025, 2, 20, tzinfo=UTC), 10_000),)
    assert k1.client_feedback == (
        FeedbackRecord(datetime(2025, 3, 2, tzinfo=UTC), Fraction(5), None),
        FeedbackRecord(datetime(2025, 3, 5, tzinfo=UTC), Fraction(3), 4),
    )
    assert [d.outcome for d in k1.disputes] == ["client_won"]
    assert [c for _, c in f1.completeness] == [40, 100]
    assert f1.identity_verified_at == datetime(2025, 2, 1, tzinfo=UTC)
    assert f1.phone_verified_at == datetime(2025, 1, 5, tzinfo=UTC)
    assert f1.readiness_passed_at == datetime(2025, 1, 9, tzinfo=UTC)
    assert f1.holds == (Hold(datetime(2025, 6, 1, tzinfo=UTC), None),)
    assert f1.proposals == (datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 2, tzinfo=UTC))
    assert statuses.status_at("c1", datetime(2025, 6, 15, tzinfo=UTC)) == "restricted"
    assert statuses.status_at("c1", datetime(2025, 8, 1, tzinfo=UTC)) == "banned"


def worked_example() -> list[str]:
    """reputation.md §1.6 as a history: freelancer F, clients C1–C6, contracts A–H."""
    out = [line("user", id="F", role="freelancer", name="F", country="US",
                created_at="2023-06-01T00:00:00Z")]  # fmt: skip
    for n in range(1, 7):
        out.append(
            line("user", id=f"C{n}", role="client", name=f"C{n}", country="US",
                 created_at="2023-06-01T00:00:00Z")
        )  # fmt: skip

    def contract(cid: str, client: str, start: str, end: str | None) -> None:
        out.append(line("contract", id=cid, client=client, freelancer="F", kind="fixed",
                        started_at=start, ended_at=end))  # fmt: skip

    def pay(cid: str, at: str, cents: int) -> None:
        out.append(line("payment", contract=cid, at=at, amount_cents=cents))

    def feedback(cid: str, at: str, public: float | None, private: int | None) -> None:
        out.append(line("feedback", contract=cid, **{"from": "client"}, at=at,
                        public_score=public, private_score=private))  # fmt: skip

    contract("A", "C1", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    pay("A", "2026-04-30T00:00:00Z", 30_000)
    feedback("A", "2026-05-01T00:00:00Z", None, 10)
    contract("B", "C2", "2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z")
    pay("B", "2026-03-31T00:00:00Z", 200_000)
    feedback("B", "2026-04-01T00:00:00Z", 5.00, None)
    contract("C", "C3", "2025-12-20T00:00:00Z", "2026-01-10T00:00:00Z")
    pay("C", "2026-01-09T00:00:00Z", 10_000)
    feedback("C", "2026-01-10T00:00:00Z", 4.90, 5)
    contract("D", "C1", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
    feedback("D", "2026-03-01T00:00:00Z", 5.00, None)
    contract("E", "C4", "2025-08-15T00:00:00Z", None)
    for at in ("2025-09-01", "2025-11-15", "2026-02-01", "2026-04-15"):
        pay("E", f"{at}T00:00:00Z", 20_000)
    contract("G", "C5", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z")
    pay("G", "2024-02-28T00:00:00Z", 5_000)
    feedback("G", "2024-03-01T00:00:00Z", 2.00, None)
    contract("H", "C6", "2025-07-01T00:00:00Z", "2025-08-01T00:00:00Z")
    pay("H", "2025-07-30T00:00:00Z", 40_000)
    feedback("H", "2025-08-01T00:00:00Z", 4.20, None)
    return out


def test_worked_example_gives_jss_86() -> None:
    freelancers, statuses = to_facts(parse_history(worked_example()))
    result = compute_jss(freelancers["F"], T, statuses)
    assert result.score == 86
    assert result.windows["3m"] == 100


def test_generator_is_deterministic_per_seed_and_valid() -> None:
    first = list(generate(7, "tiny"))
    assert first == list(generate(7, "tiny"))
    assert first != list(generate(8, "tiny"))
    history = parse_history(first)
    counts = history.counts()
    assert (
        counts["user"] == 32 and counts["contract"] > 50 and counts["payment"] > counts["contract"]
    )
    statuses = {s.status for s in history.client_statuses}
    assert {"restricted", "banned", "active"} <= statuses
    assert any(h.ends_at is None for h in history.holds)
    assert any(d.outcome == "client_won" for d in history.disputes) or history.disputes == []
    assert max(p.at for p in history.payments) <= END
    sides: dict[tuple[str, str], int] = {}
    for f in history.feedback:
        sides[(f.contract, f.side)] = sides.get((f.contract, f.side), 0) + 1
    assert any(n > 1 for n in sides.values()), "a contract with several feedback records"
    assert any(f.private_score is not None for f in history.feedback)


def test_generator_makes_badges_and_rising_talent_reachable() -> None:
    freelancers, statuses = to_facts(parse_history(generate(3, "tiny")))
    scores = {k: compute_jss(f, END, statuses).score for k, f in freelancers.items()}
    assert any(s is not None and s >= 90 for s in scores.values())
    young = [
        f
        for k, f in freelancers.items()
        if scores[k] is None
        and (END - f.created_at).days <= 365
        and f.readiness_passed_at is not None
        and f.identity_verified_at is not None
        and f.phone_verified_at is not None
        and f.completeness
        and f.completeness[-1][1] == 100
    ]
    assert young, "a Rising Talent candidate"


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scale"):
        list(generate(1, "XXL"))
