"""Column helpers shared by the feature models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import mapped_column

from workhall.core.clock import utcnow
from workhall.core.db import UTCDateTime

# BIGINT on PostgreSQL, INTEGER (rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

IntPk = Annotated[int, mapped_column(BigId, primary_key=True, autoincrement=True)]
Timestamp = Annotated[datetime, mapped_column(UTCDateTime, nullable=False, default=utcnow)]
OptTimestamp = Annotated[datetime | None, mapped_column(UTCDateTime, nullable=True)]
Cents = Annotated[int, mapped_column(BigInteger, nullable=False)]


def str_col(length: int) -> String:
    return String(length)
