"""Profile API: public profiles, the signed-in user's profile, photo, portfolio, payment method
and password (marketplace.md §1). Included in ``accounts.api.router`` under ``/api/v1``."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, File, Path, Request, Response, UploadFile

from workhall.accounts import profiles, service
from workhall.accounts.models import User
from workhall.accounts.rules import missing_completeness_items, profile_completeness
from workhall.accounts.schemas import (
    ClientProfileOut,
    FreelancerProfileOut,
    MyProfileOut,
    PasswordChangeIn,
    PaymentMethodIn,
    PaymentMethodOut,
    PhotoOut,
    PortfolioItemIn,
    PortfolioItemOut,
    ProfilePatchIn,
    PublicProfileOut,
    SkillOut,
)
from workhall.catalog import skill_name
from workhall.core.errors import Forbidden, NotFound, Problem, Unprocessable
from workhall.core.web import ApiClient, ApiFreelancer, ApiUser, DbDep, SettingsDep, client_ip

router = APIRouter(tags=["profiles"])

MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
PROBLEMS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not signed in"},
    403: {"description": "Not allowed for this role"},
    422: {"description": "Invalid input (problem document)"},
}


def photo_url(name: str | None) -> str | None:
    return f"/photos/{name}" if name else None


def public_profile_out(
    user: User, cls: type[PublicProfileOut] = PublicProfileOut
) -> PublicProfileOut:
    out = cls(
        handle=user.handle,
        name=user.name,
        role=user.role,
        country=user.country,
        member_since=user.created_at.isoformat(),
        identity_verified=user.identity_verified_at is not None,
        phone_verified=user.phone_verified,
    )
    if user.is_freelancer:
        fp = profiles.profile_for_display(user)
        out.freelancer = FreelancerProfileOut(
            title=fp.title,
            overview=fp.overview,
            skills=[SkillOut(slug=s, name=skill_name(s)) for s in fp.skill_slugs],
            hourly_rate_cents=fp.hourly_rate_cents,
            availability=fp.availability,
            photo_url=photo_url(fp.photo_path),
            portfolio=[
                PortfolioItemOut(id=i.id, title=i.title, description=i.description, url=i.url)
                for i in fp.portfolio
            ],
        )
    cp = user.client_profile
    if user.is_client and cp is not None:
        out.client = ClientProfileOut(
            company_name=cp.company_name, payment_verified=cp.payment_verified
        )
    return out


def my_profile_out(db: DbDep, user: User) -> MyProfileOut:
    db.refresh(user)  # the profile relationships as the changes left them
    out = public_profile_out(user, MyProfileOut)
    assert isinstance(out, MyProfileOut)
    if user.is_freelancer:
        facts = service.completeness_facts(user, profiles.profile_for_display(user))
        out.profile_completeness = profile_completeness(facts)
        out.missing = [key for key, _ in missing_completeness_items(facts)]
    if user.is_client and user.client_profile is not None:
        out.payment_method_last4 = user.client_profile.payment_method_last4
    return out


@router.get(
    "/users/{handle}",
    response_model=PublicProfileOut,
    responses={404: {"description": "No such profile"}},
)
def get_user(handle: Annotated[str, Path(max_length=40)], db: DbDep) -> PublicProfileOut:
    """A public profile: 404 for unknown and closed accounts."""
    user = profiles.find_public_user(db, handle)
    if user is None:
        raise NotFound("There is no profile with this handle.")
    return public_profile_out(user)


@router.get("/me/profile", response_model=MyProfileOut, responses=PROBLEMS)
def get_my_profile(user: ApiUser, db: DbDep) -> MyProfileOut:
    if user.is_staff:
        raise Forbidden("Staff accounts have no profile.")
    return my_profile_out(db, user)


FREELANCER_FIELDS = ("title", "overview", "skills", "hourly_rate_cents", "availability")


@router.patch("/me/profile", response_model=MyProfileOut, responses=PROBLEMS)
def patch_my_profile(
    body: ProfilePatchIn, user: ApiUser, db: DbDep, settings: SettingsDep
) -> MyProfileOut:
    """Freelancers change title, overview, skills, hourly_rate_cents, availability; clients
    change company_name. Omitted fields are kept."""
    sent = body.model_fields_set
    if user.is_client:
        wrong = sorted(sent & set(FREELANCER_FIELDS))
        if wrong:
            raise Unprocessable(
                f"{wrong[0]} is a freelancer profile field; clients change company_name.",
                field=wrong[0],
            )
        if "company_name" in sent:
            if body.company_name is None:
                raise Unprocessable(
                    'company_name cannot be null; send "" to remove it.', field="company_name"
                )
            profiles.update_client_profile(db, user, company_name=body.company_name)
        return my_profile_out(db, user)
    if not user.is_freelancer:
        raise Forbidden("Staff accounts have no profile.")
    if "company_name" in sent:
        raise Unprocessable("company_name is a client profile field.", field="company_name")
    for field in ("title", "overview", "skills", "availability"):
        if field in sent and getattr(body, field) is None:
            raise Unprocessable(f"{field} cannot be null.", field=field)
    current = profiles.profile_input_of(profiles.freelancer_profile_for_update(db, user))
    changes = {field: getattr(body, field) for field in FREELANCER_FIELDS if field in sent}
    profiles.update_freelancer_profile(db, settings, user, replace(current, **changes))
    return my_profile_out(db, user)


@router.post("/me/photo", response_model=PhotoOut, responses=PROBLEMS)
def upload_photo(
    user: ApiFreelancer,
    db: DbDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="A JPEG or PNG, at most 5 MB")],
) -> PhotoOut:
    """Replace the profile photo; it is re-encoded to a 400×400 JPEG without metadata."""
    data = file.file.read(settings.profile_photo_max_bytes + 1)
    name = profiles.set_profile_photo(db, settings, user, data)
    return PhotoOut(photo_url=f"/photos/{name}")


@router.delete("/me/photo", status_code=204, responses=PROBLEMS)
def delete_photo(user: ApiFreelancer, db: DbDep, settings: SettingsDep) -> Response:
    profiles.remove_profile_photo(db, settings, user)
    return Response(status_code=204)


@router.post("/me/portfolio", status_code=201, response_model=PortfolioItemOut, responses=PROBLEMS)
def add_portfolio_item(
    body: PortfolioItemIn, user: ApiFreelancer, db: DbDep, settings: SettingsDep
) -> PortfolioItemOut:
    item = profiles.add_portfolio_item(
        db, settings, user, title=body.title, description=body.description, url=body.url
    )
    return PortfolioItemOut(
        id=item.id, title=item.title, description=item.description, url=item.url
    )


@router.delete(
    "/me/portfolio/{item_id}",
    status_code=204,
    responses={**PROBLEMS, 404: {"description": "Not an item of yours"}},
)
def remove_portfolio_item(item_id: Id, user: ApiFreelancer, db: DbDep) -> Response:
    profiles.remove_portfolio_item(db, user, item_id)
    return Response(status_code=204)


@router.post(
    "/me/payment-method",
    response_model=PaymentMethodOut,
    responses={
        **PROBLEMS,
        402: {"description": "Card declined"},
        429: {"description": "Too many cards tried today"},
    },
)
def add_payment_method(
    body: PaymentMethodIn, user: ApiClient, db: DbDep, settings: SettingsDep
) -> PaymentMethodOut:
    """Verify a card with the payment provider; only its last four digits are kept."""
    try:
        profile = profiles.add_payment_method(
            db,
            settings,
            user,
            number=body.number,
            exp_month=body.exp_month,
            exp_year=body.exp_year,
            cvc=body.cvc,
        )
    except Problem:
        db.commit()  # the attempt counts towards the daily card limit
        raise
    assert profile.payment_method_last4 and profile.payment_method_verified_at
    return PaymentMethodOut(
        last4=profile.payment_method_last4,
        verified_at=profile.payment_method_verified_at.isoformat(),
    )


@router.post(
    "/me/password", status_code=204, responses={**PROBLEMS, 429: {"description": "Throttled"}}
)
def change_password(
    body: PasswordChangeIn, request: Request, user: ApiUser, db: DbDep, settings: SettingsDep
) -> Response:
    """Change the password; every other session and API token is revoked, this token kept."""
    token = request.headers["authorization"].split(" ", 1)[1].strip()
    try:
        service.change_password(
            db,
            settings,
            user,
            current_password=body.current_password,
            new_password=body.new_password,
            ip=client_ip(request),
            keep_token_id=service.api_token_id(db, token),
        )
    except Problem:
        db.commit()  # a wrong current password counts like a failed sign-in
        raise
    return Response(status_code=204)
