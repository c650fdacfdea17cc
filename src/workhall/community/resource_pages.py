"""Resource pages (reputation.md §2.5 "Exclusive resources"): the guide library and a guide for
Top Rated freelancers and staff; ``/staff/resources`` where support staff write and edit them.
Guides are rendered by ``community.markup`` — escaped first, never raw HTML."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from workhall.community import access, markup, resources
from workhall.community.models import GUIDE_MAX, SUMMARY_MAX, TITLE_MAX, Guide
from workhall.community.page_helpers import locked_page
from workhall.core.errors import NotFound, Problem
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, OptionalPageUser, PageUser

router = APIRouter()

FORM_MAX = 60_000
MAX_ID = 9_223_372_036_854_775_807
LIMITS = {"title": TITLE_MAX, "summary": SUMMARY_MAX, "body": GUIDE_MAX}


@router.get("/resources")
def library(request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    if user is None or not access.is_member(db, user):
        return locked_page(request, "resources")
    context = {"guides": resources.library(db, user), "is_editor": access.is_editor(user)}
    return render(request, "community/resources.html", context)


@router.get("/resources/{slug}")
def guide_page(slug: str, request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    if user is None or not access.is_member(db, user):
        return locked_page(request, "resources")
    guide = resources.guide_by_slug(db, user, slug)
    context = {"g": guide, "html": markup.render(guide.body), "is_editor": access.is_editor(user)}
    return render(request, "community/guide.html", context)


# --- staff -----------------------------------------------------------------------------------


@router.get("/staff/resources")
def staff_library(request: Request, user: PageUser, db: DbDep) -> Response:
    access.require_editor(user)
    return render(
        request, "community/staff_resources.html", {"guides": resources.library(db, user)}
    )


def _form_page(
    request: Request, guide: Guide | None, form: dict[str, str], error: str | None = None
) -> Response:
    context = {"g": guide, "form": form, "limits": LIMITS, "error": error}
    return render(request, "community/guide_form.html", context, status_code=400 if error else 200)


@router.get("/staff/resources/new")
def new_guide(request: Request, user: PageUser) -> Response:
    access.require_editor(user)
    return _form_page(request, None, {})


@router.get("/staff/resources/{guide_id}/edit")
def edit_guide(guide_id: int, request: Request, user: PageUser, db: DbDep) -> Response:
    access.require_editor(user)
    guide = db.get(Guide, guide_id) if 1 <= guide_id <= MAX_ID else None
    if guide is None:
        raise NotFound(resources.MISSING)
    form = {"title": guide.title, "summary": guide.summary, "body": guide.body}
    return _form_page(request, guide, form)


@router.post("/staff/resources", dependencies=[Csrf])
@router.post("/staff/resources/{guide_id}", dependencies=[Csrf])
def save_guide(
    request: Request,
    user: PageUser,
    db: DbDep,
    guide_id: int | None = None,
    title: Annotated[str, Form(max_length=FORM_MAX)] = "",
    summary: Annotated[str, Form(max_length=FORM_MAX)] = "",
    body: Annotated[str, Form(max_length=FORM_MAX)] = "",
) -> Response:
    access.require_editor(user)
    if guide_id is not None and not 1 <= guide_id <= MAX_ID:
        raise NotFound(resources.MISSING)
    try:
        if guide_id is None:
            guide = resources.create_guide(db, user, title, summary, body)
        else:
            guide = resources.edit_guide(db, user, guide_id, title, summary, body)
    except Problem as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        existing = db.get(Guide, guide_id) if guide_id else None
        form = {"title": title, "summary": summary, "body": body}
        return _form_page(request, existing, form, exc.detail)
    return redirect(f"/resources/{guide.slug}", request, "Guide saved.")
