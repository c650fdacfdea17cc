from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from workhall.core.templating import render
from workhall.core.web import OptionalPageUser

router = APIRouter()


@router.get("/")
def home(request: Request, user: OptionalPageUser) -> Response:
    return render(request, "home/index.html", {})
