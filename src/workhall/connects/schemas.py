"""API bodies for Connects (interfaces.md §1, marketplace.md §4)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardIn(Strict):
    """A card for the payment provider. Test cards: 4242 4242 4242 4242 succeeds,
    4000 0000 0000 0002 is declined (marketplace.md §6.3)."""

    number: Annotated[str, Field(min_length=12, max_length=23, pattern=r"^[0-9 -]+$")]
    exp_month: Annotated[StrictInt, Field(ge=1, le=12)]
    exp_year: Annotated[StrictInt, Field(ge=2000, le=2100)]
    cvc: Annotated[str, Field(pattern=r"^[0-9]{3,4}$")]


class PurchaseIn(Strict):
    bundle: Annotated[StrictInt, Field(ge=1, le=1000, description="10, 20, 40, 60 or 80")]
    card: CardIn


class PurchaseOut(BaseModel):
    id: int
    connects: int
    amount_cents: int
    balance: int


class PlanIn(Strict):
    plan: Literal["basic", "plus"]
    card: CardIn | None = Field(default=None, description="Required to pay for Plus")


class PlanOut(BaseModel):
    plan: Literal["basic", "plus"]
    plus_until: str | None = Field(description="When the paid Plus month ends (the next 1st)")
    monthly_grant: int
    plus_price_cents: int
    balance: int


class LotOut(BaseModel):
    kind: str
    remaining: int
    original: int
    issued_at: str
    expires_at: str


class EventOut(BaseModel):
    at: str
    kind: str
    amount: int
    balance_after: int
    job_id: int | None
    proposal_id: int | None
    note: str


class ConnectsOut(BaseModel):
    balance: int
    plan: Literal["basic", "plus"]
    plus_until: str | None
    lots: list[LotOut]
    history: list[EventOut]
    page: int
    pages: int
    history_total: int


class FixedPriceOut(BaseModel):
    min_cents: int
    max_cents: int | None = Field(description="Exclusive upper bound; null = no bound")
    connects: int


class HourlyPriceOut(BaseModel):
    duration: str
    connects: int


class BundleOut(BaseModel):
    connects: int
    amount_cents: int


class PlanPriceOut(BaseModel):
    plan: str
    monthly_grant: int
    price_cents: int


class BoostRulesOut(BaseModel):
    slots: int
    auction_days: int
    min_bid: int


class PricesOut(BaseModel):
    fixed: list[FixedPriceOut]
    hourly: list[HourlyPriceOut]
    bundles: list[BundleOut]
    unit_price_cents: int
    plans: list[PlanPriceOut]
    lot_lifetime_days: int
    refund_min_lifetime_days: int
    boost: BoostRulesOut
