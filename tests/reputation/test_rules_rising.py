"""Rising Talent eligibility and pilot arms, table-driven (reputation.md §3.1, §3.2, §6)."""

from __future__ import annotations

import hashlib

import pytest

from tests.reputation.rule_facts import contract, d, freelancer, paid_once
from workhall.reputation.facts import ClientStatuses, ContractHistory, FreelancerHistory, Hold
from workhall.reputation.rules import PreviousResult, evaluate, pilot_arm

T = d("2026-06-01T00:00")
NONE = ClientStatuses()
FIRST = PreviousResult()
PROFILE = "profile_complete"


def newcomer(*contracts: ContractHistory, **fields: object) -> FreelancerHistory:
    """A freelancer meeting all eight criteria at T: 3 months old, complete, verified, test
    passed, a proposal last week, no contracts."""
    base: dict[str, object] = {
        "created_at": d("2026-03-01"),
        "completeness": ((d("2026-03-02"), 100),),
        "identity_verified_at": d("2026-03-03"),
        "phone_verified_at": d("2026-03-01T01:00"),
        "readiness_passed_at": d("2026-03-04"),
        "proposals": (d("2026-05-25"),),
    }
    base.update(fields)
    return freelancer(*contracts, **base)


def rising(history: FreelancerHistory, statuses: ClientStatuses = NONE) -> dict[str, bool]:
    result = evaluate(history, T, FIRST, statuses)
    return {c.name: c.met for c in result.rising_talent} | {
        "eligible": result.rising_talent_eligible
    }


def test_newcomer_is_eligible_with_criteria_in_order() -> None:
    result = evaluate(newcomer(), T, FIRST, NONE)
    assert [c.name for c in result.rising_talent] == [
        "no_jss",
        "account_age",
        "profile_complete",
        "verified",
        "readiness_test",
        "no_negative",
        "active",
        "good_standing",
    ]
    assert result.rising_talent_eligible and result.level == "none"
    values = {c.name: c.value for c in result.rising_talent}
    assert values["account_age"] == "2026-03-01" and values["readiness_test"] == "2026-03-04"


TWO_CLIENTS_POSITIVE = (
    paid_once(1, "a", "100", "2026-05-01", public="5.00"),
    paid_once(2, "b", "100", "2026-05-02", public="5.00"),
)


@pytest.mark.parametrize(
    ("history", "failing"),
    [
        # 1. a JSS at T ("graduated")
        (newcomer(*TWO_CLIENTS_POSITIVE), "no_jss"),
        # 2. account created at most 365 days before T (inclusive)
        (newcomer(created_at=d("2025-06-01T00:00")), None),
        (newcomer(created_at=d("2025-05-31T23:59")), "account_age"),
        # 3. profile completeness 100% (the latest record at or before T)
        (
            newcomer(completeness=((d("2026-03-02"), 100), (d("2026-05-01"), 95))),
            "profile_complete",
        ),
        (newcomer(completeness=()), "profile_complete"),
        # 4. identity and phone verified at or before T
        (newcomer(phone_verified_at=None), "verified"),
        (newcomer(identity_verified_at=d("2026-06-02")), "verified"),
        # 5. readiness test passed at or before T
        (newcomer(readiness_passed_at=None), "readiness_test"),
        (newcomer(readiness_passed_at=d("2026-06-01T00:00:01")), "readiness_test"),
        # 6. no counted negative contract at or before T, at any time (not only in a window)
        (
            newcomer(
                paid_once(1, "a", "100", "2026-05-01", public="2.00"), created_at=d("2025-07-01")
            ),
            "no_negative",
        ),
        (newcomer(contract(1, "a", disputes=(("2026-04-01", "client_won"),))), "no_negative"),
        # 8. good standing
        (newcomer(holds=(Hold(d("2026-05-01"), d("2026-05-03")),)), "good_standing"),
        (newcomer(suspended_at=d("2026-05-30")), "good_standing"),
    ],
)
def test_each_criterion(history: FreelancerHistory, failing: str | None) -> None:
    met = rising(history)
    assert [name for name, ok in met.items() if not ok and name != "eligible"] == (
        [failing] if failing else []
    )
    assert met["eligible"] is (failing is None)


def test_negative_contract_long_ago_still_counts() -> None:
    """§6: criterion 6 looks at all counted contracts at any time, even beyond 24 months…"""
    old = paid_once(1, "a", "100", "2023-01-01", public="1.00")
    history = newcomer(old, created_at=d("2025-07-01"))
    assert rising(history)["no_negative"] is False
    # … but not at contracts of clients excluded at T, which count nowhere
    banned = ClientStatuses(changes={"a": ((d("2026-01-01"), "banned"),)})
    assert rising(history, banned)["no_negative"] is True


def test_private_negative_and_zero_dollar_positive() -> None:
    assert (
        rising(newcomer(paid_once(1, "a", "100", "2026-05-01", private=3)))["no_negative"] is False
    )
    # a $0 job with a good outcome is not counted, and a JSS needs two clients
    assert rising(newcomer(contract(1, "a", ended="2026-05-01", public="5.00")))["eligible"] is True


@pytest.mark.parametrize(
    ("created", "proposals", "met"),
    [
        ("2026-05-02T00:00", (), True),  # exactly 30 days old: new account
        ("2026-05-01T23:59", (), False),  # 30 days and a minute, nothing sent
        ("2026-03-01", ("2026-03-04",), True),  # a proposal 89 days before T
        ("2026-03-01", ("2026-03-03",), False),  # exactly 90 days: outside
    ],
)
def test_active_or_new_account(created: str, proposals: tuple[str, ...], met: bool) -> None:
    """§3.1 criterion 7: active in the last 90 days, or created at most 30 days before T."""
    history = newcomer(created_at=d(created), proposals=tuple(d(p) for p in proposals))
    assert rising(history)["active"] is met


def test_payment_counts_as_activity() -> None:
    history = newcomer(contract(1, "a", payments=(("2026-05-20", "50"),)), proposals=())
    assert rising(history)["active"] is True


def test_level_is_settled_before_eligibility() -> None:
    """§3.1 is for freelancers whose level is none, after §2.4: a former Top Rated freelancer
    without a JSS drops to none at once (no grace without a JSS), so may be eligible; one kept
    by grace has a JSS and fails criterion 1."""
    dropped = evaluate(newcomer(), T, PreviousResult("top_rated", False), NONE)
    assert dropped.level == "none" and dropped.rising_talent_eligible


# --- §3.2 arms ---------------------------------------------------------------------------------


@pytest.mark.parametrize("handle", ["f1", "alice", "bob", "carol", "zoë", "a-very-long-handle"])
def test_pilot_arm_formula(handle: str) -> None:
    """control if int(sha256(f"{pilot_seed}:{handle}").hexdigest(), 16) % 100 < control_percent."""
    bucket = int(hashlib.sha256(f"rising-talent:{handle}".encode()).hexdigest(), 16) % 100
    assert pilot_arm(handle) == ("control" if bucket < 20 else "treatment")


@pytest.mark.parametrize(
    ("handle", "seed", "percent", "arm"),
    [
        ("f1", "rising-talent", 20, "control"),  # bucket 11
        ("bob", "rising-talent", 20, "treatment"),  # bucket 22
        ("bob", "rising-talent", 23, "control"),
        ("alice", "rising-talent", 66, "treatment"),  # bucket 66: not < 66
        ("alice", "rising-talent", 67, "control"),
        ("f1", "rising-talent", 0, "treatment"),
        ("carol", "rising-talent", 100, "control"),
    ],
)
def test_pilot_arm_values(handle: str, seed: str, percent: int, arm: str) -> None:
    assert pilot_arm(handle, seed, percent) == arm


def test_pilot_arm_is_stable_and_splits_about_20_percent() -> None:
    arms = [pilot_arm(f"user{i}") for i in range(2000)]
    assert arms == [pilot_arm(f"user{i}") for i in range(2000)]
    assert 320 <= arms.count("control") <= 480
