"""The Rising Talent pilot report for staff (reputation.md §3.2): the two arms compared.

Who is in an arm: every ``RisingTalentEnrollment`` row (an arm is assigned once, at first
eligibility, and never changes — so a freelancer who later graduated or lost eligibility stays
in their arm: intention to treat). For each freelancer, from their first eligibility E:

* **first contract** — the earliest contract they started at or after E;
* **won a first contract within 60 days** — that start is at most 60 days after E
  (settings.pilot_first_contract_days);
* **days to first contract** — from E to that start, in days (fractional);
* **earnings in the first 90 days** — payments released to them with E ≤ at < E + 90 days
  (settings.pilot_earnings_days), gross cents.

A freelancer enrolled less than 60 (or 90) days before now has not been observed for the whole
period yet: the share (and the mean earnings) count only freelancers whose period has ended, so
recent entrants cannot pull an arm down. The report shows how many were observed. The median
days to first contract is over everyone who has had one, whenever it came.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from workhall.contracts.models import Contract
from workhall.core.clock import ensure_utc, utcnow
from workhall.payments.models import Payment
from workhall.reputation import pilot
from workhall.reputation.models import ARMS, RisingTalentEnrollment

DAY_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class ArmSummary:
    arm: str  # "treatment" | "control"
    eligible: int  # freelancers ever enrolled in the arm
    active: int  # still eligible at the latest evaluation
    observed_first_contract: int  # enrolled at least 60 days ago: the share's denominator
    won_first_contract: int  # of those, a first contract within 60 days
    share_won: float | None  # won ÷ observed (None when none observed)
    with_contract: int  # had a first contract after eligibility, any time so far
    median_days_to_first_contract: float | None
    observed_earnings: int  # enrolled at least 90 days ago
    mean_earnings_cents: float | None  # over those, payments in the first 90 days


@dataclass(frozen=True, slots=True)
class PilotReport:
    at: datetime
    first_contract_days: int
    earnings_days: int
    arms: dict[str, ArmSummary]  # "treatment", "control"
    difference: pilot.ProportionDifference  # treatment share − control share, with 95% CI

    def chart_data(self) -> dict[str, object]:
        """What the page's bar chart reads (percentages and dollars, rounded for display)."""
        order = ("treatment", "control")
        return {
            "arms": ["Treatment", "Control"],
            "share_won": [
                None if (s := self.arms[a].share_won) is None else round(100 * s, 1) for a in order
            ],
            "mean_earnings": [
                None if (m := self.arms[a].mean_earnings_cents) is None else round(m / 100, 2)
                for a in order
            ],
        }


@dataclass(slots=True)
class _Member:
    arm: str
    eligible_at: datetime
    active: bool
    first_contract_at: datetime | None = None
    earnings: int = 0


def _members(session: Session) -> dict[int, _Member]:
    rows = session.execute(
        select(
            RisingTalentEnrollment.user_id,
            RisingTalentEnrollment.arm,
            RisingTalentEnrollment.first_eligible_at,
            RisingTalentEnrollment.active,
        )
    )
    return {uid: _Member(arm, ensure_utc(at), active) for uid, arm, at, active in rows}


def build_report(
    session: Session,
    *,
    first_contract_days: int = 60,
    earnings_days: int = 90,
    now: datetime | None = None,
) -> PilotReport:
    now = now or utcnow()
    members = _members(session)
    enrolled = RisingTalentEnrollment

    # The earliest contract started at or after first eligibility, one row per freelancer.
    first_contracts = session.execute(
        select(Contract.freelancer_id, func.min(Contract.started_at))
        .join(
            enrolled,
            and_(
                enrolled.user_id == Contract.freelancer_id,
                Contract.started_at >= enrolled.first_eligible_at,
            ),
        )
        .group_by(Contract.freelancer_id)
    )
    for uid, started in first_contracts:
        if uid in members and started is not None:
            members[uid].first_contract_at = ensure_utc(started)

    # Payments from first eligibility on; the upper bound (E + 90 days) is applied here, in
    # Python, because date arithmetic differs between the two databases.
    payments = session.execute(
        select(Payment.freelancer_id, Payment.at, Payment.amount_cents).join(
            enrolled,
            and_(
                enrolled.user_id == Payment.freelancer_id, Payment.at >= enrolled.first_eligible_at
            ),
        )
    )
    window = timedelta(days=earnings_days)
    for uid, at, cents in payments:
        member = members.get(uid)
        if member is not None and ensure_utc(at) < member.eligible_at + window:
            member.earnings += cents

    arms = {arm: _summary(arm, members, now, first_contract_days, earnings_days) for arm in ARMS}
    treat, control = arms["treatment"], arms["control"]
    difference = pilot.two_proportion_difference(
        treat.won_first_contract,
        treat.observed_first_contract,
        control.won_first_contract,
        control.observed_first_contract,
    )
    return PilotReport(now, first_contract_days, earnings_days, arms, difference)


def _summary(
    arm: str, members: dict[int, _Member], now: datetime, contract_days: int, earnings_days: int
) -> ArmSummary:
    people = [m for m in members.values() if m.arm == arm]
    contract_window = timedelta(days=contract_days)
    earnings_window = timedelta(days=earnings_days)
    observed = [m for m in people if m.eligible_at + contract_window <= now]
    won = [
        m
        for m in observed
        if m.first_contract_at is not None
        and m.first_contract_at - m.eligible_at <= contract_window
    ]
    days = [
        (m.first_contract_at - m.eligible_at).total_seconds() / DAY_SECONDS
        for m in people
        if m.first_contract_at is not None
    ]
    matured = [m for m in people if m.eligible_at + earnings_window <= now]
    return ArmSummary(
        arm=arm,
        eligible=len(people),
        active=sum(1 for m in people if m.active),
        observed_first_contract=len(observed),
        won_first_contract=len(won),
        share_won=pilot.proportion(len(won), len(observed)),
        with_contract=len(days),
        median_days_to_first_contract=pilot.median(days),
        observed_earnings=len(matured),
        mean_earnings_cents=pilot.mean([m.earnings for m in matured]),
    )
