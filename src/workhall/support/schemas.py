"""API bodies of support tickets. Every field has a type, a length and a range."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from workhall.support.models import BODY_MAX, SUBJECT_MAX

MAX_ID = 9_223_372_036_854_775_807
Category = Literal["account", "payments", "contracts", "verification", "other"]


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Annotated[str, Field(min_length=1, max_length=SUBJECT_MAX)]
    category: Category
    body: Annotated[str, Field(min_length=1, max_length=BODY_MAX)]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(min_length=1, max_length=BODY_MAX)]


class MessageOut(BaseModel):
    id: int
    author_id: int
    from_staff: bool
    body: str
    at: datetime


class TicketOut(BaseModel):
    id: int
    subject: str
    category: Category
    status: Literal["open", "answered", "closed"]
    priority: Literal["priority", "standard"]
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    first_response_at: datetime | None
    response_due_at: datetime | None
    closed_at: datetime | None
    messages: list[MessageOut] = []


class TicketList(BaseModel):
    items: list[TicketOut]
