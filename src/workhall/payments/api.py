"""Payments API: balance, payments, ledger lines, payout methods and withdrawals (§6)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from workhall.core.idempotency import idempotency_key, run_idempotent
from workhall.core.web import ApiFreelancer, ApiUser, DbDep, SettingsDep
from workhall.payments import payouts, queries
from workhall.payments.models import Payment, PayoutMethod, Withdrawal
from workhall.payments.provider import PaymentProvider, get_provider
from workhall.payments.schemas import (
    BalanceOut,
    MaturityOut,
    PaymentItemOut,
    PaymentsOut,
    PayoutMethodIn,
    PayoutMethodOut,
    TransactionLineOut,
    TransactionsOut,
    WithdrawalCreatedOut,
    WithdrawalIn,
    WithdrawalOut,
    WithdrawalsOut,
)

router = APIRouter(tags=["payments"])


def payment_provider(settings: SettingsDep) -> PaymentProvider:
    return get_provider(settings)


ProviderDep = Annotated[PaymentProvider, Depends(payment_provider)]
PageDep = Annotated[int, Query(ge=1, le=100_000)]

AUTH: dict[int | str, dict[str, Any]] = {401: {"description": "Not signed in (problem document)"}}
FREELANCER: dict[int | str, dict[str, Any]] = {
    **AUTH,
    403: {"description": "Not a freelancer, or withdrawals not allowed (problem document)"},
}


@router.get("/me/balance", response_model=BalanceOut, responses=AUTH)
def my_balance(user: ApiUser, db: DbDep) -> BalanceOut:
    """Pending and available earnings (as a freelancer), escrow held (as a client)."""
    b = queries.balance_of(db, user.id)
    return BalanceOut(
        pending_cents=b.pending_cents,
        available_cents=b.available_cents,
        escrow_cents=b.escrow_cents,
        lifetime_earnings_cents=b.lifetime_earnings_cents,
        next_available=[
            MaturityOut(
                payment_id=p.id, net_cents=p.net_cents, available_at=p.available_at.isoformat()
            )
            for p in queries.pending_payments(db, user.id)
        ],
    )


def _payment_out(p: Payment) -> PaymentItemOut:
    return PaymentItemOut(
        kind="payment",
        id=p.id,
        at=p.at.isoformat(),
        contract_id=p.contract_id,
        milestone_id=p.milestone_id,
        invoice_id=p.invoice_id,
        amount_cents=p.amount_cents,
        fee_cents=p.fee_cents,
        net_cents=p.net_cents,
        status="available" if p.is_available else "pending",
        available_at=p.available_at.isoformat(),
    )


@router.get("/me/payments", response_model=PaymentsOut, responses=AUTH)
def my_payments(user: ApiUser, db: DbDep, settings: SettingsDep, page: PageDep = 1) -> PaymentsOut:
    """As a freelancer: payments received (gross, fee, net, when available). As a client:
    charges of your card and refunds to it. Newest first."""
    size = settings.ledger_page_size
    if user.is_client:
        moves = queries.client_movements(db, user.id, page, size)
        return PaymentsOut(
            role="client",
            items=[
                PaymentItemOut(
                    kind=m.kind,  # type: ignore[arg-type]
                    id=m.id,
                    at=m.at.isoformat(),
                    contract_id=m.contract_id,
                    milestone_id=m.milestone_id,
                    invoice_id=m.invoice_id,
                    amount_cents=m.amount_cents,
                    fee_cents=m.fee_cents,
                    total_cents=m.total_cents,
                )
                for m in moves.items
            ],
            page=moves.page,
            pages=moves.pages,
            total=moves.total,
        )
    got = queries.payments_received(db, user.id, page, size)
    return PaymentsOut(
        role="freelancer",
        items=[_payment_out(p) for p in got.items],
        page=got.page,
        pages=got.pages,
        total=got.total,
    )


@router.get("/me/transactions", response_model=TransactionsOut, responses=AUTH)
def my_transactions(
    user: ApiUser, db: DbDep, settings: SettingsDep, page: PageDep = 1
) -> TransactionsOut:
    """The ledger lines of your own accounts, newest first (marketplace.md §6.1)."""
    lines = queries.ledger_lines(db, user.id, page, settings.ledger_page_size)
    return TransactionsOut(
        items=[
            TransactionLineOut(
                entry_id=line.entry_id,
                transaction_id=line.transaction_id,
                at=line.at.isoformat(),
                kind=line.kind,
                account=line.account,
                amount_cents=line.amount_cents,
                memo=line.memo,
                contract_id=line.contract_id,
            )
            for line in lines.items
        ],
        page=lines.page,
        pages=lines.pages,
        total=lines.total,
    )


def _method_out(m: PayoutMethod) -> PayoutMethodOut:
    return PayoutMethodOut(
        id=m.id, label=m.label, holder_name=m.holder_name, created_at=m.created_at.isoformat()
    )


@router.get("/me/payout-methods", response_model=list[PayoutMethodOut], responses=FREELANCER)
def my_payout_methods(user: ApiFreelancer, db: DbDep) -> list[PayoutMethodOut]:
    return [_method_out(m) for m in payouts.payout_methods(db, user.id)]


@router.post(
    "/me/payout-methods",
    status_code=201,
    response_model=PayoutMethodOut,
    responses={**FREELANCER, 422: {"description": "Malformed bank details"}},
)
def add_payout_method(
    body: PayoutMethodIn,
    user: ApiFreelancer,
    db: DbDep,
    settings: SettingsDep,
    provider: ProviderDep,
) -> PayoutMethodOut:
    """Save a bank account with the payment provider; only a token and a label are kept."""
    account = payouts.bank_account(
        body.holder_name,
        iban=body.iban,
        routing_number=body.routing_number,
        account_number=body.account_number,
    )
    return _method_out(payouts.add_payout_method(db, settings, user, account, provider=provider))


@router.delete(
    "/me/payout-methods/{method_id}",
    status_code=204,
    responses={**FREELANCER, 404: {"description": "Not one of your payout methods"}},
)
def remove_payout_method(
    method_id: Annotated[int, Path(ge=1, le=2**53)], user: ApiFreelancer, db: DbDep
) -> Response:
    payouts.remove_payout_method(db, user, method_id)
    return Response(status_code=204)


def _withdrawal_out(db: DbDep, w: Withdrawal) -> WithdrawalOut:
    method = db.get(PayoutMethod, w.payout_method_id)
    return WithdrawalOut(
        id=w.id,
        amount_cents=w.amount_cents,
        payout_method_id=w.payout_method_id,
        status=w.status,
        at=w.at.isoformat(),
        payout_method_label=method.label if method else "",
    )


@router.get("/me/withdrawals", response_model=WithdrawalsOut, responses=FREELANCER)
def my_withdrawals(user: ApiFreelancer, db: DbDep) -> WithdrawalsOut:
    return WithdrawalsOut(
        items=[_withdrawal_out(db, w) for w in payouts.withdrawals_of(db, user.id)]
    )


@router.post(
    "/me/withdrawals",
    status_code=201,
    response_model=WithdrawalCreatedOut,
    responses={
        **FREELANCER,
        404: {"description": "Not one of your payout methods"},
        409: {"description": "More than is available (`insufficient-funds`), or refused"},
        422: {"description": "Invalid amount, or an Idempotency-Key reused with another body"},
    },
)
def create_withdrawal(
    body: WithdrawalIn,
    request: Request,
    user: ApiFreelancer,
    db: DbDep,
    settings: SettingsDep,
    provider: ProviderDep,
) -> JSONResponse:
    """Withdraw available money to a payout method; needs identity verification and an
    active account (§6.3). Send an ``Idempotency-Key`` to make retries safe (§6.4)."""
    key = idempotency_key(request) or uuid.uuid4().hex

    def action() -> tuple[int, Any]:
        w = payouts.withdraw(
            db, settings, user, body.amount_cents, body.payout_method_id, key, provider=provider
        )
        out = WithdrawalCreatedOut(
            **_withdrawal_out(db, w).model_dump(),
            available_cents=payouts.available_balance(db, user.id),
        )
        return 201, out.model_dump()

    return run_idempotent(db, request, user.id, body.model_dump(), action)
