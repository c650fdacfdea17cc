"""Escrow flows through the service, balances checked account by account (marketplace.md §6).

Contract, milestone and invoice ids are plain numbers here: the ledger only tags with them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer
from tests.payments.conftest import CHARGE_DECLINES_CARD, balances, pair, paying_client, platform
from workhall.core.errors import PaymentDeclined, Unprocessable
from workhall.ledger.models import LedgerTransaction
from workhall.ledger.rules import SLIDING_2016
from workhall.ledger.service import InsufficientFunds
from workhall.payments import service as payments
from workhall.payments.models import ClientCharge, ClientRefund, Payment
from workhall.payments.service import PaymentMethodRequired

C = 901  # a contract id


def fund(db, settings, client, freelancer, amount, **kw):  # type: ignore[no-untyped-def]
    return payments.fund_escrow(
        db,
        settings,
        client=client,
        freelancer_id=freelancer.id,
        contract_id=kw.pop("contract_id", C),
        amount_cents=amount,
        **kw,
    )


def release(db, settings, client, freelancer, amount, **kw):  # type: ignore[no-untyped-def]
    from workhall.core.clock import utcnow

    return payments.release_escrow(
        db,
        settings,
        client_id=client.id,
        freelancer_id=freelancer.id,
        contract_id=kw.pop("contract_id", C),
        amount_cents=amount,
        available_at=kw.pop("available_at", utcnow() + timedelta(days=5)),
        **kw,
    )


def test_funding_charges_amount_plus_three_percent_and_holds_the_amount(db, settings, t0, provider):
    client, freelancer = pair(db, settings)
    funding = fund(db, settings, client, freelancer, 10_000, milestone_id=1)
    assert (funding.amount_cents, funding.fee_cents, funding.charge_cents) == (10_000, 300, 10_300)
    assert balances(db, client.id) == {
        "client_funds": 0,
        "escrow": 10_000,
        "freelancer_pending": 0,
        "freelancer_available": 0,
    }
    assert platform(db) == {"fees": 300, "processor_clearing": -10_300}
    assert payments.escrow_balance(db, C) == 10_000
    assert payments.escrow_balance(db, C, milestone_id=1) == 10_000
    assert payments.escrow_balance(db, C, milestone_id=2) == 0
    charges = provider.operations("charge")
    assert [(op.amount_cents, op.ok) for op in charges] == [(10_300, True)]
    assert charges[0].reference == funding.provider_reference
    kinds = [
        db.get(LedgerTransaction, t).kind for t in (funding.charge_txn_id, funding.fund_txn_id)
    ]
    assert kinds == ["charge", "fund"]


def test_client_fee_rounds_half_up(db, settings, t0):
    client, freelancer = pair(db, settings)
    # 3% of $0.50 = 1.5 cents → 2; 3% of $1.49 = 4.47 → 4
    assert fund(db, settings, client, freelancer, 50).fee_cents == 2
    assert fund(db, settings, client, freelancer, 149).fee_cents == 4


def test_no_card_on_file_is_403_and_writes_nothing(db, settings, t0):
    client, freelancer = make_client(db, settings), make_freelancer(db, settings)
    with pytest.raises(PaymentMethodRequired) as err:
        fund(db, settings, client, freelancer, 10_000)
    assert err.value.status == 403
    assert db.scalar(select(func.count()).select_from(LedgerTransaction)) == 0


def test_a_declined_charge_is_402_and_writes_nothing(db, settings, t0, provider):
    client = paying_client(db, settings, card=CHARGE_DECLINES_CARD)
    freelancer = make_freelancer(db, settings)
    with pytest.raises(PaymentDeclined) as err:
        fund(db, settings, client, freelancer, 10_000)
    assert err.value.status == 402 and err.value.extra["amount_cents"] == 10_300
    assert db.scalar(select(func.count()).select_from(LedgerTransaction)) == 0
    assert db.scalar(select(func.count()).select_from(ClientCharge)) == 0
    assert [op.ok for op in provider.operations("charge")] == [False]


def test_release_takes_the_flat_fee_and_leaves_the_net_pending(db, settings, t0):
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 10_000, milestone_id=1)
    payment = release(db, settings, client, freelancer, 10_000, milestone_id=1)
    assert (payment.amount_cents, payment.fee_cents, payment.net_cents) == (10_000, 1_000, 9_000)
    assert payment.available_at == t0 + timedelta(days=5)
    assert payment.available_txn_id is None and payment.at == t0
    assert balances(db, freelancer.id)["freelancer_pending"] == 9_000
    assert balances(db, client.id)["escrow"] == 0
    assert platform(db)["fees"] == 300 + 1_000
    assert payments.escrow_balance(db, C, milestone_id=1) == 0


def test_release_more_than_escrow_is_refused(db, settings, t0):
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 5_000, milestone_id=1)
    fund(db, settings, client, freelancer, 5_000, milestone_id=2)
    with pytest.raises(InsufficientFunds) as err:
        release(db, settings, client, freelancer, 5_001, milestone_id=1)
    assert err.value.status == 409 and err.value.extra["escrow_cents"] == 5_000
    assert db.scalar(select(func.count()).select_from(Payment)) == 0


def test_sliding_scale_over_the_pairs_lifetime_billings(db, settings, t0):
    """spec: marketplace.md §6.2 — the 2016 scale; prior $400 + release $200 → $20 + $10."""
    settings.fee_schedule = list(SLIDING_2016)
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 60_000, milestone_id=1)
    first = release(db, settings, client, freelancer, 40_000, milestone_id=1)
    second = release(db, settings, client, freelancer, 20_000, milestone_id=1)
    assert first.fee_cents == 8_000  # 20% of $400
    assert second.fee_cents == 3_000  # 20% of $100 + 10% of $100
    # Another contract with the same client counts towards the same pair's billings.
    fund(db, settings, client, freelancer, 1_000_000, contract_id=902)
    third = release(db, settings, client, freelancer, 1_000_000, contract_id=902)
    # $600 → $10,000 at 10% ($940) and $10,000 → $10,600 at 5% ($30)
    assert third.fee_cents == 94_000 + 3_000
    # A different client starts from zero.
    other = paying_client(db, settings)
    fund(db, settings, other, freelancer, 10_000, contract_id=903)
    assert release(db, settings, other, freelancer, 10_000, contract_id=903).fee_cents == 2_000
    assert balances(db, freelancer.id)["freelancer_pending"] == (
        60_000 - 11_000 + 1_000_000 - 97_000 + 8_000
    )


def test_refund_returns_escrow_and_the_client_fee_in_proportion(db, settings, t0, provider):
    client, freelancer = pair(db, settings)
    funding = fund(db, settings, client, freelancer, 10_000, milestone_id=1)
    returned = payments.refund_escrow(
        db, settings, client_id=client.id, contract_id=C, amount_cents=5_000, milestone_id=1
    )
    assert returned == 5_000 + 150
    assert balances(db, client.id) == {
        "client_funds": 0,
        "escrow": 5_000,
        "freelancer_pending": 0,
        "freelancer_available": 0,
    }
    assert platform(db) == {"fees": 150, "processor_clearing": -10_300 + 5_150}
    refunds = provider.operations("refund")
    assert [(r.source, r.amount_cents, r.ok) for r in refunds] == [
        (funding.provider_reference, 5_150, True)
    ]
    assert db.get(ClientCharge, funding.charge_id).refunded_cents == 5_150


def test_refunds_in_parts_never_return_more_fee_than_was_charged(db, settings, t0):
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 100, milestone_id=1)  # fee 3
    back = [
        payments.refund_escrow(
            db, settings, client_id=client.id, contract_id=C, amount_cents=50, milestone_id=1
        )
        for _ in range(2)
    ]
    # 1.5 → 2 on the first half; the second gets what is left (1), never 2 again.
    assert back == [52, 51]
    assert sum(r.fee_cents for r in db.scalars(select(ClientRefund))) == 3
    assert platform(db)["fees"] == 0 and payments.escrow_balance(db, C) == 0


def test_refund_after_a_partial_release_returns_the_fee_of_the_refunded_part(db, settings, t0):
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 20_000, milestone_id=1)  # fee 600
    release(db, settings, client, freelancer, 15_000, milestone_id=1)
    returned = payments.refund_escrow(
        db, settings, client_id=client.id, contract_id=C, amount_cents=5_000, milestone_id=1
    )
    assert returned == 5_000 + 150
    assert payments.escrow_balance(db, C) == 0
    assert platform(db)["fees"] == 450 + 1_500


def test_contract_wide_refund_takes_each_milestone_in_turn(db, settings, t0):
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 10_000, milestone_id=1)
    fund(db, settings, client, freelancer, 20_000, milestone_id=2)
    release(db, settings, client, freelancer, 4_000, milestone_id=1)
    returned = payments.refund_escrow(
        db, settings, client_id=client.id, contract_id=C, amount_cents=26_000
    )
    # milestone 1: $60 left (fee back 180); milestone 2: all $200 (fee back 600)
    assert returned == 26_000 + 180 + 600
    assert payments.escrow_balance(db, C, milestone_id=1) == 0
    assert payments.escrow_balance(db, C, milestone_id=2) == 0
    rows = db.scalars(select(ClientRefund).order_by(ClientRefund.id)).all()
    assert [(r.milestone_id, r.amount_cents, r.fee_cents) for r in rows] == [
        (1, 6_000, 180),
        (2, 20_000, 600),
    ]


def test_contract_wide_release_spreads_the_fee_and_records_one_payment(db, settings, t0):
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 333, milestone_id=1)
    fund(db, settings, client, freelancer, 667, milestone_id=2)
    payment = release(db, settings, client, freelancer, 1_000)
    assert (payment.amount_cents, payment.fee_cents, payment.milestone_id) == (1_000, 100, None)
    assert balances(db, freelancer.id)["freelancer_pending"] == 900
    assert payments.escrow_balance(db, C) == 0
    assert db.scalar(select(func.count()).select_from(Payment)) == 1


def test_hourly_invoices_are_their_own_escrow(db, settings, t0):
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 12_000, invoice_id=7)
    fund(db, settings, client, freelancer, 8_000, invoice_id=8)
    payment = release(
        db, settings, client, freelancer, 12_000, invoice_id=7, available_at=t0 + timedelta(days=12)
    )
    assert payment.invoice_id == 7 and payment.available_at == t0 + timedelta(days=12)
    assert payments.escrow_balance(db, C, invoice_id=7) == 0
    assert payments.escrow_balance(db, C, invoice_id=8) == 8_000


def test_split_releases_one_share_with_its_fee_and_refunds_the_other(db, settings, t0, provider):
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 10_000, milestone_id=1)
    result = payments.split_escrow(
        db,
        settings,
        client_id=client.id,
        freelancer_id=freelancer.id,
        contract_id=C,
        freelancer_cents=6_000,
        client_cents=4_000,
        available_at=t0 + timedelta(days=5),
        milestone_id=1,
    )
    assert result.payment is not None
    assert (result.payment.amount_cents, result.payment.fee_cents) == (6_000, 600)
    assert result.refunded_cents == 4_000 + 120
    assert balances(db, freelancer.id)["freelancer_pending"] == 5_400
    assert balances(db, client.id)["escrow"] == 0
    assert platform(db) == {"fees": 180 + 600, "processor_clearing": -10_300 + 4_120}


def test_split_over_escrow_is_refused_whole(db, settings, t0):
    client, freelancer = pair(db, settings)
    fund(db, settings, client, freelancer, 10_000, milestone_id=1)
    with pytest.raises(InsufficientFunds):
        payments.split_escrow(
            db,
            settings,
            client_id=client.id,
            freelancer_id=freelancer.id,
            contract_id=C,
            freelancer_cents=6_000,
            client_cents=4_001,
            available_at=t0,
            milestone_id=1,
        )
    assert db.scalar(select(func.count()).select_from(Payment)) == 0


def test_same_idempotency_key_funds_once(db, settings, t0, provider):
    client, freelancer = pair(db, settings)
    first = fund(db, settings, client, freelancer, 10_000, milestone_id=1, idempotency_key="k1")
    again = fund(db, settings, client, freelancer, 10_000, milestone_id=1, idempotency_key="k1")
    assert first == again
    assert len(provider.operations("charge")) == 1
    assert payments.escrow_balance(db, C) == 10_000
    with pytest.raises(Unprocessable, match="already used"):
        fund(db, settings, client, freelancer, 10_000, milestone_id=2, idempotency_key="k1")
    assert payments.escrow_balance(db, C, milestone_id=2) == 0


def test_a_funding_rolled_back_after_the_charge_is_charged_once_when_retried(
    db, settings, t0, provider
):
    """quality.md §2 — the provider charged, then our transaction failed; the retry with the
    same key gets the provider's first charge back instead of charging again."""
    client, freelancer = pair(db, settings)
    db.commit()  # the set-up survives the rollback below (a savepoint of the test)
    fund(db, settings, client, freelancer, 10_000, milestone_id=1, idempotency_key="k2")
    db.rollback()  # the crash: nothing of ours is kept, the provider's charge is
    assert payments.escrow_balance(db, C) == 0
    funding = fund(db, settings, client, freelancer, 10_000, milestone_id=1, idempotency_key="k2")
    charges = provider.operations("charge")
    assert len(charges) == 1 and charges[0].reference == funding.provider_reference
    assert payments.escrow_balance(db, C) == 10_000
    assert platform(db)["processor_clearing"] == -10_300
