"""Request-scoped dependencies: settings, the unit of work, the current user, CSRF.

Routes declare what they need with the ``Annotated`` aliases at the bottom of this module.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.accounts.service import resolve_api_token, resolve_web_session
from workhall.core.db import Database
from workhall.core.errors import Forbidden, NotFound, Unauthorized
from workhall.core.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

SESSION_COOKIE = "wh_session"
CSRF_COOKIE = "wh_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_database(request: Request) -> Database:
    return request.app.state.database  # type: ignore[no-any-return]


def get_db(request: Request) -> Iterator[Session]:
    """The request's unit of work: one transaction, committed when the route returns.

    Writing requests start as writers (``BEGIN IMMEDIATE`` on SQLite). A route that must keep
    a write even though it answers with an error (a failed login attempt) commits itself.
    """
    write = (
        request.method not in SAFE_METHODS
        or request.scope.get("endpoint") in _WRITING_GET_ENDPOINTS
    )
    database: Database = request.app.state.database
    session = database.session(write=write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        _reload_request_state(request, session)
        raise
    finally:
        session.close()


def _reload_request_state(request: Request, session: Session) -> None:
    """The rollback expired the signed-in user and session; reload them so the error page
    (rendered after this unit of work closed) can still show who is signed in."""
    for name in ("user", "web_session"):
        obj = getattr(request.state, name, None)
        if obj is not None:
            try:
                session.refresh(obj)
            except Exception:  # gone or unreachable: render as signed out
                delattr(request.state, name)


SettingsDep = Annotated[Settings, Depends(get_settings)]
_WRITING_GET_ENDPOINTS: set[Callable[..., Any]] = set()


def writes_on_get(endpoint: F) -> F:
    """Mark a GET route that records something (a client opening a proposal marks it viewed):
    its unit of work begins as a writer, so SQLite never has to upgrade a read snapshot.
    Put it under the ``@router.get`` decorator."""
    _WRITING_GET_ENDPOINTS.add(endpoint)
    return endpoint


DbDep = Annotated[Session, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# --- API authentication ----------------------------------------------------------------------


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def optional_api_user(request: Request, db: DbDep) -> User | None:
    token = _bearer_token(request)
    if token is None:
        return None
    user = resolve_api_token(db, token)
    if user is None:
        raise Unauthorized("The bearer token is invalid, expired or revoked.")
    if user.status in ("suspended", "closed"):
        raise Unauthorized(f"This account is {user.status}.")
    request.state.user = user
    return user


def api_user(user: Annotated[User | None, Depends(optional_api_user)]) -> User:
    if user is None:
        raise Unauthorized("Send 'Authorization: Bearer <token>' from POST /api/v1/sessions.")
    return user


def api_freelancer(user: Annotated[User, Depends(api_user)]) -> User:
    if not user.is_freelancer:
        raise Forbidden("Only freelancers can do this.")
    return user


def api_client(user: Annotated[User, Depends(api_user)]) -> User:
    if not user.is_client:
        raise Forbidden("Only clients can do this.")
    return user


ApiUser = Annotated[User, Depends(api_user)]
OptionalApiUser = Annotated[User | None, Depends(optional_api_user)]
ApiFreelancer = Annotated[User, Depends(api_freelancer)]
ApiClient = Annotated[User, Depends(api_client)]


# --- page authentication and CSRF -----------------------------------------------------------


class LoginRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def optional_page_user(request: Request, db: DbDep) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    ws = resolve_web_session(db, token)
    if ws is None:
        return None
    user = db.get(User, ws.user_id)
    if user is None or user.status in ("suspended", "closed"):
        return None
    request.state.user = user
    request.state.web_session = ws
    return user


def page_user(request: Request, user: Annotated[User | None, Depends(optional_page_user)]) -> User:
    if user is None:
        raise LoginRequired(
            str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        )
    return user


def page_freelancer(user: Annotated[User, Depends(page_user)]) -> User:
    if not user.is_freelancer:
        raise Forbidden("This page is for freelancers.")
    return user


def page_client(user: Annotated[User, Depends(page_user)]) -> User:
    if not user.is_client:
        raise Forbidden("This page is for clients.")
    return user


PageUser = Annotated[User, Depends(page_user)]
OptionalPageUser = Annotated[User | None, Depends(optional_page_user)]
PageFreelancer = Annotated[User, Depends(page_freelancer)]
PageClient = Annotated[User, Depends(page_client)]


def csrf_token_for(request: Request) -> str:
    """The token forms must echo: the session's, or a double-submit cookie when signed out."""
    ws = getattr(request.state, "web_session", None)
    if ws is not None:
        return ws.csrf_token  # type: ignore[no-any-return]
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token  # the middleware sets the cookie on the response
    return token


async def verify_csrf(request: Request, user: OptionalPageUser) -> None:
    """Every state-changing form must carry the CSRF token (trust.md §3)."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    ws = getattr(request.state, "web_session", None)
    expected = ws.csrf_token if ws is not None else request.cookies.get(CSRF_COOKIE)
    if not expected or not sent or not secrets.compare_digest(sent, expected):
        raise Forbidden(
            "The form has expired or did not come from this site. Reload and try again.",
            reason="csrf",
        )


Csrf = Depends(verify_csrf)


# The largest id a BIGINT column holds: larger path ids are simply not found.
MAX_ID = 9_223_372_036_854_775_807


def path_id(value: int, missing: str = "Not found.") -> int:
    """A page's path id, checked before any query: out of range → 404 with ``missing``."""
    if not 1 <= value <= MAX_ID:
        raise NotFound(missing)
    return value
