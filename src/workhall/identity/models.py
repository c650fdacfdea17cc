"""Identity verification submissions (trust.md §2.2).

One row per submission: the document's type and issuing country, the two files (random
names in the encrypted store, cleared when the documents are deleted), the state and the
decision. ``pending_key`` holds the user id while the submission is pending and NULL once it
is decided: its unique index keeps one pending submission per user on both databases.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

STATUSES = ("pending", "approved", "rejected")
DOCUMENT_TYPES = ("passport", "national_id", "driving_licence")
FILE_KINDS = ("jpeg", "png", "pdf")
REASON_MAX = 500
STORED_NAME_MAX = 64


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class IdentitySubmission(Base):
    __tablename__ = "identity_submissions"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="ck_identity_status"),
        CheckConstraint(_in("document_type", DOCUMENT_TYPES), name="ck_identity_document_type"),
        CheckConstraint(_in("document_kind", FILE_KINDS), name="ck_identity_document_kind"),
        CheckConstraint(_in("selfie_kind", ("jpeg", "png")), name="ck_identity_selfie_kind"),
        Index("ux_identity_pending", "pending_key", unique=True),
        Index("ix_identity_status_submitted", "status", "submitted_at"),
        Index("ix_identity_purge", "documents_deleted_at", "decided_at"),
    )

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    pending_key: Mapped[int | None] = mapped_column(BigId, nullable=True)
    document_type: Mapped[str] = mapped_column(String(20))
    issuing_country: Mapped[str] = mapped_column(String(2))
    # The files: what their content is, their size as stored (before encryption) and their
    # random names in the encrypted store (None once deleted, trust.md §2.2 retention).
    document_kind: Mapped[str] = mapped_column(String(4))
    document_bytes: Mapped[int] = mapped_column(Integer)
    document_file: Mapped[str | None] = mapped_column(String(STORED_NAME_MAX), nullable=True)
    selfie_kind: Mapped[str] = mapped_column(String(4))
    selfie_bytes: Mapped[int] = mapped_column(Integer)
    selfie_file: Mapped[str | None] = mapped_column(String(STORED_NAME_MAX), nullable=True)
    submitted_at: Mapped[Timestamp]
    # The decision: by a staff member (decided_by_id) or by an automated provider (its name).
    provider: Mapped[str] = mapped_column(String(40), default="manual")
    decided_at: Mapped[OptTimestamp]
    decided_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(String(REASON_MAX), nullable=True)
    documents_deleted_at: Mapped[OptTimestamp]
