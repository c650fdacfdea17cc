"""Exclusive resources (reputation.md §2.5): a library of guides written by staff, readable only
by Top Rated freelancers and staff. Support staff (and admins) write and edit them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit.service import record
from workhall.community.access import checked_text, require_editor, require_member, slugify
from workhall.community.models import GUIDE_MAX, SLUG_MAX, SUMMARY_MAX, TITLE_MAX, Guide
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict, NotFound

MISSING = "There is no such guide."


def library(session: Session, viewer: User) -> list[Guide]:
    require_member(session, viewer)
    return list(session.scalars(select(Guide).order_by(Guide.title, Guide.id)))


def guide_by_slug(session: Session, viewer: User, slug: str) -> Guide:
    require_member(session, viewer)
    guide = session.scalar(select(Guide).where(Guide.slug == slug[:SLUG_MAX]))
    if guide is None:
        raise NotFound(MISSING)
    return guide


def _checked(title: str, summary: str, body: str) -> tuple[str, str, str]:
    return (
        checked_text(title, "title", TITLE_MAX),
        checked_text(summary, "summary", SUMMARY_MAX),
        checked_text(body, "guide", GUIDE_MAX),
    )


def create_guide(session: Session, staff: User, title: str, summary: str, body: str) -> Guide:
    require_editor(staff)
    title, summary, body = _checked(title, summary, body)
    slug = slugify(title, SLUG_MAX)
    if session.scalar(select(Guide.id).where(Guide.slug == slug)):
        raise Conflict("A guide with this title already exists.")
    now = utcnow()
    guide = Guide(
        slug=slug,
        title=title,
        summary=summary,
        body=body,
        author_id=staff.id,
        created_at=now,
        updated_at=now,
    )
    session.add(guide)
    session.flush()
    record(session, "guide.create", "guide", guide.id, actor_id=staff.id)
    return guide


def edit_guide(
    session: Session, staff: User, guide_id: int, title: str, summary: str, body: str
) -> Guide:
    """Edit a guide; its address (slug) stays, so links to it keep working."""
    require_editor(staff)
    guide = session.get(Guide, guide_id)
    if guide is None:
        raise NotFound(MISSING)
    guide.title, guide.summary, guide.body = _checked(title, summary, body)
    guide.updated_at = utcnow()
    session.flush()
    record(session, "guide.edit", "guide", guide.id, actor_id=staff.id)
    return guide
