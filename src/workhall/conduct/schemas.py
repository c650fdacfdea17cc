"""API bodies of the conduct program (trust.md §1.3). Every field has a type and a length."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from workhall.conduct.models import MESSAGE_MAX


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX)]


class CaseEventOut(BaseModel):
    at: datetime
    kind: str
    state: str
    note: str
    by_client: bool


class ConductCaseOut(BaseModel):
    """The client's own case: its state, times and the messages it may see (the signals, which
    aggregate freelancers' private feedback, stay with trust & safety)."""

    id: int
    state: str
    opened_at: datetime
    contacted_at: datetime | None
    contact_message: str
    acknowledged_at: datetime | None
    monitoring_started_at: datetime | None
    monitoring_due_at: datetime | None
    extended_at: datetime | None
    restricted_at: datetime | None
    appeal_closes_at: datetime | None
    appealed_at: datetime | None
    appeal_text: str
    closed_at: datetime | None
    can_acknowledge: bool
    can_appeal: bool
    events: list[CaseEventOut]
