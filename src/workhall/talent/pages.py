"""Freelancer search (``/talent``) and the Top Rated invitations switch on a client's job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response

from workhall import catalog
from workhall.core.templating import form_action, render
from workhall.core.web import Csrf, DbDep, PageClient, PageUser
from workhall.talent import queries, service

router = APIRouter()


@router.get("/talent")
def talent_search(
    request: Request,
    user: PageUser,
    db: DbDep,
    q: Annotated[str, Query(max_length=100)] = "",
    skill: Annotated[str, Query(max_length=60)] = "",
    country: Annotated[str, Query(max_length=2)] = "",
    top_rated: Annotated[bool, Query()] = False,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    skill = skill if skill in catalog.SKILLS else ""
    country = country.upper() if country.upper() in catalog.COUNTRIES else ""
    result = queries.search_talent(
        db, q, skill=skill, country=country, top_rated_only=top_rated, page=page
    )
    return render(
        request,
        "talent/search.html",
        {
            "result": result,
            "q": q,
            "skill": skill,
            "country": country,
            "top_rated": top_rated,
            "skills": catalog.SKILLS,
            "countries": catalog.COUNTRIES,
            "catalog": catalog,
            "viewer": user,
        },
    )


@router.post("/client/jobs/{job_id}/top-rated-invitations", dependencies=[Csrf])
def switch_top_rated_invitations(
    job_id: Annotated[int, Path(ge=1, le=2**53)],
    request: Request,
    user: PageClient,
    db: DbDep,
    on: Annotated[bool, Form()] = False,
) -> Response:
    back = f"/client/jobs/{job_id}/proposals"
    return form_action(
        request,
        db,
        back,
        lambda: service.set_top_rated_invitations(db, user, job_id, on),
        lambda now_on: (
            "Top Rated invitations are on: see the suggested freelancers below."
            if now_on
            else "Top Rated invitations are off."
        ),
    )
