"""API bodies for message threads (marketplace.md §8)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# Ids as the databases store them (64-bit): larger numbers are a 422, not a database error.
MAX_ID = 9_223_372_036_854_775_807
# A schema bound well above the settings' message_max_length (5,000, checked after trimming),
# so a long message is refused with the service's clear message.
BODY_SCHEMA_MAX = 20_000


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(min_length=1, max_length=BODY_SCHEMA_MAX)]


class Party(BaseModel):
    id: int
    handle: str
    name: str
    role: Literal["client", "freelancer"]


class MessageOut(BaseModel):
    id: int
    thread_id: int
    sender_id: int
    mine: bool
    body: str = Field(description="plain text; escape it when showing it")
    created_at: datetime


class ThreadSummary(BaseModel):
    id: int
    kind: Literal["proposal", "contract"]
    proposal_id: int | None
    contract_id: int | None
    subject: str
    other: Party
    unread: int
    message_count: int
    last_message_at: datetime | None
    last_message_excerpt: str


class ThreadListOut(BaseModel):
    items: list[ThreadSummary]
    total: int
    unread_total: int
    page: int
    pages: int


class ThreadOut(BaseModel):
    id: int
    kind: Literal["proposal", "contract"]
    proposal_id: int | None
    contract_id: int | None
    subject: str
    client: Party
    freelancer: Party
    can_write: bool
    cannot_write_reason: str | None
    messages: list[MessageOut]
    has_older: bool = Field(description="older messages exist: ask again with before_id")
    other_read_up_to: int | None = Field(
        description="id of the last message the other party read (participants only)"
    )


class SentOut(BaseModel):
    thread_id: int
    message: MessageOut
