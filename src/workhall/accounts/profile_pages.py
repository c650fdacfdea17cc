"""Public profiles (marketplace.md §1) and the photos they show.

A public profile shows only what exists and never the email address or phone number.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from workhall.accounts import photos
from workhall.accounts.profiles import find_public_user, profile_for_display
from workhall.accounts.rules import AVAILABILITY, profile_completeness
from workhall.accounts.service import completeness_facts
from workhall.core.errors import NotFound
from workhall.core.templating import render
from workhall.core.web import DbDep, OptionalPageUser, SettingsDep
from workhall.feedback.pages import reviews_context
from workhall.reputation.queries import standing

router = APIRouter()


@router.get("/u/{handle}")
def public_profile(
    request: Request, handle: str, db: DbDep, viewer: OptionalPageUser, settings: SettingsDep
) -> Response:
    user = find_public_user(db, handle)
    if user is None:
        raise NotFound("There is no profile at this address.")
    own = viewer is not None and viewer.id == user.id
    reviews = reviews_context(db, settings, user)  # the "Reviews" section (marketplace.md §7)
    if user.is_freelancer:
        profile = profile_for_display(user)
        return render(
            request,
            "accounts/profile_freelancer.html",
            {
                "person": user,
                "profile": profile,
                "availability": AVAILABILITY.get(profile.availability, ""),
                "own": own,
                "standing": standing(db, user.id),
                "completeness": profile_completeness(completeness_facts(user, profile))
                if own
                else None,
                **reviews,
            },
        )
    return render(
        request,
        "accounts/profile_client.html",
        {
            "person": user,
            "profile": user.client_profile,
            "own": own,
            **reviews,
        },
    )


@router.get("/photos/{name}")
def photo(name: str, settings: SettingsDep) -> Response:
    """Serve a stored photo; the name must be one the upload made (no paths, no tricks)."""
    path = photos.photo_file(settings, name)
    if path is None:
        raise NotFound("No such photo.")
    return FileResponse(
        path,
        media_type="image/jpeg",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
