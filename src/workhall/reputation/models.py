"""Reputation tables (reputation.md §2.1, §3, §5).

An evaluation instant (00:00 UTC on the 1st and 15th) is claimed once in ``evaluation_runs``;
each freelancer's result at that instant is one ``evaluations`` row holding the level, the
at-risk flag, the Rising Talent arm and every criterion with its value (JSON), so history,
My Stats and the CLI read what was decided instead of recomputing it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base, UTCDateTime
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

LEVELS = ("none", "top_rated", "top_rated_plus")
ARMS = ("control", "treatment")


class EvaluationRun(Base):
    """One row per evaluation instant; the worker that inserts it first does the work."""

    __tablename__ = "evaluation_runs"
    __table_args__ = (CheckConstraint("status IN ('running', 'done')", name="status"),)

    id: Mapped[IntPk]
    instant: Mapped[datetime] = mapped_column(UTCDateTime, unique=True)
    status: Mapped[str] = mapped_column(String(10), default="running")
    claimed_by: Mapped[str] = mapped_column(String(100), default="")
    heartbeat_at: Mapped[Timestamp]  # a run whose heartbeat is stale may be taken over
    started_at: Mapped[Timestamp]
    finished_at: Mapped[OptTimestamp]
    freelancers: Mapped[int] = mapped_column(Integer, default=0)
    clients: Mapped[int] = mapped_column(Integer, default=0)  # conduct evaluations at the instant


class Evaluation(Base):
    """A freelancer's badge result at one evaluation instant (reputation.md §2.1, §2.4, §3)."""

    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("user_id", "instant"),
        Index("ix_evaluations_instant_level", "instant", "level"),
        CheckConstraint(f"level IN {LEVELS}", name="level"),
        CheckConstraint(f"earned_level IN {LEVELS}", name="earned_level"),
        CheckConstraint(f"rising_talent IS NULL OR rising_talent IN {ARMS}", name="arm"),
    )

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    instant: Mapped[datetime] = mapped_column(UTCDateTime)
    jss: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    earned_level: Mapped[str] = mapped_column(String(20), default="none")
    level: Mapped[str] = mapped_column(String(20), default="none")
    at_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    rising_talent: Mapped[str | None] = mapped_column(String(10), nullable=True)
    eligible_weeks: Mapped[int] = mapped_column(SmallInteger, default=0)
    # {"windows": {...}, "top_rated": [{"name", "met", "value"}...], "plus": [...],
    #  "rising_talent": [...], "at_risk_reasons": [...], "recommend": {...}, "peers": {...}}
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[Timestamp]


class WeeklyJss(Base):
    """The JSS at each Monday 00:00 UTC (eligible weeks, reputation.md §2.2 criterion 2).

    Stored once per freelancer and Monday so an evaluation reads 15 of its 16 Mondays instead of
    recomputing them; history before a Monday never changes, so the stored value stays true."""

    __tablename__ = "weekly_jss"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    monday: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    jss: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)


class RisingTalentEnrollment(Base):
    """A freelancer's pilot arm, assigned once at first eligibility (reputation.md §3.2)."""

    __tablename__ = "rising_talent_enrollments"
    __table_args__ = (CheckConstraint(f"arm IN {ARMS}", name="arm"),)

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    arm: Mapped[str] = mapped_column(String(10))
    first_eligible_at: Mapped[datetime] = mapped_column(UTCDateTime)
    awarded_at: Mapped[OptTimestamp]  # the one-time 30 Connects (treatment only)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # eligible at the last evaluation
    ended_at: Mapped[OptTimestamp]
    end_reason: Mapped[str] = mapped_column(String(30), default="")  # graduated | criteria


class ReadinessAttempt(Base):
    """One attempt at the readiness test (reputation.md §3.1 criterion 5)."""

    __tablename__ = "readiness_attempts"
    __table_args__ = (Index("ix_readiness_attempts_user_at", "user_id", "at"),)

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    at: Mapped[Timestamp]
    score: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)  # None when imported
    passed: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProfileCompletenessRecord(Base):
    """The profile completeness recorded each time it changes (reputation.md §6: the latest
    value at or before T holds)."""

    __tablename__ = "profile_completeness_records"
    __table_args__ = (
        Index("ix_profile_completeness_user_at", "user_id", "at"),
        CheckConstraint("completeness >= 0 AND completeness <= 100", name="completeness"),
    )

    id: Mapped[IntPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    at: Mapped[Timestamp]
    completeness: Mapped[int] = mapped_column(SmallInteger)


# --- My Stats: peer figures precomputed at each evaluation (reputation.md §5, quality.md §1) ---


class PeerFunnel(Base):
    """The proposal funnel of a category's peers at one evaluation instant: freelancers hired
    in the category in the last 90 days, and the proposals they sent in it in those 90 days
    (``reputation.stats.compute_peer_funnels``). One row per category and instant, zeros
    included, so a missing row means "not computed yet"."""

    __tablename__ = "peer_funnels"
    __table_args__ = (UniqueConstraint("category", "instant"),)

    id: Mapped[IntPk]
    category: Mapped[str] = mapped_column(String(40))
    instant: Mapped[datetime] = mapped_column(UTCDateTime)
    peers: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    viewed: Mapped[int] = mapped_column(Integer, default=0)
    interviewed: Mapped[int] = mapped_column(Integer, default=0)
    hired: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[Timestamp]
