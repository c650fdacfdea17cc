"""The FastAPI application: routers of every feature, problem responses, security headers."""

from __future__ import annotations

import importlib
import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

import workhall.models  # noqa: F401  (all tables known before the first query)
from workhall.core.db import Database, get_database
from workhall.core.errors import PROBLEM_CONTENT_TYPE, Problem, TooManyRequests
from workhall.core.settings import Settings, get_settings
from workhall.core.templating import PACKAGE_DIR, render
from workhall.core.web import CSRF_COOKIE, LoginRequired

log = logging.getLogger("workhall")

# Each module exposes ``router``. API modules are in the OpenAPI document; page modules are not.
API_ROUTERS = [
    "workhall.accounts.api",
    "workhall.jobs.api",
    "workhall.verification.api",
    "workhall.connects.api",
    "workhall.proposals.api",
    "workhall.messages.api",
    "workhall.notifications.api",
    "workhall.feedback.api",
    "workhall.contracts.api",
    "workhall.payments.api",
    "workhall.disputes.api",
    "workhall.timesheets.api",
    "workhall.reputation.api",
    "workhall.conduct.api",
    "workhall.identity.api",
    "workhall.support.api",
]
PAGE_ROUTERS = [
    "workhall.home.pages",
    "workhall.accounts.pages",
    "workhall.jobs.pages",
    "workhall.verification.pages",
    "workhall.connects.pages",
    "workhall.proposals.pages",
    "workhall.messages.pages",
    "workhall.notifications.pages",
    "workhall.feedback.pages",
    "workhall.contracts.pages",
    "workhall.payments.pages",
    "workhall.disputes.pages",
    "workhall.timesheets.pages",
    "workhall.reputation.pages",
    "workhall.reputation.pilot_pages",
    "workhall.conduct.pages",
    "workhall.identity.pages",
    "workhall.staff.pages",
    "workhall.support.pages",
    "workhall.community.pages",
    "workhall.talent.pages",
]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Workhall API",
        version="1",
        description=(
            "The Workhall freelance marketplace API. Errors are RFC 9457 problem documents."
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database or get_database(settings.resolved_database_url)
    app.state.secret_key = settings.resolved_secret_key()

    for name in API_ROUTERS:
        app.include_router(importlib.import_module(name).router, prefix="/api/v1")
    for name in PAGE_ROUTERS:
        app.include_router(importlib.import_module(name).router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")

    _install_error_handlers(app)
    _install_headers(app, settings)
    return app


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem_response(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": "about:blank" if not extra.get("type") else extra.pop("type"),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_CONTENT_TYPE)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        headers = {}
        if isinstance(exc, TooManyRequests) and exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
        if is_api(request):
            response = JSONResponse(
                exc.to_dict(request.url.path),
                status_code=exc.status,
                media_type=PROBLEM_CONTENT_TYPE,
                headers=headers,
            )
            if exc.status == 401:
                response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return render(
            request,
            "error.html",
            {"title": exc.title, "detail": exc.detail, "status": exc.status},
            status_code=exc.status,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": err.get("msg", "invalid"),
            }
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors[:5])
        if is_api(request):
            return problem_response(
                422,
                "Invalid input",
                detail or "Invalid input.",
                type="/problems/invalid",
                errors=errors,
            )
        return render(
            request,
            "error.html",
            {"title": "Invalid input", "detail": detail, "status": 400},
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else title
        if is_api(request):
            return problem_response(exc.status_code, title, detail)
        return render(
            request,
            "error.html",
            {"title": title, "detail": detail, "status": exc.status_code},
            status_code=exc.status_code,
        )

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if is_api(request):
            return problem_response(500, "Internal error", "Something went wrong on our side.")
        return render(
            request,
            "error.html",
            {"title": "Something went wrong", "detail": "Please try again.", "status": 500},
            status_code=500,
        )


def _install_headers(app: FastAPI, settings: Settings) -> None:
    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if settings.cookie_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=63072000")
        new_csrf = getattr(request.state, "new_csrf", None)
        if new_csrf:
            response.set_cookie(
                CSRF_COOKIE, new_csrf, httponly=True, samesite="lax", secure=settings.cookie_secure
            )
        return response
