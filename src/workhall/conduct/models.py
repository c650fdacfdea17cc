"""Client conduct tables (trust.md §1).

``client_status_changes`` is the client's conduct status over time (active, restricted,
banned): the reputation engine reads it to leave out the contracts of clients restricted or
banned at an instant (reputation.md §1.3), and an imported history writes it directly.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, Timestamp

CLIENT_STATUSES = ("active", "restricted", "banned")


class ClientStatusChange(Base):
    __tablename__ = "client_status_changes"
    __table_args__ = (
        Index("ix_client_status_changes_client_at", "client_id", "at"),
        CheckConstraint(f"status IN {CLIENT_STATUSES}", name="status"),
    )

    id: Mapped[IntPk]
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    at: Mapped[Timestamp]
    status: Mapped[str] = mapped_column(String(12))
    case_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    note: Mapped[str] = mapped_column(String(1000), default="")
