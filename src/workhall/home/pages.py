from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from workhall import catalog
from workhall.core.templating import render
from workhall.core.web import DbDep, OptionalPageUser
from workhall.jobs.rules import EXPERIENCE_LEVELS
from workhall.jobs.service import client_cards, newest_open_jobs

router = APIRouter()


@router.get("/")
def home(request: Request, user: OptionalPageUser, db: DbDep) -> Response:
    jobs = newest_open_jobs(db, limit=6)
    return render(
        request,
        "home/index.html",
        {
            "jobs": jobs,
            "cards": client_cards(db, {job.client_id for job in jobs}),
            "categories": catalog.CATEGORY_NAMES,
            "experience_levels": EXPERIENCE_LEVELS,
        },
    )
