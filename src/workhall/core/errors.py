"""Domain errors and their RFC 9457 problem documents.

Services raise these; the API turns them into ``application/problem+json`` and the pages turn
them into a message on the page. A problem never leaves a partial write behind, because the unit
of work rolls back on any exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        if title:
            self.title = title
        self.extra = extra

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"/problems/{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(Problem):
    pass


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Authentication required"


class PaymentRequired(Problem):
    status, slug, title = 402, "insufficient-connects", "Not enough Connects"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    status, slug, title = 409, "conflict", "Conflict"


class Unprocessable(Problem):
    status, slug, title = 422, "invalid", "Invalid input"


class TooManyRequests(Problem):
    status, slug, title = 429, "throttled", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class PaymentDeclined(Problem):
    status, slug, title = 402, "payment-declined", "Payment declined"


# What each problem status means, for the API's OpenAPI ``responses``.
PROBLEM_DESCRIPTIONS = {
    401: "Not signed in",
    402: "Payment required",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    422: "Invalid input",
    429: "Too many requests",
}

ResponsesDoc = dict[int | str, dict[str, Any]]


def documented_problems(overrides: dict[int, str]) -> Callable[..., ResponsesDoc]:
    """A feature's helper for route ``responses=``: ``_problems(401, 404)`` documents those
    statuses as problem documents, in the feature's own words where ``overrides`` has them."""
    text = {**PROBLEM_DESCRIPTIONS, **overrides}

    def problems(*codes: int) -> ResponsesDoc:
        return {c: {"description": text[c] + " (problem document)"} for c in codes}

    return problems
