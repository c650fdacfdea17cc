"""``workhall demo``: a realistic demo marketplace, reproducible from a seed.

Everything goes through the same services the product uses (sign-up, profiles, posting,
proposals, views, cancellations), with the clock moved back so dates look lived-in. One
argon2id hash of the shared demo password is reused for every demo account.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall import catalog
from workhall.accounts import profiles
from workhall.accounts import service as accounts
from workhall.accounts.models import User
from workhall.connects.billing import make_card, purchase_connects
from workhall.connects.service import connects_balance
from workhall.core import clock
from workhall.core.db import Database
from workhall.core.errors import Conflict
from workhall.core.security import hash_password
from workhall.core.settings import Settings
from workhall.demo import content
from workhall.demo import contracts as demo_contracts
from workhall.demo import reputation as demo_reputation
from workhall.demo import trust as demo_trust
from workhall.jobs import service as jobs
from workhall.jobs.rules import JobDraft
from workhall.payments.availability import mature_due_payments
from workhall.payments.provider import get_provider
from workhall.proposals import service as proposals

DEMO_PASSWORD = "workhall-demo-2026"


@dataclass(frozen=True)
class DemoSize:
    freelancers: int = 220
    clients: int = 60
    jobs: int = 340


class DemoRefused(Exception):
    """The demo only fills an empty database."""


@dataclass
class Demo:
    rng: random.Random
    settings: Settings
    now: datetime
    password_hash: str
    size: DemoSize = field(default_factory=DemoSize)
    freelancers: list[User] = field(default_factory=list)
    freelancer_category: dict[int, str] = field(default_factory=dict)
    clients: list[User] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def at(self, when: datetime) -> None:
        clock.set_now(when)

    def bump(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def run_demo(
    database: Database,
    settings: Settings,
    *,
    seed: int,
    if_empty: bool,
    console: Console,
    size: DemoSize | None = None,
) -> Demo | None:
    with database.unit_of_work(write=False) as session:
        has_users = session.scalar(select(User.id).limit(1)) is not None
    if has_users and if_empty:
        console.print("The database already has users: demo data not loaded.")
        return None
    if has_users:
        raise DemoRefused("the database already has users; run `workhall demo` on an empty one")
    demo = Demo(
        random.Random(seed),
        settings,
        clock.utcnow(),
        hash_password(DEMO_PASSWORD),
        size or DemoSize(),
    )
    try:
        with (
            Progress(console=console, transient=True) as progress,
            database.unit_of_work() as session,
        ):
            _build(session, demo, progress)
            roles = demo_reputation.build_track_records(session, demo)
            # The track records' payments are back-dated too: past their hold, they are available.
            matured = mature_due_payments(session, demo.now, limit=100_000)[1]
            demo.bump("payments available", matured)
    finally:
        clock.set_now(None)
    demo_reputation.evaluate(database, settings, demo, console)
    demo_trust.after_evaluation(database, demo)
    _print_logins(database, demo, console, roles)
    return demo


def _build(session: Session, demo: Demo, progress: Progress) -> None:
    task = progress.add_task("Staff and clients", total=demo.size.clients + 3)
    _staff(session, demo)
    for i in range(demo.size.clients):
        _client(session, demo, i)
        progress.advance(task)
    task = progress.add_task("Freelancers", total=demo.size.freelancers)
    for i in range(demo.size.freelancers):
        _freelancer(session, demo, i)
        progress.advance(task)
    task = progress.add_task("Jobs and proposals", total=demo.size.jobs)
    for i in range(demo.size.jobs):
        _job(session, demo, i)
        progress.advance(task)
    demo_contracts.run_hourly_billing(session, demo)
    demo_trust.build_history(session, demo)
    demo.at(demo.now)
    demo.bump("expired", jobs.expire_due_jobs(session, demo.settings) or 0)
    # Released money past its security hold becomes available, as the worker would do.
    demo.bump("payments available", mature_due_payments(session, demo.now, limit=100_000)[1])


def _sign_up(
    session: Session,
    demo: Demo,
    *,
    email: str,
    name: str,
    country: str,
    role: str,
    joined: datetime,
    staff_roles: str = "",
) -> User:
    demo.at(joined)
    user = accounts.sign_up(
        session,
        demo.settings,
        email=email,
        password=DEMO_PASSWORD,
        name=name,
        country=country,
        role=role,
        staff_roles=staff_roles,
        password_hash=demo.password_hash,
    )
    user.email_verified_at = joined + timedelta(minutes=demo.rng.randint(2, 90))
    return user


def _verify_phone(user: User, n: int, when: datetime) -> None:
    # Fictional mobile numbers, one per account (the UK's range reserved for drama).
    user.phone_e164 = f"+447700{n:06d}"[:13]
    user.phone_verified_at = when


def _name(rng: random.Random, country: str) -> str:
    first = rng.choice(content.FIRST_NAMES.get(country, content.FIRST_NAMES["US"]))
    last = rng.choice(content.LAST_NAMES.get(country, content.LAST_NAMES["US"]))
    return f"{first} {last}"


def _staff(session: Session, demo: Demo) -> None:
    joined = demo.now - timedelta(days=700)
    for role, name in (
        ("admin", "Alex Admin"),
        ("support", "Sam Support"),
        ("trust_safety", "Taylor Safety"),
    ):
        _sign_up(
            session,
            demo,
            email=f"{role.replace('_', '')}@example.com",
            name=name,
            country="US",
            role="staff",
            joined=joined,
            staff_roles=role,
        )


def _client(session: Session, demo: Demo, i: int) -> None:
    rng = demo.rng
    country = rng.choice(content.CLIENT_COUNTRIES)
    joined = demo.now - timedelta(days=rng.randint(40, 900), hours=rng.randint(0, 23))
    email = "client@example.com" if i == 0 else f"client{i}@example.com"
    user = _sign_up(
        session,
        demo,
        email=email,
        name=_name(rng, country),
        country=country,
        role="client",
        joined=joined,
    )
    _verify_phone(user, 500 + i, joined + timedelta(hours=1))
    company = f"{rng.choice(content.COMPANY_PARTS[0])} {rng.choice(content.COMPANY_PARTS[1])}"
    profiles.update_client_profile(
        session, user, company_name=company if rng.random() < 0.8 else ""
    )
    if i == 0 or rng.random() < 0.8:
        profiles.add_payment_method(
            session,
            demo.settings,
            user,
            number="4242424242424242",
            exp_month=12,
            exp_year=demo.now.year + 3,
            cvc="123",
        )
    demo.clients.append(user)


def _avatar(rng: random.Random, name: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    colors = ["#14a800", "#1f6feb", "#8250df", "#bf3989", "#d1242f", "#9a6700", "#0969da"]
    img = Image.new("RGB", (400, 400), rng.choice(colors))
    draw = ImageDraw.Draw(img)
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    font = ImageFont.load_default(size=170)
    draw.text((200, 200), initials, fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _freelancer(session: Session, demo: Demo, i: int) -> None:
    rng, settings = demo.rng, demo.settings
    country = rng.choice(content.FREELANCER_COUNTRIES)
    joined = demo.now - timedelta(days=rng.randint(20, 1100), hours=rng.randint(0, 23))
    email = "freelancer@example.com" if i == 0 else f"freelancer{i}@example.com"
    name = _name(rng, country)
    user = _sign_up(
        session, demo, email=email, name=name, country=country, role="freelancer", joined=joined
    )
    category = rng.choice(list(catalog.CATEGORIES))
    demo.freelancer_category[user.id] = category
    cat = content.CATEGORY_CONTENT[category]
    skills = [catalog.slugify(s) for s in catalog.CATEGORIES[category][1]]
    complete = i == 0 or rng.random() < 0.75
    demo.at(joined + timedelta(hours=2))
    if complete:
        _verify_phone(user, i, joined + timedelta(hours=2))
    overview = " ".join(
        s.format(n=rng.randint(3, 15), k=rng.randint(4, 30))
        for s in rng.sample(content.OVERVIEW_SENTENCES, k=4 if complete else 1)
    )
    profiles.update_freelancer_profile(
        session,
        settings,
        user,
        profiles.FreelancerProfileInput(
            title=rng.choice(cat["titles"]),
            overview=overview,
            skills=rng.sample(skills, k=min(len(skills), rng.randint(3, 8) if complete else 2)),
            hourly_rate_cents=rng.choice([15, 20, 25, 30, 35, 45, 55, 65, 80, 95, 120]) * 100,
            availability=rng.choice(["available", "available", "limited"]),
        ),
    )
    if complete:
        for _ in range(rng.randint(1, 3)):
            thing = rng.choice(cat["things"])
            profiles.add_portfolio_item(
                session,
                settings,
                user,
                title=f"{thing.capitalize()} for a client",
                description=f"Delivered a {thing} end to end: {rng.choice(cat['details'])}",
                url=None,
            )
        if rng.random() < 0.85:
            profiles.set_profile_photo(session, settings, user, _avatar(rng, name))
    demo.freelancers.append(user)


def _buy_connects(session: Session, demo: Demo, freelancer: User) -> None:
    """A freelancer who runs out buys a bundle with the test card, as a real one would."""
    bundle = demo.rng.choice(demo.settings.connects_bundle_sizes[2:])
    card = make_card("4242424242424242", 12, demo.now.year + 2, "123")
    purchase_connects(session, demo.settings, get_provider(), freelancer, bundle, card)
    demo.bump("connects purchases")


def _job_draft(rng: random.Random, category: str) -> JobDraft:
    cat = content.CATEGORY_CONTENT[category]
    skill_names = list(catalog.CATEGORIES[category][1])
    skills = rng.sample(skill_names, k=rng.randint(1, min(5, len(skill_names))))
    thing = rng.choice(cat["things"])
    title = rng.choice(cat["jobs"]).format(thing=thing, skill=skills[0])
    title = title[0].upper() + title[1:]
    n = rng.choice([200, 500, 1_000, 3_000, 10_000])
    paragraphs = [rng.choice(cat["openings"]).format(thing=thing, n=f"{n:,}", skill=skills[0])]
    paragraphs.append(" ".join(d.format(skill=skills[0]) for d in rng.sample(cat["details"], k=3)))
    paragraphs.append("Skills we're looking for: " + ", ".join(skills) + ".")
    hourly = rng.random() < 0.35
    level = rng.choice(["entry", "intermediate", "intermediate", "expert"])
    duration = rng.choice(["lt1m", "1to3m", "1to3m", "3to6m", "gt6m"])
    if hourly:
        low = rng.choice([15, 20, 25, 30, 40, 50])
        return JobDraft(
            title=title,
            description="\n\n".join(paragraphs),
            category=category,
            skills=tuple(catalog.slugify(s) for s in skills),
            budget_type="hourly",
            duration=duration,
            experience_level=level,
            hourly_min_cents=low * 100,
            hourly_max_cents=(low + rng.choice([10, 20, 35])) * 100,
        )
    budget = rng.choice([40, 75, 150, 300, 500, 800, 1_200, 2_500, 4_000, 7_500])
    return JobDraft(
        title=title,
        description="\n\n".join(paragraphs),
        category=category,
        skills=tuple(catalog.slugify(s) for s in skills),
        budget_type="fixed",
        duration=duration,
        experience_level=level,
        budget_cents=budget * 100,
    )


def _job(session: Session, demo: Demo, i: int) -> None:
    rng, settings = demo.rng, demo.settings
    client = demo.clients[0] if i < 6 else rng.choice(demo.clients)
    category = rng.choice(list(catalog.CATEGORIES))
    posted = demo.now - timedelta(days=rng.uniform(0.1, 40) if i >= 6 else rng.uniform(0.5, 6))
    posted = max(posted, client.created_at + timedelta(days=1))
    demo.at(posted)
    job = jobs.post_job(session, settings, client, _job_draft(rng, category))
    demo.bump("jobs")
    # Freelancers of the job's category apply, a few from elsewhere too.
    pool = [
        f
        for f in demo.freelancers
        if demo.freelancer_category[f.id] == category and f.phone_verified_at is not None
    ]
    others = [f for f in demo.freelancers if f.phone_verified_at is not None]
    applicants = rng.sample(pool, k=min(len(pool), rng.randint(0, 12)))
    applicants += rng.sample(others, k=rng.randint(0, 2))
    if i < 6:  # the demo client's own jobs get a full list to review
        applicants = rng.sample(pool, k=min(len(pool), 10)) + applicants
    when = posted
    submitted = []
    featured = None  # the printed demo freelancer's proposal: hired more often
    for freelancer in dict.fromkeys(applicants):
        when = when + timedelta(minutes=rng.randint(5, 600))
        if when >= demo.now:
            break
        demo.at(when)
        if freelancer.id == demo.freelancers[0].id and rng.random() < 0.5:
            continue
        letter = " ".join(
            [
                rng.choice(content.COVER_LETTER_OPENINGS),
                rng.choice(content.COVER_LETTER_BODIES),
                rng.choice(content.COVER_LETTER_CLOSINGS),
            ]
        )
        bid = (job.budget_cents or job.hourly_max_cents or 5_000) * rng.randint(70, 110) // 100
        boost = rng.choice([0, 0, 0, 0, 1, 2, 4, 6]) if when < posted + timedelta(days=7) else 0
        if connects_balance(session, freelancer.id) < job.connects_cost + boost:
            if rng.random() < 0.3:
                continue  # some wait for next month's grant instead
            _buy_connects(session, demo, freelancer)
        try:
            result = proposals.submit_proposal(
                session, settings, freelancer, job.id, letter, max(bid, 500), boost_connects=boost
            )
        except Conflict:  # a boost too small to reach the top 4: send it without one
            result = proposals.submit_proposal(
                session, settings, freelancer, job.id, letter, max(bid, 500)
            )
        submitted.append(result.proposal.id)
        if freelancer.id == demo.freelancers[0].id:
            featured = result.proposal.id
        demo.bump("proposals")
    # The client reads some proposals, shortlists and declines a few.
    shortlisted: list[tuple[int, datetime]] = []
    for proposal_id in submitted:
        roll = rng.random() * (0.3 if proposal_id == featured else 1)
        if roll < 0.55 and when < demo.now:
            seen = min(demo.now, when + timedelta(hours=rng.randint(1, 48)))
            demo.at(seen)
            proposals.view_proposal(session, client, proposal_id, settings)
            if roll < 0.15:
                proposals.shortlist(session, client, proposal_id, settings)
                shortlisted.append((proposal_id, seen))
            elif roll < 0.3:
                proposals.decline(session, settings, client, proposal_id)
    if shortlisted and (i < 3 or rng.random() < 0.45):
        chosen = next((s for s in shortlisted if s[0] == featured), shortlisted[0])
        demo_contracts.hire(session, demo, client, job, *chosen)
    elif i >= 6 and rng.random() < 0.06 and not job.first_hire_at:
        demo.at(min(demo.now, posted + timedelta(days=rng.uniform(1, 5))))
        jobs.cancel_job(session, settings, client, job.id)
        demo.bump("cancelled")


def _print_logins(
    database: Database, demo: Demo, console: Console, roles: demo_reputation.Roles
) -> None:
    table = Table(title=f"Demo logins (password for all: {DEMO_PASSWORD})")
    table.add_column("who")
    table.add_column("email")
    table.add_row(
        "Top Rated freelancer: JSS, 18 months of earnings and feedback in My Stats",
        "freelancer@example.com",
    )
    for label, email in demo_reputation.showcase(database, demo, roles):
        table.add_row(label, email)
    table.add_row("Client with open jobs and proposals", "client@example.com")
    table.add_row("Another freelancer / client", "freelancer1@example.com / client1@example.com")
    table.add_row("Staff: admin (asks to set up a second factor)", "admin@example.com")
    for label, email in demo_trust.showcase(database, demo):
        table.add_row(label, email)
    console.print(table)
    summary = ", ".join(f"{v} {k}" for k, v in sorted(demo.counts.items()))
    console.print(f"{len(demo.freelancers)} freelancers, {len(demo.clients)} clients; {summary}")
