"""Message pages (marketplace.md §8, quality.md §3): the thread list, a conversation with its
send form (htmx appends without a reload; without JavaScript the form posts and redirects),
and the "Message" entry points of a proposal and a contract."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.errors import Problem
from workhall.core.settings import Settings
from workhall.core.templating import redirect, render
from workhall.core.web import (
    Csrf,
    DbDep,
    OptionalPageUser,
    PageUser,
    SettingsDep,
    path_id,
    writes_on_get,
)
from workhall.messages import queries, service
from workhall.messages.models import Message, Thread
from workhall.messages.rules import excerpt
from workhall.messages.schemas import BODY_SCHEMA_MAX, MAX_ID
from workhall.messages.text import linkify

router = APIRouter()

# The form field is read generously and checked by the service (5,000 after trimming), so a
# long message re-renders the form with a message instead of an error page.
FIELD_MAX = BODY_SCHEMA_MAX


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _bubbles(
    messages: list[Message], viewer: User, people: dict[int, User]
) -> list[dict[str, Any]]:
    return [
        {
            "id": m.id,
            "mine": m.sender_id == viewer.id,
            "sender": people.get(m.sender_id),
            "html": linkify(m.body),
            "at": m.created_at,
        }
        for m in messages
    ]


def _list_context(db: Session, settings: Settings, user: User, page: int) -> dict[str, Any]:
    found = queries.threads_for(db, user, page, settings.threads_page_size)
    return {
        "threads": found,
        "excerpts": {r.thread.id: excerpt(r.last_body, 90) for r in found.rows},
    }


@router.get("/messages")
def inbox(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    return render(
        request,
        "messages/index.html",
        {**_list_context(db, settings, user, page), "current": None, "page": page},
    )


def _conversation(
    request: Request,
    db: Session,
    settings: Settings,
    user: User,
    thread: Thread,
    role: str | None,
    *,
    before: int | None = None,
    draft: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    people = queries.participants(db, thread)
    found = queries.thread_messages(db, thread.id, settings.messages_page_size, before)
    refusal = service.refusal_for(db, settings, thread, role)
    other = people.get(thread.other_party_id(user.id)) if role else None
    last_id = found.messages[-1].id if found.messages else 0
    context = {
        **(_list_context(db, settings, user, 1) if role else {"threads": None, "excerpts": {}}),
        "current": thread,
        "role": role,
        "people": people,
        "other": other,
        "bubbles": _bubbles(found.messages, user, people),
        "has_older": found.has_older,
        "oldest_id": found.messages[0].id if found.messages else None,
        "before": before,
        "last_id": last_id,
        "seen_up_to": queries.other_read_marker(db, thread, user.id) if role else 0,
        "refusal": refusal,
        "refusal_text": service.REFUSALS.get(refusal or "", ""),
        "draft": draft,
        "error": error,
        "max_length": settings.message_max_length,
    }
    return render(request, "messages/thread.html", context, status_code=status)


@router.get("/messages/unread-badge")
def unread_badge(request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    """The nav's unread count, loaded by htmx (pages work without it); empty once signed out,
    so a poll never swaps the sign-in page into the nav."""
    count = queries.unread_total(db, user.id) if user else 0
    return render(request, "messages/_badge.html", {"count": count, "label": "unread messages"})


@router.get("/messages/{thread_id}")
@writes_on_get
def conversation(
    thread_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    thread, role = service.readable_thread(db, user, path_id(thread_id))
    if role is not None and before is None:
        service.mark_thread_read(db, thread, user)
    return _conversation(request, db, settings, user, thread, role, before=before)


@router.get("/messages/{thread_id}/since")
@writes_on_get
def since(
    thread_id: int,
    request: Request,
    user: OptionalPageUser,
    db: DbDep,
    settings: SettingsDep,
    after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Response:
    """New messages after ``after`` (the conversation polls this with htmx); reading them marks
    them read. Once signed out, htmx is sent to the sign-in page instead of appending it."""
    if user is None:
        login = f"/login?next={quote(f'/messages/{thread_id}')}"
        if _is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": login})
        return redirect(login)
    thread, role = service.readable_thread(db, user, path_id(thread_id))
    messages = queries.messages_after(db, thread.id, after, settings.messages_page_size)
    if role is not None and messages:
        service.mark_thread_read(db, thread, user)
    return _fragment(request, db, thread, user, messages, after)


def _fragment(
    request: Request, db: Session, thread: Thread, user: User, messages: list[Message], after: int
) -> HTMLResponse:
    people = queries.participants(db, thread)
    return render(
        request,
        "messages/_new_messages.html",
        {
            "bubbles": _bubbles(messages, user, people),
            "last_id": messages[-1].id if messages else after,
            "thread": thread,
        },
    )


@router.post("/messages/{thread_id}", dependencies=[Csrf])
def send(
    thread_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    body: Annotated[str, Form(max_length=FIELD_MAX)] = "",
    after: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
) -> Response:
    thread_id = path_id(thread_id)
    try:
        message = service.send_message(db, settings, user, thread_id, body)
    except Problem as exc:
        db.rollback()
        if _is_htmx(request):
            return PlainTextResponse(exc.detail, status_code=exc.status)
        thread, role = service.readable_thread(db, user, thread_id)
        return _conversation(
            request, db, settings, user, thread, role, draft=body, error=exc.detail, status=400
        )
    if _is_htmx(request):
        thread = service.get_thread(db, thread_id)
        fresh = queries.messages_after(db, thread_id, after, settings.messages_page_size)
        return _fragment(request, db, thread, user, fresh or [message], after)
    return redirect(f"/messages/{thread_id}#m-{message.id}")


# --- entry points from a proposal or a contract -------------------------------------------------


def _not_for_this_form(exc: Problem) -> bool:
    """Unknown subject or not a party: the error page; anything else re-renders the form."""
    return exc.status == 404 or (exc.status == 403 and exc.extra.get("reason") is None)


def _start_page(
    request: Request,
    subject: str,
    action: str,
    other: User | None,
    *,
    note: str = "",
    draft: str = "",
    error: str | None = None,
    status: int = 200,
    settings: Settings,
    back: str,
) -> Response:
    return render(
        request,
        "messages/start.html",
        {
            "subject": subject,
            "action": action,
            "other": other,
            "note": note,
            "draft": draft,
            "error": error,
            "max_length": settings.message_max_length,
            "back": back,
        },
        status_code=status,
    )


def _proposal_start(
    request: Request,
    db: Session,
    settings: Settings,
    user: User,
    proposal_id: int,
    **kw: Any,
) -> Response:
    proposal, job = service.proposal_and_job(db, proposal_id)
    is_client = user.id == job.client_id
    other = db.get(User, proposal.freelancer_id if is_client else job.client_id)
    note = (
        "Your first message moves this proposal to interviewing."
        if is_client
        else "The client writes first on a proposal; you can reply once they have."
    )
    return _start_page(
        request,
        job.title,
        f"/proposals/{proposal_id}/messages",
        other,
        note=note,
        settings=settings,
        back=f"/proposals/{proposal_id}",
        **kw,
    )


@router.get("/proposals/{proposal_id}/messages")
def proposal_messages(
    proposal_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    """The proposal's conversation, or a first-message form while there is none."""
    thread = service.proposal_thread(db, user, path_id(proposal_id))
    if thread is not None:
        return redirect(f"/messages/{thread.id}")
    return _proposal_start(request, db, settings, user, proposal_id)


@router.post("/proposals/{proposal_id}/messages", dependencies=[Csrf])
def proposal_send(
    proposal_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    body: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    try:
        thread = service.open_proposal_thread(db, user, path_id(proposal_id))
        message = service.send_message(db, settings, user, thread.id, body)
    except Problem as exc:
        db.rollback()
        if _not_for_this_form(exc):
            raise
        return _proposal_start(
            request, db, settings, user, proposal_id, draft=body, error=exc.detail, status=400
        )
    return redirect(f"/messages/{thread.id}#m-{message.id}", request, "Message sent.")


def _contract_start(
    request: Request,
    db: Session,
    settings: Settings,
    user: User,
    contract_id: int,
    **kw: Any,
) -> Response:
    contract = service.get_contract(db, contract_id)
    other = db.get(
        User, contract.freelancer_id if user.id == contract.client_id else contract.client_id
    )
    return _start_page(
        request,
        contract.title,
        f"/contracts/{contract_id}/messages",
        other,
        settings=settings,
        back=f"/contracts/{contract_id}",
        **kw,
    )


@router.get("/contracts/{contract_id}/messages")
def contract_messages(
    contract_id: int, request: Request, user: PageUser, db: DbDep, settings: SettingsDep
) -> Response:
    thread = service.contract_thread(db, user, path_id(contract_id))
    if thread is not None:
        return redirect(f"/messages/{thread.id}")
    return _contract_start(request, db, settings, user, contract_id)


@router.post("/contracts/{contract_id}/messages", dependencies=[Csrf])
def contract_send(
    contract_id: int,
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    body: Annotated[str, Form(max_length=FIELD_MAX)] = "",
) -> Response:
    try:
        thread = service.open_contract_thread(db, user, path_id(contract_id))
        message = service.send_message(db, settings, user, thread.id, body)
    except Problem as exc:
        db.rollback()
        if _not_for_this_form(exc):
            raise
        return _contract_start(
            request, db, settings, user, contract_id, draft=body, error=exc.detail, status=400
        )
    return redirect(f"/messages/{thread.id}#m-{message.id}", request, "Message sent.")
