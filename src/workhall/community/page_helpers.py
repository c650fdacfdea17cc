"""What the community, workshop and resource pages share: the page that explains the Top Rated
benefit to everyone who cannot use it yet (status 403, never a bare error)."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from fastapi.responses import Response

from workhall.core.clock import ensure_utc
from workhall.core.templating import render

FEATURES = {
    "community": (
        "The Top Rated community",
        "A private forum where Top Rated freelancers trade advice on pricing, clients and "
        "growing a business, with Workhall staff in the conversation.",
        "bi-people",
    ),
    "workshops": (
        "Workshops",
        "Live sessions with limited seats — pricing, proposals, long-term clients — that only "
        "Top Rated freelancers can register for.",
        "bi-easel",
    ),
    "resources": (
        "Exclusive resources",
        "A library of in-depth guides written by the Workhall team on winning and keeping "
        "work on the marketplace.",
        "bi-journal-bookmark",
    ),
}


def locked_page(request: Request, feature: str) -> Response:
    title, pitch, icon = FEATURES[feature]
    return render(
        request,
        "community/locked.html",
        {"feature_title": title, "pitch": pitch, "icon": icon, "feature": feature},
        status_code=403,
    )


def parse_utc(value: str) -> datetime | None:
    """A ``datetime-local`` form value read as UTC, or None when it is not one."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return ensure_utc(parsed)
