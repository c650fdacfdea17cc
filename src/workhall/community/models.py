"""Tables of the Top Rated benefits that are their own features (reputation.md §2.5): the
community forum (categories, threads, posts), workshops with registrations and a waiting
list, and the library of exclusive resources (guides written by staff)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from workhall.core.db import Base, UTCDateTime
from workhall.core.models import BigId, IntPk, OptTimestamp, Timestamp

SLUG_MAX = 60
CATEGORY_NAME_MAX = 80
CATEGORY_DESCRIPTION_MAX = 300
TITLE_MAX = 150
POST_MAX = 10_000
WORKSHOP_DESCRIPTION_MAX = 5_000
LINK_MAX = 500
SUMMARY_MAX = 300
GUIDE_MAX = 30_000

CAPACITY_MIN, CAPACITY_MAX = 1, 500
DURATION_MIN, DURATION_MAX = 15, 480  # minutes
REGISTRATION_STATUSES = ("registered", "waiting", "cancelled")


# --- community forum ----------------------------------------------------------------------------


class ForumCategory(Base):
    __tablename__ = "forum_categories"

    id: Mapped[IntPk]
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(CATEGORY_NAME_MAX))
    description: Mapped[str] = mapped_column(String(CATEGORY_DESCRIPTION_MAX), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[Timestamp]


class ForumThread(Base):
    """A thread; its opening post is its first ``ForumPost``. Hiding the opening post hides
    the thread from everyone but staff."""

    __tablename__ = "forum_threads"
    __table_args__ = (Index("ix_forum_threads_category_last", "category_id", "last_post_at"),)

    id: Mapped[IntPk]
    category_id: Mapped[int] = mapped_column(BigId, ForeignKey("forum_categories.id"))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    created_at: Mapped[Timestamp]
    last_post_at: Mapped[Timestamp]
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class ForumPost(Base):
    __tablename__ = "forum_posts"
    __table_args__ = (Index("ix_forum_posts_thread_at", "thread_id", "created_at"),)

    id: Mapped[IntPk]
    thread_id: Mapped[int] = mapped_column(BigId, ForeignKey("forum_threads.id"))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[Timestamp]
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    hidden_at: Mapped[OptTimestamp]


# --- workshops ----------------------------------------------------------------------------------


class Workshop(Base):
    """An event with a capacity; registrations beyond it wait in order. Writes that change who
    holds a seat lock this row first."""

    __tablename__ = "workshops"
    __table_args__ = (
        CheckConstraint(f"capacity BETWEEN {CAPACITY_MIN} AND {CAPACITY_MAX}", name="capacity"),
        CheckConstraint(
            f"duration_minutes BETWEEN {DURATION_MIN} AND {DURATION_MAX}", name="duration"
        ),
        Index("ix_workshops_starts_at", "starts_at"),
    )

    id: Mapped[IntPk]
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    online_link: Mapped[str] = mapped_column(String(LINK_MAX))
    created_by_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    created_at: Mapped[Timestamp]


class WorkshopRegistration(Base):
    """One per (workshop, freelancer): registered, waiting (ordered by ``queued_at``, then id)
    or cancelled. Registering again after cancelling reuses the row at the end of the line."""

    __tablename__ = "workshop_registrations"
    __table_args__ = (
        UniqueConstraint("workshop_id", "user_id"),
        Index("ix_workshop_registrations_line", "workshop_id", "status", "queued_at"),
        CheckConstraint(
            "status IN (" + ", ".join(repr(s) for s in REGISTRATION_STATUSES) + ")",
            name="status",
        ),
    )

    id: Mapped[IntPk]
    workshop_id: Mapped[int] = mapped_column(BigId, ForeignKey("workshops.id"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    queued_at: Mapped[Timestamp]
    promoted_at: Mapped[OptTimestamp]
    cancelled_at: Mapped[OptTimestamp]


# --- exclusive resources ------------------------------------------------------------------------


class Guide(Base):
    """A guide of the resources library, written by staff in plain text with a few markdown
    marks (headings, lists, bold, italics, code) rendered by ``community.markup``."""

    __tablename__ = "guides"

    id: Mapped[IntPk]
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"), nullable=True)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
