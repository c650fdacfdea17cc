"""Phone verification tables (trust.md §2.1).

The verified number itself lives on the account (``User.phone_e164``, ``User.phone_verified_at``);
these tables hold the codes sent, the checks made and, for development, the SMS log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base, UTCDateTime
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp


class PhoneNumber(Base):
    """One row per number ever entered: the row the service locks to serialise everything about
    that number across accounts (its daily send limit and "one verified account per number")."""

    __tablename__ = "phone_numbers"

    e164: Mapped[str] = mapped_column(String(20), primary_key=True)
    first_seen_at: Mapped[Timestamp]


class PhoneCode(Base):
    """A code sent by SMS. Only its keyed hash is stored (trust.md §2.1).

    A row exists only for a code the gateway accepted: the row is written in the same
    transaction as the send, which rolls back when the gateway fails. Sends are counted from
    these rows (per account and per number).
    """

    __tablename__ = "phone_codes"
    __table_args__ = (
        Index("ix_phone_codes_user_created", "user_id", "created_at"),
        Index("ix_phone_codes_phone_created", "phone_e164", "created_at"),
    )

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    phone_e164: Mapped[str] = mapped_column(String(20), ForeignKey("phone_numbers.e164"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Timestamp]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[OptTimestamp]
    cancelled_at: Mapped[OptTimestamp]  # a newer code replaced it


class PhoneCodeAttempt(Base):
    """A code check. Wrong ones count against the account's 5 per rolling 24 h, across codes."""

    __tablename__ = "phone_code_attempts"
    __table_args__ = (Index("ix_phone_code_attempts_user_at", "user_id", "at"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    code_id: Mapped[int] = mapped_column(BigId, ForeignKey("phone_codes.id"), index=True)
    at: Mapped[Timestamp]
    succeeded: Mapped[bool] = mapped_column(Boolean)


class SmsMessage(Base):
    """Messages the log backend "sent", so a developer can read codes at ``/dev/sms``.

    Written only by ``LogSmsGateway`` outside production; the HTTP gateway stores nothing.
    """

    __tablename__ = "sms_messages"

    id: Mapped[IntPk]
    to_e164: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[Timestamp]
