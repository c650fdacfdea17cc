"""Community forum writes and reads (reputation.md §2.5 "Community area"): categories (created
by support staff, or seeded by ``community.seed``), threads and replies by Top Rated
freelancers and staff, and moderation (hide / restore a post) by support or trust & safety
staff. Functions run in the caller's unit of work and never commit; a reply locks its thread
row so the thread's counters stay right."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.audit.service import record
from workhall.community.access import (
    checked_text,
    is_moderator,
    require_editor,
    require_member,
    require_moderator,
    slugify,
)
from workhall.community.models import (
    CATEGORY_DESCRIPTION_MAX,
    CATEGORY_NAME_MAX,
    POST_MAX,
    SLUG_MAX,
    TITLE_MAX,
    ForumCategory,
    ForumPost,
    ForumThread,
)
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, NotFound

THREADS_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class CategoryRow:
    category: ForumCategory
    threads: int
    last_post_at: object


def categories(session: Session, viewer: User) -> list[CategoryRow]:
    require_member(session, viewer)
    visible = ForumThread.hidden.is_(False)
    counts = {
        cid: (n, last)
        for cid, n, last in session.execute(
            select(ForumThread.category_id, func.count(), func.max(ForumThread.last_post_at))
            .where(visible)
            .group_by(ForumThread.category_id)
        )
    }
    rows = session.scalars(select(ForumCategory).order_by(ForumCategory.position, ForumCategory.id))
    return [CategoryRow(c, *counts.get(c.id, (0, None))) for c in rows]


def category_by_slug(session: Session, viewer: User, slug: str) -> ForumCategory:
    require_member(session, viewer)
    found = session.scalar(select(ForumCategory).where(ForumCategory.slug == slug[:SLUG_MAX]))
    if found is None:
        raise NotFound("There is no such category.")
    return found


def threads_in(session: Session, viewer: User, category: ForumCategory) -> list[ForumThread]:
    query = select(ForumThread).where(ForumThread.category_id == category.id)
    if not is_moderator(viewer):
        query = query.where(ForumThread.hidden.is_(False))
    query = query.order_by(ForumThread.last_post_at.desc(), ForumThread.id.desc())
    return list(session.scalars(query.limit(THREADS_PER_PAGE)))


def thread_for(session: Session, viewer: User, thread_id: int) -> ForumThread:
    """The thread; hidden ones only for moderators (404 for anyone else)."""
    require_member(session, viewer)
    thread = session.get(ForumThread, thread_id)
    if thread is None or (thread.hidden and not is_moderator(viewer)):
        raise NotFound("There is no such thread.")
    return thread


def posts_of(session: Session, viewer: User, thread: ForumThread) -> list[ForumPost]:
    query = select(ForumPost).where(ForumPost.thread_id == thread.id)
    if not is_moderator(viewer):
        query = query.where(ForumPost.hidden.is_(False))
    return list(session.scalars(query.order_by(ForumPost.created_at, ForumPost.id)))


# --- writing ------------------------------------------------------------------------------------


def create_category(
    session: Session, staff: User, name: str, description: str = "", position: int = 0
) -> ForumCategory:
    require_editor(staff)
    name = checked_text(name, "category name", CATEGORY_NAME_MAX)
    description = checked_text(description, "description", CATEGORY_DESCRIPTION_MAX, required=False)
    slug = slugify(name, SLUG_MAX)
    if session.scalar(select(ForumCategory.id).where(ForumCategory.slug == slug)):
        raise Conflict("A category with this name already exists.")
    category = ForumCategory(
        slug=slug, name=name, description=description, position=position, created_at=utcnow()
    )
    session.add(category)
    session.flush()
    record(session, "community.category_create", "forum_category", category.id, actor_id=staff.id)
    return category


def start_thread(
    session: Session, author: User, category_id: int, title: str, body: str
) -> ForumThread:
    require_member(session, author)
    if session.get(ForumCategory, category_id) is None:
        raise NotFound("There is no such category.")
    title = checked_text(title, "title", TITLE_MAX)
    body = checked_text(body, "post", POST_MAX)
    now = utcnow()
    thread = ForumThread(
        category_id=category_id,
        author_id=author.id,
        title=title,
        created_at=now,
        last_post_at=now,
        reply_count=0,
    )
    session.add(thread)
    session.flush()
    session.add(ForumPost(thread_id=thread.id, author_id=author.id, body=body, created_at=now))
    session.flush()
    return thread


def reply(session: Session, author: User, thread_id: int, body: str) -> ForumPost:
    thread_for(session, author, thread_id)
    body = checked_text(body, "reply", POST_MAX)
    thread = lock_row(session, ForumThread, thread_id, "There is no such thread.")
    now = utcnow()
    post = ForumPost(thread_id=thread.id, author_id=author.id, body=body, created_at=now)
    session.add(post)
    thread.reply_count += 1
    thread.last_post_at = now
    session.flush()
    return post


def set_post_hidden(session: Session, staff: User, post_id: int, hidden: bool) -> ForumPost:
    """Hide or restore a post; the opening post carries its thread with it."""
    require_moderator(staff)
    post = session.get(ForumPost, post_id)
    if post is None:
        raise NotFound("There is no such post.")
    thread = lock_row(session, ForumThread, post.thread_id, "There is no such thread.")
    post.hidden = hidden
    post.hidden_by_id = staff.id if hidden else None
    post.hidden_at = utcnow() if hidden else None
    opening = session.scalar(
        select(ForumPost.id)
        .where(ForumPost.thread_id == thread.id)
        .order_by(ForumPost.created_at, ForumPost.id)
        .limit(1)
    )
    if opening == post.id:
        thread.hidden = hidden
    session.flush()
    record(
        session,
        "community.post_hide" if hidden else "community.post_restore",
        "forum_post",
        post.id,
        actor_id=staff.id,
        thread_id=thread.id,
    )
    return post
