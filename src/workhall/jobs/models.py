"""Job tables (marketplace.md §2).

The full-text index over open jobs is not a mapped table: ``workhall.jobs.fulltext`` creates
it (FTS5 on SQLite, a tsvector table with a GIN index on PostgreSQL) right after ``create_all``
and from the migrations.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workhall.core.db import Base
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp
from workhall.jobs import fulltext  # noqa: F401  (registers the full-text index DDL)
from workhall.jobs.rules import accepts_proposals


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_status_posted_at", "status", "posted_at"),
        Index("ix_jobs_client_id_status", "client_id", "status"),
        CheckConstraint(
            "status IN ('open', 'filled', 'cancelled', 'expired', 'removed')", name="status"
        ),
        CheckConstraint("budget_type IN ('fixed', 'hourly')", name="budget_type"),
        CheckConstraint("proposal_count >= 0", name="proposal_count"),
    )

    id: Mapped[IntPk]
    client_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40), index=True)
    budget_type: Mapped[str] = mapped_column(String(10))
    budget_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    hourly_min_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    hourly_max_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    duration: Mapped[str] = mapped_column(String(10))
    experience_level: Mapped[str] = mapped_column(String(20))
    visibility: Mapped[str] = mapped_column(String(20), default="public")
    status: Mapped[str] = mapped_column(String(20), default="open")
    # spec: marketplace.md §4.2 — fixed when the job is posted; never changes.
    connects_cost: Mapped[int] = mapped_column(Integer)
    posted_at: Mapped[Timestamp]
    closed_at: Mapped[OptTimestamp]
    # Why it closed when the status alone does not say (moderation reason, client restricted).
    close_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    first_hire_at: Mapped[OptTimestamp]
    last_hire_at: Mapped[OptTimestamp]
    keep_hiring: Mapped[bool] = mapped_column(Boolean, default=False)
    # spec: reputation.md §2.5 — "Top Rated invitations": the system suggests the best-matching
    # Top Rated freelancers for the job; their proposals (answering invitations) are free.
    top_rated_invitations: Mapped[bool] = mapped_column(Boolean, default=False)
    # Maintained by the proposals feature, under this row's lock.
    proposal_count: Mapped[int] = mapped_column(Integer, default=0)

    skills: Mapped[list[JobSkill]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="JobSkill.position"
    )

    @property
    def skill_slugs(self) -> list[str]:
        return [s.skill for s in self.skills]

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def has_hire(self) -> bool:
        return self.first_hire_at is not None

    def accepts_proposals(self, max_proposals: int) -> bool:
        return accepts_proposals(self.status, self.proposal_count, max_proposals)


class JobSkill(Base):
    """A job's skills as rows, for the search filter "skills (any of)"."""

    __tablename__ = "job_skills"
    __table_args__ = (Index("ix_job_skills_skill_job_id", "skill", "job_id"),)

    job_id: Mapped[int] = mapped_column(BigId, ForeignKey("jobs.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class JobReport(Base):
    """spec: marketplace.md §2 — "Anyone can report a job"; one report per user per job."""

    __tablename__ = "job_reports"
    __table_args__ = (UniqueConstraint("reporter_id", "job_id"),)

    id: Mapped[IntPk]
    reporter_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    job_id: Mapped[int] = mapped_column(BigId, ForeignKey("jobs.id"), index=True)
    reason: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[Timestamp]
