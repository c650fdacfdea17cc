"""API bodies for accounts (interfaces.md §1)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from workhall.catalog import COUNTRIES

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Country = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignUpIn(Strict):
    email: Annotated[EmailStr, Field(max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    name: Name
    country: Country
    role: Literal["freelancer", "client"]

    def country_known(self) -> bool:
        return self.country in COUNTRIES


class AccountOut(BaseModel):
    id: int
    handle: str
    email: str
    name: str
    role: str


class LoginIn(Strict):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    # Staff accounts only (trust.md §3): the 6-digit code of their authenticator app.
    totp_code: Annotated[str, Field(pattern=r"^[0-9]{6}$")] | None = None


class TokenOut(BaseModel):
    token: str


class MeOut(AccountOut):
    country: str
    status: str
    created_at: str
    email_verified: bool
    phone_verified: bool
    identity_verified: bool
    connects_balance: int | None = None
    profile_completeness: int | None = None
    company_name: str | None = None


# --- profiles (marketplace.md §1) -------------------------------------------------------------

Skill = Annotated[str, Field(min_length=1, max_length=60)]


class ProfilePatchIn(Strict):
    """Change some profile fields: a freelancer's profile, or a client's company name.

    Omitted fields stay as they are; ``hourly_rate_cents: null`` removes the rate.
    """

    title: Annotated[str, Field(max_length=120)] | None = None
    overview: Annotated[str, Field(max_length=5000)] | None = None
    skills: Annotated[list[Skill], Field(min_length=1, max_length=15)] | None = None
    hourly_rate_cents: Annotated[int, Field(strict=True, ge=1, le=100_000_000)] | None = None
    availability: Literal["available", "limited", "unavailable"] | None = None
    company_name: Annotated[str, Field(max_length=120)] | None = None


class SkillOut(BaseModel):
    slug: str
    name: str


class PortfolioItemOut(BaseModel):
    id: int
    title: str
    description: str
    url: str | None


class FreelancerProfileOut(BaseModel):
    title: str
    overview: str
    skills: list[SkillOut]
    hourly_rate_cents: int | None
    availability: str
    photo_url: str | None
    portfolio: list[PortfolioItemOut]


class ClientProfileOut(BaseModel):
    company_name: str
    payment_verified: bool


class PublicProfileOut(BaseModel):
    """What anyone may see: never the email address or the phone number."""

    handle: str
    name: str
    role: str
    country: str
    member_since: str
    identity_verified: bool
    phone_verified: bool
    freelancer: FreelancerProfileOut | None = None
    client: ClientProfileOut | None = None


class MyProfileOut(PublicProfileOut):
    """The owner's view: the public profile plus completeness and the card's last digits."""

    profile_completeness: int | None = None
    missing: list[str] | None = None
    payment_method_last4: str | None = None


class PortfolioItemIn(Strict):
    title: Annotated[str, Field(min_length=1, max_length=120)]
    description: Annotated[str, Field(max_length=2000)] = ""
    url: Annotated[str, Field(max_length=500)] | None = None


class PhotoOut(BaseModel):
    photo_url: str


class PasswordChangeIn(Strict):
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: Annotated[str, Field(min_length=1, max_length=1024)]


class PaymentMethodIn(Strict):
    number: Annotated[str, Field(pattern=r"^[0-9 -]{12,23}$")]
    exp_month: Annotated[int, Field(strict=True, ge=1, le=12)]
    exp_year: Annotated[int, Field(strict=True, ge=2000, le=2100)]
    cvc: Annotated[str, Field(pattern=r"^[0-9]{3,4}$")]


class PaymentMethodOut(BaseModel):
    last4: str
    verified_at: str
