"""My Stats, the JSS page and the Top Rated programs page (reputation.md §1.7, §2, §5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from workhall.core.clock import utcnow
from workhall.core.templating import render
from workhall.core.web import DbDep, OptionalPageUser, PageFreelancer
from workhall.reputation.jss_page import jss_page_context
from workhall.reputation.stats import (
    badges_section,
    jss_section,
    latest_evaluation,
    my_stats,
    next_evaluation_instant,
)

router = APIRouter()


@router.get("/stats")
def stats_page(request: Request, user: PageFreelancer, db: DbDep) -> Response:
    stats = my_stats(db, user.id)
    return render(
        request,
        "reputation/stats_page.html",
        {"stats": stats, "chart_data": stats.model_dump(mode="json")},
    )


@router.get("/stats/jss")
def jss_page(request: Request, user: PageFreelancer, db: DbDep) -> Response:
    return render(request, "reputation/jss_page.html", jss_page_context(db, user.id, utcnow()))


@router.get("/top-rated")
def top_rated_page(request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    """The programs, their criteria and benefits for everyone; a freelancer also sees their
    own status from the latest evaluation."""
    now = utcnow()
    context: dict[str, Any] = {"next_evaluation_at": next_evaluation_instant(now), "badges": None}
    if user is not None and user.is_freelancer:
        latest = latest_evaluation(db, user.id, now)
        context.update(
            badges=badges_section(now, latest),
            jss=jss_section(db, user.id, now, latest),
            evaluated=latest is not None,
        )
    return render(request, "reputation/top_rated_page.html", context)
