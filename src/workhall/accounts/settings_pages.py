"""Profile settings: the freelancer profile with its completeness, photo and portfolio; the
client's company and payment method (marketplace.md §1)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import Response

from workhall.accounts import profiles
from workhall.accounts.models import User
from workhall.accounts.page_helpers import form_status
from workhall.accounts.rules import (
    AVAILABILITY,
    OVERVIEW_COMPLETE,
    missing_completeness_items,
    profile_completeness,
)
from workhall.accounts.service import completeness_facts
from workhall.core.clock import utcnow
from workhall.core.errors import Problem
from workhall.core.money import parse_dollars
from workhall.core.templating import redirect, render
from workhall.core.web import Csrf, DbDep, PageClient, PageFreelancer, PageUser, SettingsDep
from workhall.payments.provider import DECLINED_CARD

router = APIRouter()
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]

# Where each missing completeness item is fixed (the phone is verified on its own page).
FIX_LINKS = {
    "photo": "#photo",
    "title": "#title",
    "overview": "#overview",
    "skills": "#skills",
    "rate": "#hourly_rate",
    "portfolio": "#portfolio",
    "phone": "/settings/phone",
}
MAX_SKILL_VALUES = 200  # more checkboxes than the catalogue has: a forged form


def _freelancer_page(
    request: Request,
    settings: SettingsDep,
    user: User,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    item: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    profile = profiles.profile_for_display(user)
    facts = completeness_facts(user, profile)
    if form is None:
        rate = profile.hourly_rate_cents
        form = {
            "title": profile.title,
            "overview": profile.overview,
            "skills": profile.skill_slugs,
            "hourly_rate": f"{rate / 100:.2f}".removesuffix(".00") if rate is not None else "",
            "availability": profile.availability,
        }
    missing = missing_completeness_items(facts)
    return render(
        request,
        "accounts/settings_freelancer.html",
        {
            "profile": profile,
            "form": form,
            "item": item or {},
            "errors": errors or {},
            "completeness": profile_completeness(facts),
            "missing": [(key, label, FIX_LINKS[key]) for key, label in missing],
            "availability_choices": AVAILABILITY,
            "overview_complete": OVERVIEW_COMPLETE,
            "skills_max": settings.profile_skills_max,
            "rate_min": settings.profile_hourly_rate_min_cents,
            "rate_max": settings.profile_hourly_rate_max_cents,
            "photo_max_mb": settings.profile_photo_max_bytes // (1024 * 1024),
            "portfolio_max": settings.profile_portfolio_max_items,
            "active": "profile",
        },
        status_code=status_code,
    )


def _client_page(
    request: Request,
    settings: SettingsDep,
    user: User,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    profile = user.client_profile
    now = utcnow()
    return render(
        request,
        "accounts/settings_client.html",
        {
            "profile": profile,
            "form": form or {"company_name": profile.company_name if profile else ""},
            "errors": errors or {},
            "years": list(range(now.year, now.year + 16)),
            "test_cards": None
            if settings.is_production
            else (
                "4242 4242 4242 4242",
                " ".join(DECLINED_CARD[i : i + 4] for i in range(0, 16, 4)),
            ),
            "active": "profile",
        },
        status_code=status_code,
    )


@router.get("/settings/profile")
def profile_settings(request: Request, user: PageUser, settings: SettingsDep) -> Response:
    if user.is_freelancer:
        return _freelancer_page(request, settings, user)
    if user.is_client:
        return _client_page(request, settings, user)
    return redirect("/settings/account", request, "Staff accounts have no public profile.", "info")


@router.post("/settings/profile", dependencies=[Csrf])
def save_profile(
    request: Request,
    user: PageUser,
    db: DbDep,
    settings: SettingsDep,
    title: Annotated[str, Form(max_length=1000)] = "",
    overview: Annotated[str, Form(max_length=20_000)] = "",
    skills: Annotated[list[str] | None, Form()] = None,
    hourly_rate: Annotated[str, Form(max_length=30)] = "",
    availability: Annotated[str, Form(max_length=20)] = "available",
    company_name: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if user.is_client:
        try:
            profiles.update_client_profile(db, user, company_name=company_name)
        except Problem as exc:
            db.rollback()
            return _client_page(
                request,
                settings,
                user,
                form={"company_name": company_name},
                errors={"company": exc.detail},
                status_code=form_status(exc),
            )
        return redirect("/settings/profile", request, "Your company details are saved.")
    if not user.is_freelancer:
        return redirect("/settings/account")
    skills = (skills or [])[:MAX_SKILL_VALUES]
    form = {
        "title": title,
        "overview": overview,
        "skills": skills,
        "hourly_rate": hourly_rate,
        "availability": availability,
    }
    try:
        rate_cents = parse_dollars(hourly_rate) if hourly_rate.strip() else None
    except ValueError:
        return _freelancer_page(
            request,
            settings,
            user,
            form=form,
            errors={"hourly_rate": "Enter the rate in dollars, like 45 or 45.50."},
            status_code=400,
        )
    data = profiles.FreelancerProfileInput(
        title=title,
        overview=overview,
        skills=skills,
        hourly_rate_cents=rate_cents,
        availability=availability,
    )
    try:
        profiles.update_freelancer_profile(db, settings, user, data)
    except Problem as exc:
        db.rollback()
        field = str(exc.extra.get("field", "profile"))
        return _freelancer_page(
            request,
            settings,
            user,
            form=form,
            errors={field: exc.detail},
            status_code=form_status(exc),
        )
    return redirect("/settings/profile", request, "Your profile is saved.")


@router.post("/settings/profile/photo", dependencies=[Csrf])
def upload_photo(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    data = photo.file.read(settings.profile_photo_max_bytes + 1) if photo is not None else b""
    try:
        profiles.set_profile_photo(db, settings, user, data)
    except Problem as exc:
        db.rollback()
        return _freelancer_page(
            request, settings, user, errors={"photo": exc.detail}, status_code=form_status(exc)
        )
    return redirect("/settings/profile#photo", request, "Your new photo is on your profile.")


@router.post("/settings/profile/photo/remove", dependencies=[Csrf])
def remove_photo(
    request: Request, user: PageFreelancer, db: DbDep, settings: SettingsDep
) -> Response:
    profiles.remove_profile_photo(db, settings, user)
    return redirect("/settings/profile#photo", request, "Your photo is removed.")


@router.post("/settings/profile/portfolio", dependencies=[Csrf])
def add_portfolio_item(
    request: Request,
    user: PageFreelancer,
    db: DbDep,
    settings: SettingsDep,
    item_title: Annotated[str, Form(max_length=1000)] = "",
    item_description: Annotated[str, Form(max_length=10_000)] = "",
    item_url: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        profiles.add_portfolio_item(
            db, settings, user, title=item_title, description=item_description, url=item_url
        )
    except Problem as exc:
        db.rollback()
        return _freelancer_page(
            request,
            settings,
            user,
            errors={"portfolio": exc.detail},
            item={"title": item_title, "description": item_description, "url": item_url},
            status_code=form_status(exc),
        )
    return redirect("/settings/profile#portfolio", request, "The portfolio item is added.")


@router.post("/settings/profile/portfolio/{item_id}/remove", dependencies=[Csrf])
def remove_portfolio_item(
    request: Request, item_id: Id, user: PageFreelancer, db: DbDep
) -> Response:
    profiles.remove_portfolio_item(db, user, item_id)
    return redirect("/settings/profile#portfolio", request, "The portfolio item is removed.")


@router.post("/settings/profile/payment-method", dependencies=[Csrf])
def add_payment_method(
    request: Request,
    user: PageClient,
    db: DbDep,
    settings: SettingsDep,
    card_number: Annotated[str, Form(max_length=40)] = "",
    exp_month: Annotated[str, Form(max_length=4)] = "",
    exp_year: Annotated[str, Form(max_length=4)] = "",
    cvc: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    month = int(exp_month) if exp_month.isascii() and exp_month.isdigit() else 0
    year = int(exp_year) if exp_year.isascii() and exp_year.isdigit() else 0
    try:
        profiles.add_payment_method(
            db, settings, user, number=card_number, exp_month=month, exp_year=year, cvc=cvc
        )
    except Problem as exc:
        db.commit()  # keep the attempt: the daily card limit counts it
        return _client_page(
            request, settings, user, errors={"card": exc.detail}, status_code=form_status(exc)
        )
    return redirect("/settings/profile#payment", request, "Payment method verified.")
