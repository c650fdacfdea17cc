"""API bodies for accounts (interfaces.md §1)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from workhall.catalog import COUNTRIES

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]


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
