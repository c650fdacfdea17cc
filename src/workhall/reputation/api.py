"""Reputation API: the freelancer's own My Stats (reputation.md §5)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from workhall.core.errors import documented_problems
from workhall.core.web import ApiFreelancer, DbDep
from workhall.reputation.stats import my_stats
from workhall.reputation.stats_schemas import StatsOut

router = APIRouter(tags=["reputation"])

_problems = documented_problems({403: "Not a freelancer: My Stats belong to freelancers"})


@router.get("/me/stats", response_model=StatsOut, responses=_problems(401, 403))
def get_my_stats(user: ApiFreelancer, db: DbDep) -> Response:
    """The caller's My Stats: the JSS and badges stored at the latest evaluation (with every
    criterion and its value), earnings by month, the proposal funnel of the last 90 days with
    the peers' rates, Connects and the public feedback received. Only ever the caller's own."""
    # The read model is already a validated StatsOut: serialize it once (quality.md §1).
    return Response(my_stats(db, user.id).model_dump_json(), media_type="application/json")
