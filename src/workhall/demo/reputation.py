"""Track records for the demo (reputation.md §2–§3): a few freelancers with ~18 months of
contracts, payments and feedback made through the real services with the clock moved back,
so the badge evaluation, back-filled up to now, shows every standing:

- ``freelancer@example.com`` and a handful of others: Top Rated (steady good work);
- a few with one client paying them over $5,000 a year: Top Rated Plus;
- a few Top Rated whose profile photo went missing just before the latest evaluation: at risk;
- new, verified freelancers who passed the readiness test and have no JSS yet: Rising Talent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from workhall.accounts import profiles
from workhall.accounts.models import FreelancerProfile, User
from workhall.conduct.models import ClientStatusChange, ConductCase
from workhall.contracts.models import Contract
from workhall.core.db import Database
from workhall.core.settings import Settings
from workhall.demo.contracts import delivered_fixed_contract
from workhall.feedback.models import CLIENT_CRITERIA
from workhall.feedback.service import FeedbackDraft, leave_feedback
from workhall.reputation import engine, rules
from workhall.reputation.models import ReadinessAttempt

if TYPE_CHECKING:
    from workhall.demo.generator import Demo

HISTORY_DAYS = 540  # ~18 months of work before now


@dataclass(frozen=True)
class Roles:
    top_rated: list[User]
    plus: list[User]
    at_risk: list[User]
    rising: list[User]


def _clients_with_cards(demo: Demo) -> list[User]:
    """Active clients with a card, never restricted or banned (their contracts would not
    count, reputation.md §1.3), nor flagged by the conduct program: their cases were opened
    before the track records exist, so a track record's contract would make the case's
    "contracts considered" differ from the signals stored at the flag."""
    session = object_session(demo.clients[0]) if demo.clients else None
    flagged = (
        set(session.scalars(select(ClientStatusChange.client_id)))
        | set(session.scalars(select(ConductCase.client_id)))
        if session is not None
        else set()
    )
    return [
        c
        for c in demo.clients
        if c.status == "active"
        and c.id not in flagged
        and c.client_profile is not None
        and c.client_profile.payment_method_token
    ]


def _ensure_photo(session: Session, demo: Demo, user: User) -> None:
    """A profile photo, uploaded (and the completeness recorded) soon after the demo's own
    profile edits, so the recorded history stays in time order."""
    from workhall.demo.generator import _avatar

    profile = session.get(FreelancerProfile, user.id)
    if profile is not None and not profile.photo_path:
        demo.at(user.created_at + timedelta(hours=3))
        profiles.set_profile_photo(session, demo.settings, user, _avatar(demo.rng, user.name))


def _contract(
    session: Session,
    demo: Demo,
    client: User,
    freelancer: User,
    start: datetime,
    amount: int,
    *,
    neutral: bool = False,
) -> None:
    """One fixed-price contract from offer to the client's review, through the services;
    ``neutral``: a 4-star review and a private 8 (a neutral outcome, reputation.md §1.2)."""
    rng, settings = demo.rng, demo.settings
    title = rng.choice(("Landing page refresh", "Data pipeline fixes", "Brand guidelines",
                        "Mobile app release", "SEO audit", "Monthly reporting"))  # fmt: skip
    contract, done = delivered_fixed_contract(
        session,
        demo,
        client,
        freelancer,
        start,
        title=title,
        description="Continuing our work together.",
        amount=amount,
        accepted_after=timedelta(hours=6),
        submitted_days=(5, 15),
        done_days=(16, 20),
    )
    demo.at(done + timedelta(days=1))
    leave_feedback(
        session,
        settings,
        client,
        contract.id,
        FeedbackDraft(
            scores={c: (4 if neutral else rng.choice([5, 5, 5, 4])) for c in CLIENT_CRITERIA},
            comment="Good work, a few rounds of changes." if neutral else "Excellent work.",
            likelihood=8 if neutral else rng.choice([9, 10]),
            ending_reason="completed",
        ),
    )
    demo.bump("track-record contracts")


def _track_record(
    session: Session,
    demo: Demo,
    freelancer: User,
    *,
    big_client: User | None = None,
    neutral_recently: bool = False,
) -> None:
    """Contracts every 4–7 weeks over HISTORY_DAYS with several clients (and, for Plus, one
    client paying over $5,000 a year), the last one ending a few weeks before now; with
    ``neutral_recently`` one of the last three months is neutral, so the windows differ."""
    rng = demo.rng
    clients = _clients_with_cards(demo)
    _ensure_photo(session, demo, freelancer)
    if freelancer.created_at > demo.now - timedelta(days=HISTORY_DAYS + 30):
        freelancer.created_at = demo.now - timedelta(days=HISTORY_DAYS + 30)
    freelancer.identity_verified_at = freelancer.created_at + timedelta(days=2)
    start = demo.now - timedelta(days=HISTORY_DAYS)
    while start < demo.now - timedelta(days=30):
        neutral = neutral_recently and demo.now - timedelta(days=80) < start
        neutral_recently = neutral_recently and not neutral
        if big_client is not None and rng.random() < 0.5:
            amount = rng.randint(22, 40) * 10_000
            _contract(session, demo, big_client, freelancer, start, amount, neutral=neutral)
        else:
            client = rng.choice(clients)
            amount = rng.randint(3, 15) * 10_000
            _contract(session, demo, client, freelancer, start, amount, neutral=neutral)
        start += timedelta(days=rng.randint(28, 50))


def build_track_records(session: Session, demo: Demo) -> Roles:
    """Called inside the demo's unit of work, after the freelancers and clients exist."""
    rng = demo.rng
    complete = [f for f in demo.freelancers if f.phone_verified_at is not None]
    login, others = complete[0], complete[1:]
    rng.shuffle(others)
    # Track records go to freelancers the rest of the demo did not hire (their own reviews
    # are random), so each shows the standing it is meant to.
    hired = set(session.scalars(select(Contract.freelancer_id)))
    others.sort(key=lambda f: f.id in hired)
    k = 1 if len(others) < 40 else 3  # a small demo (tests) gets fewer track records
    big_clients = _clients_with_cards(demo)[:k]
    roles = Roles(
        top_rated=[login, *others[: 2 * k - 1]],
        plus=others[2 * k - 1 : 3 * k - 1],
        at_risk=others[3 * k - 1 : 4 * k - 2 + (k == 1)],
        rising=[],
    )
    _track_record(session, demo, login, neutral_recently=True)
    for f in roles.top_rated[1:] + roles.at_risk:
        _track_record(session, demo, f)
    for f, big in zip(roles.plus, big_clients, strict=False):
        _track_record(session, demo, f, big_client=big)
    # At risk: the photo goes missing after the previous evaluation (completeness < 100%).
    instants = rules.evaluation_instants(demo.now - timedelta(days=40), demo.now)
    for f in roles.at_risk:
        demo.at(instants[-1] - timedelta(days=3))
        profiles.remove_profile_photo(session, demo.settings, f)
    # Rising Talent: recent complete profiles, verified, readiness test passed.
    recent = [f for f in others[10:] if f.created_at > demo.now - timedelta(days=200)]
    for f in recent[:8]:
        _ensure_photo(session, demo, f)
        f.identity_verified_at = f.created_at + timedelta(days=1)
        session.add(
            ReadinessAttempt(
                user_id=f.id,
                at=f.created_at + timedelta(days=1, hours=2),
                score=9,
                passed=True,
                answers={},
            )
        )
        roles.rising.append(f)
    demo.at(demo.now)
    return roles


def evaluate(database: Database, settings: Settings, demo: Demo, console: Console) -> None:
    """Back-fill every evaluation instant up to now (after the demo's data is committed)."""
    from rich.progress import Progress

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Badge evaluations", total=None)
        engine.backfill(
            database,
            settings,
            demo.now,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )


def showcase(database: Database, demo: Demo, roles: Roles) -> list[tuple[str, str]]:
    """(what it shows, email) of one freelancer per standing, read from the evaluations."""
    from workhall.reputation.queries import standings

    wanted = (
        ("Top Rated Plus freelancer (a large client relationship)", roles.plus,
         lambda s: s.level == "top_rated_plus" and not s.at_risk),
        ("Top Rated at risk (profile no longer complete)", roles.at_risk, lambda s: s.at_risk),
        ("Rising Talent freelancer (new, verified, no JSS yet)", roles.rising,
         lambda s: s.rising_talent == "treatment"),
    )  # fmt: skip
    ids = [f.id for f in demo.freelancers]
    with database.unit_of_work(write=False) as session:
        found = standings(session, ids, demo.now)
    by_id = {f.id: f for f in demo.freelancers}
    out: list[tuple[str, str]] = []
    for label, preferred, test in wanted:
        order = [f.id for f in preferred] + ids
        match = next((uid for uid in order if test(found[uid])), None)
        if match is not None:
            out.append((label, by_id[match].email))
    return out
