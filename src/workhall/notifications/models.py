from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp


class OutboxEmail(Base):
    """An email waiting for (or done with) delivery by ``workhall worker``."""

    __tablename__ = "outbox_emails"

    id: Mapped[IntPk]
    to_address: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("users.id"), nullable=True, index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    sent_at: Mapped[OptTimestamp]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[Timestamp]
    read_at: Mapped[OptTimestamp]
