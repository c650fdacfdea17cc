"""Community pages (reputation.md §2.5 "Community area"): categories, threads and replies for
Top Rated freelancers and staff; moderation (hide / restore a post) and category creation on
``/staff/community``. Everyone else gets the page that explains the benefit, with status 403.
Workshop and resource pages live in their own modules and are included here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.community import access, resource_pages, service, workshop_pages
from workhall.community.models import (
    CATEGORY_DESCRIPTION_MAX,
    CATEGORY_NAME_MAX,
    POST_MAX,
    TITLE_MAX,
    ForumCategory,
    ForumPost,
)
from workhall.community.page_helpers import locked_page
from workhall.core.errors import NotFound, Problem
from workhall.core.templating import form_action, redirect, render
from workhall.core.web import Csrf, DbDep, OptionalPageUser, PageUser, path_id

router = APIRouter()
router.include_router(workshop_pages.router)
router.include_router(resource_pages.router)

FORM_MAX = 40_000  # the form layer's bound; the services enforce the real limits


def _authors(db: DbDep, ids: set[int]) -> dict[int, User]:
    return {u.id: u for u in (db.get(User, i) for i in ids) if u is not None}


@router.get("/community")
def community_home(request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    if user is None or not access.is_member(db, user):
        return locked_page(request, "community")
    context = {"rows": service.categories(db, user), "is_editor": access.is_editor(user)}
    return render(request, "community/index.html", context)


@router.get("/community/t/{thread_id}")
def thread_page(thread_id: int, request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    if user is None or not access.is_member(db, user):
        return locked_page(request, "community")
    return _thread_response(request, db, user, path_id(thread_id))


def _thread_response(
    request: Request,
    db: Session,
    user: User,
    thread_id: int,
    reply: str = "",
    error: Problem | None = None,
) -> Response:
    """The thread; after a refused reply, with the message and the reply as typed."""
    thread = service.thread_for(db, user, thread_id)
    posts = service.posts_of(db, user, thread)
    context = {
        "thread": thread,
        "category": db.get(ForumCategory, thread.category_id),
        "posts": posts,
        "opening_id": posts[0].id if posts else None,
        "authors": _authors(db, {p.author_id for p in posts}),
        "is_moderator": access.is_moderator(user),
        "post_max": POST_MAX,
        "reply": reply,
        "error": error.detail if error else "",
    }
    return render(request, "community/thread.html", context, error.status if error else 200)


@router.post("/community/t/{thread_id}/replies", dependencies=[Csrf])
def reply(
    thread_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    body: Annotated[str, Form(max_length=FORM_MAX)] = "",
) -> Response:
    if not access.is_member(db, user):
        return locked_page(request, "community")
    tid = path_id(thread_id)
    try:
        service.reply(db, user, tid, body)
    except Problem as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        return _thread_response(request, db, user, tid, reply=body, error=exc)
    return redirect(f"/community/t/{tid}", request, "Reply posted.")


@router.post("/community/posts/{post_id}/{action}", dependencies=[Csrf])
def moderate(post_id: int, action: str, request: Request, user: PageUser, db: DbDep) -> Response:
    if action not in ("hide", "restore"):
        raise NotFound("Not found.")
    access.require_moderator(user)
    post = db.get(ForumPost, path_id(post_id))
    if post is None:
        raise NotFound("There is no such post.")
    return form_action(
        request,
        db,
        f"/community/t/{post.thread_id}",
        lambda: service.set_post_hidden(db, user, post.id, action == "hide"),
        "Post hidden from members." if action == "hide" else "Post restored.",
    )


@router.get("/community/{slug}")
def category_page(slug: str, request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    if user is None or not access.is_member(db, user):
        return locked_page(request, "community")
    return _category_response(request, db, user, service.category_by_slug(db, user, slug))


def _category_response(
    request: Request,
    db: Session,
    user: User,
    category: ForumCategory,
    form: dict[str, str] | None = None,
    error: Problem | None = None,
) -> Response:
    """The category; after a refused new thread, with the message and the thread as typed."""
    threads = service.threads_in(db, user, category)
    context = {
        "category": category,
        "threads": threads,
        "authors": _authors(db, {t.author_id for t in threads}),
        "title_max": TITLE_MAX,
        "post_max": POST_MAX,
        "form": form or {},
        "error": error.detail if error else "",
    }
    return render(request, "community/category.html", context, error.status if error else 200)


@router.post("/community/{slug}/threads", dependencies=[Csrf])
def new_thread(
    slug: str,
    request: Request,
    user: PageUser,
    db: DbDep,
    title: Annotated[str, Form(max_length=FORM_MAX)] = "",
    body: Annotated[str, Form(max_length=FORM_MAX)] = "",
) -> Response:
    if not access.is_member(db, user):
        return locked_page(request, "community")
    category = service.category_by_slug(db, user, slug)
    try:
        service.start_thread(db, user, category.id, title, body)
    except Problem as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        category = service.category_by_slug(db, user, slug)
        form = {"title": title, "body": body}
        return _category_response(request, db, user, category, form, exc)
    return redirect(f"/community/{category.slug}", request, "Thread posted.")


# --- staff -----------------------------------------------------------------------------------


@router.get("/staff/community")
def staff_community(request: Request, user: PageUser, db: DbDep) -> Response:
    access.require_editor(user)
    context = {
        "rows": service.categories(db, user),
        "name_max": CATEGORY_NAME_MAX,
        "description_max": CATEGORY_DESCRIPTION_MAX,
    }
    return render(request, "community/staff.html", context)


@router.post("/staff/community/categories", dependencies=[Csrf])
def create_category(
    request: Request,
    user: PageUser,
    db: DbDep,
    name: Annotated[str, Form(max_length=FORM_MAX)] = "",
    description: Annotated[str, Form(max_length=FORM_MAX)] = "",
    position: Annotated[int, Form(ge=0, le=1000)] = 0,
) -> Response:
    access.require_editor(user)
    return form_action(
        request,
        db,
        "/staff/community",
        lambda: service.create_category(db, user, name, description, position),
        lambda c: f"Category “{c.name}” created.",
    )
