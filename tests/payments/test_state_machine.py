"""Random sequences of fund / release / refund / split / mature / withdraw keep the ledger whole
(quality.md §2 "Property-based", "Ledger invariant"), checked against a simple model after every
step."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.factories import make_freelancer
from tests.payments.conftest import T0, balances, paying_client
from workhall.core import clock
from workhall.ledger import service as ledger
from workhall.payments import payouts
from workhall.payments import service as payments
from workhall.payments.availability import mature_due_payments
from workhall.payments.models import ClientCharge, Payment

MILESTONES = (1, 2, 3)
_contracts = itertools.count(10_000)


def test_random_money_flows_keep_the_ledger_whole(db, settings, t0):
    class Flows(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            clock.set_now(T0)
            self.client = paying_client(db, settings)
            self.freelancer = make_freelancer(db, settings, identity_verified_at=T0)
            self.method = payouts.add_payout_method(
                db,
                settings,
                self.freelancer,
                payouts.bank_account("F", iban="DE89370400440532013000"),
            )
            self.contract = next(_contracts)
            self.escrow = dict.fromkeys(MILESTONES, 0)
            self.charged = self.card_back = self.withdrawn = 0
            self.keys = itertools.count()

        def _held(self, m: int) -> bool:
            return self.escrow[m] > 0

        @rule(m=st.sampled_from(MILESTONES), amount=st.integers(1, 2_000_000))
        def fund(self, m: int, amount: int) -> None:
            f = payments.fund_escrow(
                db,
                settings,
                client=self.client,
                freelancer_id=self.freelancer.id,
                contract_id=self.contract,
                amount_cents=amount,
                milestone_id=m,
            )
            self.escrow[m] += amount
            self.charged += f.charge_cents

        @precondition(lambda self: any(self.escrow.values()))
        @rule(data=st.data())
        def release(self, data: st.DataObject) -> None:
            m = data.draw(st.sampled_from([m for m in MILESTONES if self._held(m)]))
            amount = data.draw(st.integers(1, self.escrow[m]))
            days = data.draw(st.integers(0, 10))
            payments.release_escrow(
                db,
                settings,
                client_id=self.client.id,
                freelancer_id=self.freelancer.id,
                contract_id=self.contract,
                amount_cents=amount,
                available_at=clock.utcnow() + timedelta(days=days),
                milestone_id=m,
            )
            self.escrow[m] -= amount

        @precondition(lambda self: any(self.escrow.values()))
        @rule(data=st.data(), whole_contract=st.booleans())
        def refund(self, data: st.DataObject, whole_contract: bool) -> None:
            if whole_contract:
                m, held = None, sum(self.escrow.values())
            else:
                m = data.draw(st.sampled_from([m for m in MILESTONES if self._held(m)]))
                held = self.escrow[m]
            amount = data.draw(st.integers(1, held))
            self.card_back += payments.refund_escrow(
                db,
                settings,
                client_id=self.client.id,
                contract_id=self.contract,
                amount_cents=amount,
                milestone_id=m,
            )
            left = amount
            for k in MILESTONES if m is None else (m,):
                take = min(left, self.escrow[k])
                self.escrow[k] -= take
                left -= take

        @precondition(lambda self: any(self.escrow.values()))
        @rule(data=st.data())
        def split(self, data: st.DataObject) -> None:
            m = data.draw(st.sampled_from([m for m in MILESTONES if self._held(m)]))
            to_freelancer = data.draw(st.integers(0, self.escrow[m]))
            to_client = data.draw(st.integers(0, self.escrow[m] - to_freelancer))
            if to_freelancer + to_client == 0:
                return
            result = payments.split_escrow(
                db,
                settings,
                client_id=self.client.id,
                freelancer_id=self.freelancer.id,
                contract_id=self.contract,
                freelancer_cents=to_freelancer,
                client_cents=to_client,
                available_at=clock.utcnow() + timedelta(days=5),
                milestone_id=m,
            )
            self.escrow[m] -= to_freelancer + to_client
            self.card_back += result.refunded_cents

        @rule(days=st.integers(0, 6))
        def time_passes(self, days: int) -> None:
            clock.set_now(clock.utcnow() + timedelta(days=days))
            mature_due_payments(db, clock.utcnow(), 1_000)

        @precondition(
            lambda self: (
                balances(db, self.freelancer.id)["freelancer_available"]
                >= settings.withdrawal_min_cents
            )
        )
        @rule(data=st.data())
        def withdraw(self, data: st.DataObject) -> None:
            have = balances(db, self.freelancer.id)["freelancer_available"]
            amount = data.draw(st.integers(settings.withdrawal_min_cents, have))
            payouts.withdraw(
                db,
                settings,
                self.freelancer,
                amount,
                self.method.id,
                f"sm-{self.contract}-{next(self.keys)}",
            )
            self.withdrawn += amount

        @invariant()
        def ledger_is_whole(self) -> None:
            assert ledger.ledger_problems(db) == []

        @invariant()
        def escrow_matches_the_model(self) -> None:
            for m in MILESTONES:
                assert payments.escrow_balance(db, self.contract, milestone_id=m) == self.escrow[m]
            assert payments.escrow_balance(db, self.contract) == sum(self.escrow.values())
            assert balances(db, self.client.id)["escrow"] == sum(self.escrow.values())
            assert balances(db, self.client.id)["client_funds"] == 0

        @invariant()
        def the_card_saw_every_charge_and_refund(self) -> None:
            charged, refunded = db.execute(
                select(
                    func.coalesce(func.sum(ClientCharge.charge_cents), 0),
                    func.coalesce(func.sum(ClientCharge.refunded_cents), 0),
                ).where(ClientCharge.client_id == self.client.id)
            ).one()
            assert (charged, refunded) == (self.charged, self.card_back)

        @invariant()
        def the_freelancer_has_every_net_cent(self) -> None:
            net = db.scalar(
                select(func.coalesce(func.sum(Payment.amount_cents - Payment.fee_cents), 0)).where(
                    Payment.freelancer_id == self.freelancer.id
                )
            )
            mine = balances(db, self.freelancer.id)
            assert mine["freelancer_pending"] + mine["freelancer_available"] + self.withdrawn == net

    run_state_machine_as_test(
        Flows,
        settings=hsettings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
