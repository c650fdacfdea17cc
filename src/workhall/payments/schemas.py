"""API bodies for balances, payments, the ledger, payout methods and withdrawals (§6)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BalanceOut(BaseModel):
    pending_cents: int = Field(description="Released to you, not yet available (§6.3)")
    available_cents: int = Field(description="Can be withdrawn")
    escrow_cents: int = Field(description="Held in escrow on your contracts, as a client")
    lifetime_earnings_cents: int = Field(description="Payments received, gross")
    next_available: list[MaturityOut]


class MaturityOut(BaseModel):
    payment_id: int
    net_cents: int
    available_at: str


class PaymentItemOut(BaseModel):
    kind: Literal["payment", "charge", "refund"]
    id: int
    at: str
    contract_id: int
    milestone_id: int | None
    invoice_id: int | None
    amount_cents: int = Field(description="Gross payment; or escrow funded or returned")
    fee_cents: int = Field(description="Service fee of a payment; or the client fee")
    net_cents: int | None = Field(default=None, description="A payment's amount after the fee")
    total_cents: int | None = Field(default=None, description="What the card was charged or got")
    status: Literal["pending", "available"] | None = None
    available_at: str | None = None


class PaymentsOut(BaseModel):
    role: Literal["freelancer", "client"]
    items: list[PaymentItemOut]
    page: int
    pages: int
    total: int


class TransactionLineOut(BaseModel):
    entry_id: int
    transaction_id: int
    at: str
    kind: str
    account: str
    amount_cents: int = Field(description="+ into the account, − out of it")
    memo: str
    contract_id: int | None


class TransactionsOut(BaseModel):
    items: list[TransactionLineOut]
    page: int
    pages: int
    total: int


class PayoutMethodIn(Strict):
    """A bank account: an ``iban``, or a US ``routing_number`` and ``account_number``.
    Test provider: an account number ending 0002 refuses every payout."""

    holder_name: Annotated[str, Field(min_length=1, max_length=100)]
    iban: Annotated[str | None, Field(default=None, min_length=15, max_length=42)] = None
    routing_number: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{9}$")] = None
    account_number: Annotated[str | None, Field(default=None, pattern=r"^[0-9]{4,17}$")] = None

    @model_validator(mode="after")
    def _one_kind(self) -> PayoutMethodIn:
        us = self.routing_number is not None or self.account_number is not None
        if (self.iban is not None) == us:
            raise ValueError("send an iban, or a routing_number and an account_number")
        if us and (self.routing_number is None or self.account_number is None):
            raise ValueError("a US bank account needs routing_number and account_number")
        return self


class PayoutMethodOut(BaseModel):
    id: int
    label: str
    holder_name: str
    created_at: str


class WithdrawalIn(Strict):
    amount_cents: Annotated[StrictInt, Field(ge=1, le=100_000_000)]
    payout_method_id: Annotated[StrictInt, Field(ge=1, le=2**53)]


class WithdrawalOut(BaseModel):
    id: int
    amount_cents: int
    payout_method_id: int
    status: str
    at: str
    payout_method_label: str


class WithdrawalCreatedOut(WithdrawalOut):
    available_cents: int = Field(description="Left to withdraw after this one")


class WithdrawalsOut(BaseModel):
    items: list[WithdrawalOut]


BalanceOut.model_rebuild()
