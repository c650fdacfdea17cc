"""API bodies for notifications (marketplace.md §8)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

MAX_ID = 9_223_372_036_854_775_807


class NotificationOut(BaseModel):
    id: int
    kind: str
    text: str
    link: str | None = Field(description="a path on this site, or null")
    created_at: datetime
    read: bool
    read_at: datetime | None


class NotificationListOut(BaseModel):
    items: list[NotificationOut]
    total: int
    unread: int
    page: int
    pages: int


class MarkReadIn(BaseModel):
    """Either ``ids`` (up to 500 of the caller's notifications) or ``"all": true``."""

    model_config = ConfigDict(extra="forbid")

    ids: Annotated[list[Annotated[StrictInt, Field(ge=1, le=MAX_ID)]], Field(max_length=500)] = []
    all: StrictBool = False


class MarkReadOut(BaseModel):
    updated: int
    unread: int
