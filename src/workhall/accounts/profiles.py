"""Profile writes (marketplace.md §1): freelancer profile, photo, portfolio, client profile and
payment method. Each runs in the caller's unit of work and never commits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workhall.accounts import files, photos
from workhall.accounts.models import (
    ClientProfile,
    FreelancerProfile,
    PaymentMethodCheck,
    PortfolioItem,
    ProfileSkill,
    User,
)
from workhall.accounts.rules import (
    AVAILABILITY,
    COMPANY_MAX,
    OVERVIEW_MAX,
    PORTFOLIO_DESCRIPTION_MAX,
    PORTFOLIO_TITLE_MAX,
    TITLE_MAX,
    rate_problem,
    skills_problem,
    text_problem,
    url_problem,
)
from workhall.audit.service import record
from workhall.catalog import normalize_skills
from workhall.core.clock import utcnow
from workhall.core.errors import (
    Forbidden,
    NotFound,
    PaymentDeclined,
    TooManyRequests,
    Unprocessable,
)
from workhall.core.settings import Settings
from workhall.payments.provider import (
    Card,
    PaymentProvider,
    card_problem,
    get_provider,
    normalize_card_number,
)
from workhall.reputation.completeness import record_completeness

HANDLE = re.compile(r"\A[A-Za-z0-9_.-]{1,40}\Z")


@dataclass(frozen=True)
class FreelancerProfileInput:
    title: str
    overview: str
    skills: list[str]
    hourly_rate_cents: int | None
    availability: str


def profile_input_of(profile: FreelancerProfile) -> FreelancerProfileInput:
    """The profile's current values, to merge a partial update into."""
    return FreelancerProfileInput(
        title=profile.title,
        overview=profile.overview,
        skills=profile.skill_slugs,
        hourly_rate_cents=profile.hourly_rate_cents,
        availability=profile.availability,
    )


def profile_for_display(user: User) -> FreelancerProfile:
    """The freelancer's profile, or a blank unsaved one for an account that has none yet
    (imported accounts): pages show it without writing anything."""
    if user.freelancer_profile is not None:
        return user.freelancer_profile
    return FreelancerProfile(
        user_id=user.id,
        title="",
        overview="",
        hourly_rate_cents=None,
        availability="available",
        photo_path=None,
        updated_at=utcnow(),
        skills=[],
        portfolio=[],
    )


def freelancer_profile_for_update(session: Session, user: User) -> FreelancerProfile:
    """The freelancer's profile row, locked (PostgreSQL) so two edits apply one after the other."""
    if not user.is_freelancer:
        raise Forbidden("Only freelancers have a freelancer profile.")
    profile = session.scalar(
        select(FreelancerProfile).where(FreelancerProfile.user_id == user.id).with_for_update()
    )
    if profile is None:  # accounts created before profiles existed
        profile = FreelancerProfile(user_id=user.id, updated_at=utcnow())
        session.add(profile)
        session.flush()
    return profile


def _check_text(value: str, field: str, label: str, max_length: int, multiline: bool) -> str:
    problem = text_problem(value, label=label, max_length=max_length, multiline=multiline)
    if problem:
        raise Unprocessable(problem, field=field)
    return value.strip()


def update_freelancer_profile(
    session: Session, settings: Settings, user: User, data: FreelancerProfileInput
) -> FreelancerProfile:
    """Validate and save the profile's text, skills, rate and availability (marketplace.md §1).

    Locks the profile row. Raises Unprocessable naming the first bad field; nothing is saved.
    """
    title = _check_text(data.title, "title", "The title", TITLE_MAX, multiline=False)
    overview = _check_text(data.overview, "overview", "The overview", OVERVIEW_MAX, True)
    try:
        skills = normalize_skills([s for s in data.skills if s.strip()])
    except ValueError as exc:
        raise Unprocessable(f"Choose skills from the catalogue ({exc}).", field="skills") from exc
    problem = skills_problem(
        len(skills), min_count=settings.profile_skills_min, max_count=settings.profile_skills_max
    )
    if problem:
        raise Unprocessable(problem, field="skills")
    problem = rate_problem(
        data.hourly_rate_cents,
        min_cents=settings.profile_hourly_rate_min_cents,
        max_cents=settings.profile_hourly_rate_max_cents,
    )
    if problem:
        raise Unprocessable(problem, field="hourly_rate")
    if data.availability not in AVAILABILITY:
        raise Unprocessable("Choose your availability.", field="availability")

    profile = freelancer_profile_for_update(session, user)
    profile.title = title
    profile.overview = overview.replace("\r\n", "\n")
    profile.hourly_rate_cents = data.hourly_rate_cents
    profile.availability = data.availability
    # Change the skill rows by difference: re-adding a removed (user, skill) key in one flush
    # would collide with the row being deleted.
    wanted = set(skills)
    for row in list(profile.skills):
        if row.skill not in wanted:
            profile.skills.remove(row)
    have = {row.skill for row in profile.skills}
    for slug in skills:
        if slug not in have:
            profile.skills.append(ProfileSkill(user_id=user.id, skill=slug))
    profile.updated_at = utcnow()
    session.flush()
    record_completeness(session, user)
    return profile


def set_profile_photo(session: Session, settings: Settings, user: User, data: bytes) -> str:
    """Re-encode an upload (photos.reencode_photo) and make it the profile photo.

    The old file is deleted only after the transaction commits; the new one if it rolls back.
    """
    jpeg = photos.reencode_photo(
        data, max_bytes=settings.profile_photo_max_bytes, size_px=settings.profile_photo_size_px
    )
    profile = freelancer_profile_for_update(session, user)
    name = photos.write_photo(settings, jpeg)
    files.on_rollback(session, lambda: photos.delete_photo(settings, name))
    old = profile.photo_path
    if old:
        files.on_commit(session, lambda: photos.delete_photo(settings, old))
    profile.photo_path = name
    profile.updated_at = utcnow()
    record_completeness(session, user)
    return name


def remove_profile_photo(session: Session, settings: Settings, user: User) -> None:
    profile = freelancer_profile_for_update(session, user)
    old = profile.photo_path
    if old:
        files.on_commit(session, lambda: photos.delete_photo(settings, old))
    profile.photo_path = None
    profile.updated_at = utcnow()
    record_completeness(session, user)


def add_portfolio_item(
    session: Session,
    settings: Settings,
    user: User,
    *,
    title: str,
    description: str,
    url: str | None,
) -> PortfolioItem:
    """A portfolio item: title ≤ 120, description ≤ 2,000, optional http(s) link ≤ 500."""
    title = _check_text(title, "title", "The title", PORTFOLIO_TITLE_MAX, multiline=False)
    if not title:
        raise Unprocessable("Give the portfolio item a title.", field="title")
    description = _check_text(
        description, "description", "The description", PORTFOLIO_DESCRIPTION_MAX, multiline=True
    )
    url = (url or "").strip() or None
    if url is not None:
        problem = url_problem(url)
        if problem:
            raise Unprocessable(problem, field="url")
    profile = freelancer_profile_for_update(session, user)
    if len(profile.portfolio) >= settings.profile_portfolio_max_items:
        raise Unprocessable(
            f"A profile holds at most {settings.profile_portfolio_max_items} portfolio items; "
            "remove one first.",
            field="portfolio",
        )
    item = PortfolioItem(
        user_id=user.id,
        title=title,
        description=description.replace("\r\n", "\n"),
        url=url,
        created_at=utcnow(),
    )
    profile.portfolio.append(item)
    profile.updated_at = utcnow()
    session.flush()
    record_completeness(session, user)
    return item


def remove_portfolio_item(session: Session, user: User, item_id: int) -> None:
    """Only the owner removes an item; any other id is simply not found."""
    profile = freelancer_profile_for_update(session, user)
    item = next((i for i in profile.portfolio if i.id == item_id), None)
    if item is None:
        raise NotFound("No such portfolio item on your profile.")
    profile.portfolio.remove(item)
    profile.updated_at = utcnow()
    session.flush()
    record_completeness(session, user)


def _client_profile(session: Session, user: User) -> ClientProfile:
    if not user.is_client:
        raise Forbidden("Only clients have a client profile.")
    profile = session.scalar(
        select(ClientProfile).where(ClientProfile.user_id == user.id).with_for_update()
    )
    if profile is None:
        profile = ClientProfile(user_id=user.id)
        session.add(profile)
        session.flush()
    return profile


def update_client_profile(session: Session, user: User, *, company_name: str) -> ClientProfile:
    """spec: marketplace.md §1 — company name is optional."""
    company_name = _check_text(
        company_name, "company_name", "The company name", COMPANY_MAX, multiline=False
    )
    profile = _client_profile(session, user)
    profile.company_name = company_name
    return profile


def add_payment_method(
    session: Session,
    settings: Settings,
    user: User,
    *,
    number: str,
    exp_month: int,
    exp_year: int,
    cvc: str,
    provider: PaymentProvider | None = None,
) -> ClientProfile:
    """Verify a card with the payment provider, save it there, and keep only its last four
    digits and the provider's token (which escrow funding charges).

    spec: marketplace.md §1 — "payment method verified (true once a payment method is on file
    with the payment provider)". At most ``payment_method_max_checks_per_day`` cards a day per
    client, so the form cannot be used to test stolen card numbers. Locks the client profile.
    """
    profile = _client_profile(session, user)
    now = utcnow()
    checks = (
        session.scalar(
            select(func.count())
            .select_from(PaymentMethodCheck)
            .where(
                PaymentMethodCheck.user_id == user.id,
                PaymentMethodCheck.at > now - timedelta(days=1),
            )
        )
        or 0
    )
    if checks >= settings.payment_method_max_checks_per_day:
        raise TooManyRequests("Too many cards tried today. Try again tomorrow.", retry_after=86400)
    card = Card(
        number=normalize_card_number(number),
        exp_month=exp_month,
        exp_year=exp_year,
        cvc=cvc.strip(),
    )
    problem = card_problem(card, year_now=now.year, month_now=now.month)
    if problem:
        raise Unprocessable(problem, field="card")
    provider = provider or get_provider(settings)
    result = provider.verify_card(card)
    session.add(PaymentMethodCheck(user_id=user.id, at=now, ok=result.ok))
    if not result.ok:
        # The attempt must be kept for the daily limit: the caller commits before answering.
        raise PaymentDeclined(result.decline_reason or "The card was declined.")
    # The provider keeps the card; we keep its token to charge escrow (marketplace.md §6.2).
    profile.payment_method_token = provider.save_card(card)
    profile.payment_method_last4 = card.last4
    profile.payment_method_verified_at = now
    record(
        session,
        "payment_method.verified",
        "user",
        user.id,
        actor_id=user.id,
        last4=card.last4,
        reference=result.reference,
    )
    return profile


def find_public_user(session: Session, handle: str) -> User | None:
    """The account behind a public profile: freelancers and clients that are not closed."""
    if not HANDLE.match(handle):
        return None
    user = session.scalar(select(User).where(User.handle == handle))
    if user is None or user.status == "closed" or user.role not in ("freelancer", "client"):
        return None
    return user


def erase_profiles(session: Session, settings: Settings, user: User) -> None:
    """Remove the personal content of both profiles (closing an account, marketplace.md §1)."""
    profile = session.get(FreelancerProfile, user.id)
    if profile is not None:
        old = profile.photo_path
        if old:
            files.on_commit(session, lambda: photos.delete_photo(settings, old))
        profile.photo_path = None
        profile.title = ""
        profile.overview = ""
        profile.hourly_rate_cents = None
        profile.skills.clear()
        profile.portfolio.clear()
        profile.updated_at = utcnow()
    client = session.get(ClientProfile, user.id)
    if client is not None:
        client.company_name = ""
        client.payment_method_last4 = None
        client.payment_method_token = None
