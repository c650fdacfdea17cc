"""Random sequences over one fixed-price contract's money — fund / submit / request changes /
approve / auto-approve / dispute / answer / decide / default / end / escrow return / refund /
time out / mature / withdraw — keep the ledger whole and no escrow negative after every step
(quality.md §2 "Property-based", "Ledger invariant"; marketplace.md §5, §6).

Each rule calls the real service inside a savepoint, as a request would: an expected refusal
(409, 422, 403) rolls its savepoint back and is a no-op; any other exception fails the test."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from hypothesis import HealthCheck, seed
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.contracts.conftest import T0, hire, make_world
from tests.factories import make_user
from workhall.contracts import returns
from workhall.contracts import service as contracts
from workhall.contracts.models import Contract, EscrowReturn, Milestone
from workhall.core import clock
from workhall.core.errors import Conflict, Forbidden, Unprocessable
from workhall.core.settings import Settings
from workhall.disputes import service as disputes
from workhall.disputes.models import Dispute
from workhall.disputes.service import Subject
from workhall.ledger import service as ledger
from workhall.payments import payouts
from workhall.payments import service as payments
from workhall.payments.availability import mature_due_payments
from workhall.payments.models import ClientCharge, ClientRefund, Payment, Withdrawal

REFUSALS = (Conflict, Unprocessable, Forbidden)
# The test payment provider remembers idempotency keys outside the database, so keys stay
# unique across examples even though each example's rows are rolled back.
_keys = itertools.count()
SEED = 1


def _sum(db: Session, column: Any, *where: Any) -> int:
    return int(db.scalar(select(func.coalesce(func.sum(column), 0)).where(*where)) or 0)


def _fees_balance(db: Session) -> int:
    return ledger.balance(db, ledger.get_account(db, None, "fees").id)


class ContractMoney(RuleBasedStateMachine):
    """One client, one freelancer, one fixed-price contract with 1–3 milestones (≥ $5 each)."""

    db: Session
    settings: Settings

    def __init__(self) -> None:
        super().__init__()
        self.started = False

    # --- plumbing ------------------------------------------------------------------------------

    def attempt(self, call: Callable[[], object]) -> bool:
        """Run one service call in a savepoint; an expected refusal leaves nothing behind."""
        try:
            with self.db.begin_nested():
                call()
        except REFUSALS:
            return False
        return True

    def milestone_ids(self) -> list[int]:
        return [m.id for m in self.milestones]

    def open_disputes(self, status: str) -> list[int]:
        return list(
            self.db.scalars(
                select(Dispute.id)
                .where(Dispute.contract_id == self.contract.id, Dispute.status == status)
                .order_by(Dispute.id)
            )
        )

    def in_state(self, *states: str) -> list[Milestone]:
        if not self.started:
            return []
        found = dict(
            self.db.execute(
                select(Milestone.id, Milestone.status).where(
                    Milestone.contract_id == self.contract.id
                )
            ).all()
        )
        return [m for m in self.milestones if found[m.id] in states]

    def pick(self, i: int, *states: str) -> Milestone:
        """Mostly a milestone in one of ``states``; one time in five any milestone, so refusals
        get exercised too."""
        fitting = self.in_state(*states)
        if i % 5 == 4 or not fitting:
            return self.milestones[i % len(self.milestones)]
        return fitting[i % len(fitting)]

    def active(self) -> bool:
        if not self.started:
            return False
        contract = self.db.get(Contract, self.contract.id)
        return contract is not None and contract.is_active

    def pending_return(self) -> EscrowReturn | None:
        return self.db.scalar(
            select(EscrowReturn).where(
                EscrowReturn.contract_id == self.contract.id, EscrowReturn.status == "pending"
            )
        )

    # --- setup ---------------------------------------------------------------------------------

    @initialize(amounts=st.lists(st.integers(500, 300_000), min_size=1, max_size=3))
    def hire(self, amounts: list[int]) -> None:
        db, settings = self.db, self.settings
        # Each example runs in its own savepoint, rolled back in teardown: the worker tasks
        # (automatic approval, maturing, defaults, returns) act on every row in the database,
        # so an earlier example's contract must not move money during this one.
        self.example = db.begin_nested()
        clock.set_now(T0)
        self.w = make_world(db, settings)
        self.w.freelancer.identity_verified_at = T0
        self.method = payouts.add_payout_method(
            db,
            settings,
            self.w.freelancer,
            payouts.bank_account("F", iban="DE89370400440532013000"),
        )
        self.agent = make_user(db, settings, "staff", staff_roles="trust_safety")
        self.contract, self.milestones = hire(db, settings, self.w, *amounts)
        db.flush()
        self.fees_before = _fees_balance(db)
        # The first milestone starts funded, so there is money in play even in the examples
        # where Hypothesis's swarm testing switches the fund rule off.
        contracts.fund_milestone(db, settings, self.w.client, self.milestones[0].id)
        self.funded = amounts[0]  # model: escrow ever charged to the client's card
        self.withdrawn = 0  # model: paid out to the freelancer's bank
        self.started = True

    def teardown(self) -> None:
        if self.started and self.example.is_active:
            self.example.rollback()
            # Ids are reused by the next example: forget this one's objects entirely.
            self.db.expunge_all()

    # --- the contract's flow -------------------------------------------------------------------

    @precondition(lambda self: bool(self.in_state("pending")))
    @rule(i=st.integers(0, 9))
    def fund(self, i: int) -> None:
        m = self.pick(i, "pending")
        amount = m.amount_cents
        if self.attempt(
            lambda: contracts.fund_milestone(self.db, self.settings, self.w.client, m.id)
        ):
            self.funded += amount

    @precondition(lambda self: self.active() and bool(self.in_state("funded", "changes_requested")))
    @rule(i=st.integers(0, 9))
    def submit(self, i: int) -> None:
        m = self.pick(i, "funded", "changes_requested")
        self.attempt(
            lambda: contracts.submit_work(
                self.db, self.settings, self.w.freelancer, m.id, "Here is the work."
            )
        )

    @precondition(lambda self: bool(self.in_state("submitted")))
    @rule(i=st.integers(0, 9))
    def request_changes(self, i: int) -> None:
        m = self.pick(i, "submitted")
        self.attempt(
            lambda: contracts.request_changes(
                self.db, self.settings, self.w.client, m.id, "Please change the colours."
            )
        )

    @precondition(lambda self: self.active() and bool(self.in_state("funded", "changes_requested")))
    @rule(i=st.integers(0, 9))
    def two_rework_rounds(self, i: int) -> None:
        """Submit and get sent back twice: a milestone becomes disputable (marketplace.md §5)
        within a few steps instead of rarely."""
        m = self.pick(i, "funded", "changes_requested")
        for _ in range(2):
            self.attempt(
                lambda: contracts.submit_work(
                    self.db, self.settings, self.w.freelancer, m.id, "Another try."
                )
            )
            self.attempt(
                lambda: contracts.request_changes(
                    self.db, self.settings, self.w.client, m.id, "Still not right."
                )
            )

    @precondition(lambda self: bool(self.in_state("funded", "submitted", "changes_requested")))
    @rule(i=st.integers(0, 9))
    def approve(self, i: int) -> None:
        m = self.pick(i, "submitted", "funded", "changes_requested")
        self.attempt(
            lambda: contracts.approve_milestone(self.db, self.settings, self.w.client, m.id)
        )

    @precondition(lambda self: self.started)
    # Hours up to 15 days; the durations around the 14-day automatic approval are named so
    # they are drawn often (plain integers lean towards small values).
    @rule(hours=st.sampled_from([1, 24, 3 * 24, 7 * 24, 14 * 24 - 1, 14 * 24, 15 * 24]))
    def time_passes(self, hours: int) -> None:
        clock.advance(timedelta(hours=hours))
        self.attempt(lambda: contracts.auto_approve_due_milestones(self.db, self.settings))

    @precondition(
        lambda self: (
            self.started
            and ledger.user_balances(self.db, self.w.freelancer.id)["freelancer_pending"] > 0
        )
    )
    @rule()
    def mature(self) -> None:
        self.attempt(lambda: mature_due_payments(self.db, clock.utcnow(), 1_000))

    @precondition(lambda self: self.active() and self.funded > 0)
    @rule(who=st.sampled_from(["client", "freelancer"]))
    def end(self, who: str) -> None:
        user = self.w.client if who == "client" else self.w.freelancer
        self.attempt(
            lambda: contracts.end_contract(self.db, self.settings, user, self.contract.id, "Done.")
        )

    # --- escrow returns ------------------------------------------------------------------------

    @precondition(
        lambda self: (
            self.started
            and not self.active()
            and contracts.escrow_left(self.db, self.contract.id) > 0
            and returns.open_escrow_return(self.db, self.contract.id) is None
        )
    )
    @rule()
    def ask_escrow_back(self) -> None:
        self.attempt(
            lambda: returns.request_escrow_return(
                self.db, self.settings, self.w.client, self.contract.id, "Please."
            )
        )

    @precondition(lambda self: self.started and self.pending_return() is not None)
    @rule()
    def refund_escrow_back(self) -> None:
        request = self.pending_return()
        if request is not None:
            self.attempt(
                lambda: returns.refund_escrow_return(
                    self.db, self.settings, self.w.freelancer, request.id
                )
            )

    @precondition(lambda self: self.started and self.pending_return() is not None)
    @rule(days=st.integers(7, 9))
    def escrow_return_times_out(self, days: int) -> None:
        clock.advance(timedelta(days=days))
        self.attempt(lambda: returns.return_unanswered_escrow(self.db, self.settings))

    # --- disputes ------------------------------------------------------------------------------

    def disputable(self) -> list[Milestone]:
        return [
            m
            for m in self.in_state("changes_requested")
            if m.changes_requested_count >= 2
            and not disputes.has_open_dispute(self.db, milestone_id=m.id)
        ]

    def undisputed_return(self) -> EscrowReturn | None:
        request = self.pending_return()
        if request is None or disputes.has_open_dispute(self.db, escrow_return_id=request.id):
            return None
        return request

    @precondition(lambda self: bool(self.disputable()) or self.undisputed_return() is not None)
    @rule(i=st.integers(0, 9))
    def file_dispute(self, i: int) -> None:
        request, fitting = self.undisputed_return(), self.disputable()
        if request is not None and (i % 2 or not fitting):
            subject = Subject(escrow_return_id=request.id)
        elif fitting and i % 5 != 4:
            subject = Subject(milestone_id=fitting[i % len(fitting)].id)
        else:  # now and then one that is not eligible: refused, nothing stored
            subject = Subject(milestone_id=self.milestones[i % len(self.milestones)].id)
        self.attempt(
            lambda: disputes.file_dispute(
                self.db, self.settings, self.w.freelancer, subject, "I did what was asked."
            )
        )

    def answer_disputes(self) -> None:
        for dispute_id in self.open_disputes("awaiting_client"):
            self.attempt(
                partial(
                    disputes.answer_dispute,
                    self.db,
                    self.settings,
                    self.w.client,
                    dispute_id,
                    "The work is not what I asked.",
                )
            )

    def decide_disputes(self, outcome: str, share: float) -> None:
        for dispute_id in self.open_disputes("in_mediation"):
            dispute = self.db.get(Dispute, dispute_id)
            assert dispute is not None
            at_stake = disputes.escrow_at_stake(self.db, dispute)
            to_freelancer: int | None = None
            to_client: int | None = None
            if outcome == "split":
                to_freelancer = min(max(int(at_stake * share), 1), at_stake - 1)
                to_client = at_stake - to_freelancer
            self.attempt(
                partial(
                    disputes.decide_dispute,
                    self.db,
                    self.settings,
                    self.agent,
                    dispute_id,
                    outcome=outcome,
                    freelancer_cents=to_freelancer,
                    client_cents=to_client,
                )
            )

    # One rule for every move on an open dispute: Hypothesis's swarm testing switches whole
    # rules off per example, and with three separate rules a filed dispute was seldom moved on.
    @precondition(
        lambda self: (
            self.started
            and bool(self.open_disputes("in_mediation") or self.open_disputes("awaiting_client"))
        )
    )
    @rule(
        move=st.sampled_from(["answer", "answer_and_decide", "default"]),
        outcome=st.sampled_from(["freelancer_won", "client_won", "split"]),
        share=st.floats(0.01, 0.99),
        days=st.integers(5, 9),
    )
    def move_disputes(self, move: str, outcome: str, share: float, days: int) -> None:
        """The client answers; an agent decides (drawn outcome and split); or nobody answers
        and, 5+ days on, the default task decides for the freelancer (marketplace.md §5)."""
        if move == "default":
            clock.advance(timedelta(days=days))
            self.attempt(lambda: disputes.default_unanswered_disputes(self.db, self.settings))
            return
        self.answer_disputes()
        if move == "answer_and_decide":
            self.decide_disputes(outcome, share)

    # --- payouts -------------------------------------------------------------------------------

    @precondition(
        lambda self: (
            self.started
            and payouts.available_balance(self.db, self.w.freelancer.id)
            >= self.settings.withdrawal_min_cents
        )
    )
    @rule(share=st.floats(0.0, 1.0))
    def withdraw(self, share: float) -> None:
        have = payouts.available_balance(self.db, self.w.freelancer.id)
        low = self.settings.withdrawal_min_cents
        if have < low:
            return
        amount = low + int((have - low) * share)
        key = f"contract-sm-{next(_keys)}"
        if self.attempt(
            lambda: payouts.withdraw(
                self.db, self.settings, self.w.freelancer, amount, self.method.id, key
            )
        ):
            self.withdrawn += amount

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def ledger_is_whole(self) -> None:
        if self.started:
            assert ledger.ledger_problems(self.db) == []

    @invariant()
    def no_escrow_is_negative(self) -> None:
        if not self.started:
            return
        held = [
            payments.escrow_balance(self.db, self.contract.id, milestone_id=i)
            for i in self.milestone_ids()
        ]
        assert all(h >= 0 for h in held), held
        assert payments.escrow_balance(self.db, self.contract.id) == sum(held)
        # A milestone out of the escrow-holding states holds nothing any more (§5).
        for m_id, h in zip(self.milestone_ids(), held, strict=True):
            status = self.db.scalar(select(Milestone.status).where(Milestone.id == m_id))
            if status not in ("funded", "submitted", "changes_requested"):
                assert h == 0, (status, h)

    @invariant()
    def every_charged_cent_is_somewhere(self) -> None:
        """Charged = escrow held + released gross + refunded; the card saw every refund."""
        if not self.started:
            return
        c = self.contract.id
        charged = _sum(self.db, ClientCharge.amount_cents, ClientCharge.contract_id == c)
        assert charged == self.funded
        released = _sum(self.db, Payment.amount_cents, Payment.contract_id == c)
        refunded = _sum(self.db, ClientRefund.amount_cents, ClientRefund.contract_id == c)
        assert charged == payments.escrow_balance(self.db, c) + released + refunded
        card_back = _sum(self.db, ClientCharge.refunded_cents, ClientCharge.contract_id == c)
        refunds = _sum(
            self.db,
            ClientRefund.amount_cents + ClientRefund.fee_cents,
            ClientRefund.contract_id == c,
        )
        assert card_back == refunds
        client = ledger.user_balances(self.db, self.w.client.id)
        assert client["escrow"] == payments.escrow_balance(self.db, c)

    @invariant()
    def the_freelancer_has_every_net_cent(self) -> None:
        if not self.started:
            return
        f = self.w.freelancer.id
        net = _sum(self.db, Payment.amount_cents - Payment.fee_cents, Payment.freelancer_id == f)
        mine = ledger.user_balances(self.db, f)
        paid_out = _sum(self.db, Withdrawal.amount_cents, Withdrawal.user_id == f)
        assert paid_out == self.withdrawn
        assert mine["freelancer_pending"] + mine["freelancer_available"] + self.withdrawn == net
        assert mine["freelancer_available"] >= 0 and mine["freelancer_pending"] >= 0

    @invariant()
    def the_platform_kept_exactly_its_fees(self) -> None:
        """Fees = client fees kept (charged − refunded) + service fees on releases (§6.2)."""
        if not self.started:
            return
        c = self.contract.id
        client_fees = _sum(self.db, ClientCharge.fee_cents, ClientCharge.contract_id == c)
        fees_back = _sum(self.db, ClientRefund.fee_cents, ClientRefund.contract_id == c)
        service_fees = _sum(self.db, Payment.fee_cents, Payment.contract_id == c)
        gained = _fees_balance(self.db) - self.fees_before
        assert gained == client_fees - fees_back + service_fees


def test_random_contract_sequences_keep_the_money_whole(db: Session, settings: Settings) -> None:
    # A fixed seed: CI replays the same sequences. Of the seeds tried, this one files the most
    # disputes and moves them on (answered, decided, defaulted) within the time budget.
    @seed(SEED)
    class Machine(ContractMoney):
        pass

    Machine.db = db
    Machine.settings = settings
    run_state_machine_as_test(
        Machine,
        settings=hsettings(
            max_examples=22,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
