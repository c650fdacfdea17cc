"""The JSS page (reputation.md §1.7): the stored score and the transparency list computed as of
the latest evaluation instant — counted contracts with weight, windows and leave dates, classes
except those decided by private feedback, private totals only from 3, upcoming changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.factories import make_client, make_freelancer
from tests.messages.support import sign_in
from tests.reputation.stats_support import contract_paid, evaluation
from workhall.core import clock
from workhall.feedback.models import CLIENT_CRITERIA, Feedback, FeedbackPrivate

T = datetime(2026, 6, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def d(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def feedback(db, contract, revealed_at, *, public=None, scores=None, private=None):
    """The client's feedback: six criteria (live), or one imported public score (or none)."""
    fields = dict(zip(CLIENT_CRITERIA, scores, strict=True)) if scores else {}
    row = Feedback(
        contract_id=contract.id,
        author_role="client",
        author_id=contract.client_id,
        recipient_id=contract.freelancer_id,
        imported=scores is None,
        public_score=Decimal(public) if public else None,
        submitted_at=revealed_at - timedelta(days=1),
        updated_at=revealed_at - timedelta(days=1),
        reveal_at=revealed_at,
        **fields,
    )
    db.add(row)
    db.flush()
    if private is not None:
        db.add(FeedbackPrivate(feedback_id=row.id, likelihood=private))
        db.flush()
    return row


def row_of(html: str, contract_id: int) -> str:
    found = re.search(rf'<tr data-contract="{contract_id}">(.*?)</tr>', html, re.S)
    assert found, f"contract {contract_id} is listed"
    return found.group(1)


def worked_example(db, settings):
    """reputation.md §1.6, built in the database; JSS 86 stored at T."""
    clock.set_now(d(2024, 1, 1))
    f = make_freelancer(db, settings)
    c1, c2, c3, c4, c5, c6, c7 = (make_client(db, settings) for _ in range(7))

    def contract(client, title, payments, ended, start):
        c = contract_paid(db, settings, client, f, payments, ended_at=ended, started_at=start)
        c.title = title
        return c

    a = contract(c1, "A", [(d(2026, 4, 20), 30_000)], d(2026, 5, 1), d(2026, 4, 1))
    feedback(db, a, d(2026, 5, 5), private=10)
    b = contract(c2, "B", [(d(2026, 3, 20), 200_000)], d(2026, 4, 1), d(2026, 3, 1))
    feedback(db, b, d(2026, 4, 4), public="5.00")
    c = contract(c3, "C", [(d(2026, 1, 5), 10_000)], d(2026, 1, 10), d(2026, 1, 1))
    feedback(db, c, d(2026, 1, 12), public="4.90", private=5)
    dd = contract(c1, "D", [], d(2026, 3, 1), d(2026, 2, 1))
    feedback(db, dd, d(2026, 3, 3), public="5.00")
    e_payments = [
        (d(2025, 9, 1), 20_000),
        (d(2025, 11, 15), 20_000),
        (d(2026, 2, 1), 20_000),
        (d(2026, 4, 15), 20_000),
    ]
    e = contract(c4, "E", e_payments, None, d(2025, 8, 25))
    g = contract(c5, "G", [(d(2024, 2, 20), 5_000)], d(2024, 3, 1), d(2024, 2, 1))
    feedback(db, g, d(2024, 3, 3), public="2.00")
    h = contract(c6, "H", [(d(2025, 7, 20), 40_000)], d(2025, 8, 1), d(2025, 7, 1))
    feedback(db, h, d(2025, 8, 3), public="4.20")
    # After the evaluation: a contract whose private answer arrived on 5 June — not shown yet.
    k = contract(c7, "K", [(d(2026, 5, 20), 50_000)], d(2026, 5, 25), d(2026, 5, 1))
    feedback(db, k, d(2026, 6, 5), private=0)
    evaluation(
        db,
        f,
        T,
        jss=86,
        details={
            "windows": {
                "24m": "60.61",
                "12m": "60.61",
                "6m": "71.43",
                "3m": "100.00",
                "trending": "85.71",
            }
        },
    )
    clock.set_now(NOW)
    return f, {"A": a, "B": b, "C": c, "D": dd, "E": e, "G": g, "H": h, "K": k}


def test_worked_example_as_of_the_latest_evaluation(client, db, settings):
    f, cs = worked_example(db, settings)
    sign_in(client, db, settings, f)
    r = client.get("/stats/jss")
    assert r.status_code == 200, r.text[:500]
    html = r.text
    assert 'id="jss-value">86%' in html
    assert "As of the evaluation of June 01, 2026" in html
    assert "85.71" in html and "60.61" in html
    listed = [int(x) for x in re.findall(r'<tr data-contract="(\d+)">', html)]
    # Counted and in a window at T, newest date first: A, E, B, C, H. D ($0), G (outside 24
    # months) and K (its feedback came after T) are not listed.
    assert listed == [cs[n].id for n in ("A", "E", "B", "C", "H")]
    # Decided by private feedback: marked, class never shown.
    for name in ("A", "C"):
        row = row_of(html, cs[name].id)
        assert "Private feedback" in row
        assert not re.search(r"positive|neutral|negative", row, re.I)
    b_row = row_of(html, cs["B"].id)
    assert "positive" in b_row and "Public feedback" in b_row and ">1.5<" in b_row
    e_row = row_of(html, cs["E"].id)
    assert "positive" in e_row and "Long-term relationship" in e_row and ">3.25<" in e_row
    # E's date is its last payment, 15 April 2026: it leaves the 3-month window 91 days later.
    assert (
        "3 months: Jul 15, 2026" in e_row and "24 months: Apr 14, 2028" in e_row
    )  # 730 days, 2028 is leap
    h_row = row_of(html, cs["H"].id)
    assert "neutral" in h_row and "12 months: Aug 01, 2026" in h_row and "6 months" not in h_row
    # Only 2 private-decided contracts: no totals.
    assert "2 contracts decided by private feedback" in html
    assert "Contracts decided by private feedback:" not in html
    # Without A and C, nothing leaving a window in 90 days moves the score; the page says the
    # private ones are left out rather than promising the score will not move.
    assert 'id="upcoming-empty"' in html
    assert "Contracts decided by private feedback are left out of this forecast" in html


def test_private_totals_from_three_contracts(client, db, settings):
    clock.set_now(d(2026, 1, 1))
    f = make_freelancer(db, settings)
    for i, score in enumerate((10, 10, 3)):
        c = contract_paid(
            db,
            settings,
            make_client(db, settings),
            f,
            [(d(2026, 3, 1 + i), 10_000)],
            ended_at=d(2026, 3, 10 + i),
            started_at=d(2026, 2, 1),
        )
        feedback(db, c, d(2026, 3, 20), private=score)
    evaluation(db, f, T, jss=67)
    clock.set_now(NOW)
    sign_in(client, db, settings, f)
    html = client.get("/stats/jss").text
    assert "Contracts decided by private feedback: 2 positive" in html
    assert "0 neutral, 1 negative" in html
    assert html.count("Private feedback</span>") == 3


def test_upcoming_changes_when_a_negative_contract_leaves_a_window(client, db, settings):
    clock.set_now(d(2025, 1, 1))
    f = make_freelancer(db, settings)
    dates = {
        "P": T - timedelta(days=300),
        "N": T - timedelta(days=175),
        "Q": T - timedelta(days=10),
        "R": T - timedelta(days=20),
    }
    for name, ended in dates.items():
        c = contract_paid(
            db,
            settings,
            make_client(db, settings),
            f,
            [(ended - timedelta(days=2), 10_000)],
            ended_at=ended,
            started_at=ended - timedelta(days=5),
        )
        feedback(db, c, ended + timedelta(hours=1), scores=(2,) * 6 if name == "N" else (5,) * 6)
    evaluation(db, f, T, jss=67)
    clock.set_now(NOW)
    sign_in(client, db, settings, f)
    html = client.get("/stats/jss").text
    # N leaves the 6-month window 182 days after its date: the 6-month score and the trend
    # become 100.
    leaves = (dates["N"] + timedelta(days=182)).strftime("%b %d, %Y")
    assert f"{leaves}: <strong>100%</strong>" in html
    assert 'id="chart-forecast"' in html and 'id="forecast-data"' in html


def test_not_enough_history(client, db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    evaluation(db, f, T, jss=None)
    sign_in(client, db, settings, f)
    html = client.get("/stats/jss").text
    assert 'id="jss-not-enough"' in html and 'id="jss-no-contracts"' in html
    assert "How the score works" in html
    assert "Nothing to forecast yet" in html and "will not change your score" not in html


def test_never_evaluated(client, db, settings):
    clock.set_now(NOW)
    f = make_freelancer(db, settings)
    sign_in(client, db, settings, f)
    r = client.get("/stats/jss")
    assert r.status_code == 200
    assert "You have not been evaluated yet" in r.text and 'id="jss-not-enough"' in r.text


def test_another_freelancer_sees_only_their_own(client, db, settings):
    worked_example(db, settings)
    other = make_freelancer(db, settings)
    sign_in(client, db, settings, other)
    html = client.get("/stats/jss").text
    assert 'data-contract="' not in html and "86%" not in html
