"""Trust & safety and Top Rated benefits in the demo (trust.md §1–§3, reputation.md §2.5), made
through the features' own services so every staff screen has something real to show.

Two steps, because some of it must exist before the badge evaluation and some needs its result:

``build_history`` — inside the demo's unit of work, before the track records and the badge
back-fill:

- the demo freelancer's identity submission, approved by trust & safety (the Top Rated
  programme needs a verified identity) at the moment the track record assumes;
- three clients whose freelancers privately rate them poorly ("work again" ≤ 4 on most of
  their five ended contracts, trust.md §1.1 ``poor_received``). The conduct evaluation
  (``conduct.evaluation.evaluate_clients``) opens their cases at three past evaluation
  instants, each the first at which that client is flagged: one long overdue, one later
  contacted by an agent, one recent. The clients' public scores stay good, so the freelancers'
  Job Success Scores do not suffer.

``after_evaluation`` — its own unit of work once the back-fill has stored who is Top Rated:

- identity submissions in review and one rejected with a reason; the files of decisions past
  the retention period deleted as the worker would;
- a freelancer on hold now and one whose hold was lifted months ago (staff standing service);
- support tickets: a Top Rated freelancer's (priority queue), an overdue standard one, an
  answered one;
- the community's default categories and guides, threads with replies by Top Rated
  freelancers, and an upcoming workshop with registrations.

Each section imports its feature lazily and is skipped when the feature is not installed.
Times come from the demo's clock; choices from a generator seeded from the demo's (see
``_own_rng``), so the rest of the demo is the same with or without these sections.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core import clock
from workhall.core.db import Database

if TYPE_CHECKING:
    from workhall.demo.generator import Demo

SUPPORT_EMAIL = "support@example.com"
TRUST_EMAIL = "trustsafety@example.com"
CONDUCT_CONTRACTS = 5  # trust.md §1.2: a client is flagged from 5 ended contracts
# Which of a flagged client's contracts the freelancer rates poorly: 3 of 5, from 3+ freelancers.
POOR_PATTERN = (True, False, True, True, False)
CONTACT_MESSAGE = (
    "Hello, several freelancers who finished contracts with you in the past year told us they "
    "would not work with you again, mostly about scope that grew after the contract started "
    "and milestones approved late. We would like to help: agree the scope in the offer, add "
    "a milestone when the work grows, and review submitted work within the review period. "
    "We will look at your next contracts with this in mind."
)


@contextmanager
def _own_rng(demo: Demo, label: str) -> Iterator[None]:
    """A generator of its own for these sections, seeded from the demo's without advancing it:
    the rest of the demo picks the same people and numbers whether or not this module runs."""
    shared = demo.rng
    demo.rng = random.Random(f"{label}:{shared.getstate()[1][:8]}")
    try:
        yield
    finally:
        demo.rng = shared


def _staff(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email))


def _image(rng: random.Random, kind: str, name: str) -> bytes:
    """A small picture: an ID card (JPEG) or a head-and-shoulders selfie (PNG)."""
    from PIL import Image, ImageDraw

    if kind == "document":
        img = Image.new("RGB", (640, 400), (226, 235, 243))
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 0, 640, 64), fill=(31, 111, 235))
        draw.text((24, 22), "IDENTITY CARD", fill="white")
        draw.rectangle((32, 96, 212, 336), fill=(190, 200, 210), outline=(90, 90, 90))
        draw.ellipse((82, 130, 162, 210), fill=(150, 120, 100))
        draw.rectangle((72, 220, 172, 336), fill=(60, 80, 120))
        draw.text((240, 110), f"Name: {name}", fill=(20, 20, 20))
        draw.text((240, 150), f"No: {rng.randint(10_000_000, 99_999_999)}", fill=(20, 20, 20))
        draw.text((240, 190), f"Born: 19{rng.randint(70, 99)}", fill=(20, 20, 20))
        for y in range(260, 340, 14):
            draw.line((240, y, 600, y), fill=(160, 170, 180), width=3)
        out = io.BytesIO()
        img.save(out, "JPEG", quality=85)
        return out.getvalue()
    img = Image.new("RGB", (360, 480), rng.choice([(205, 220, 230), (230, 220, 205)]))
    draw = ImageDraw.Draw(img)
    skin = rng.choice([(236, 200, 170), (200, 150, 110), (140, 100, 70), (95, 65, 45)])
    draw.ellipse((110, 90, 250, 260), fill=skin)
    draw.rectangle((70, 300, 290, 480), fill=rng.choice([(40, 60, 110), (120, 40, 40)]))
    draw.ellipse((150, 150, 165, 165), fill=(30, 30, 30))
    draw.ellipse((195, 150, 210, 165), fill=(30, 30, 30))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _submit_identity(
    session: Session, demo: Demo, user: User, document_type: str = "national_id"
) -> int | None:
    """The submission's id while it waits for a reviewer; None when an automated provider
    (``identity_provider`` setting) already decided it."""
    from workhall.identity import service as identity
    from workhall.identity.countries import ISSUING_COUNTRIES
    from workhall.identity.files import Upload

    country = user.country if user.country in ISSUING_COUNTRIES else "US"
    submission = identity.submit(
        session,
        demo.settings,
        user,
        document_type=document_type,
        issuing_country=country,
        document=Upload(_image(demo.rng, "document", user.name), "id-card.jpg", "image/jpeg"),
        selfie=Upload(_image(demo.rng, "selfie", user.name), "selfie.png", "image/png"),
    )
    return submission.id if submission.status == "pending" else None


# --- before the badge evaluation -------------------------------------------------------------


def build_history(session: Session, demo: Demo) -> None:
    """Called in the demo's unit of work, after its freelancers, clients and contracts."""
    with _own_rng(demo, "trust-history"):
        _verify_demo_freelancer(session, demo)
        _conduct_cases(session, demo)
    demo.at(demo.now)


def _verify_demo_freelancer(session: Session, demo: Demo) -> None:
    """freelancer@example.com sends an ID and trust & safety approves it (trust.md §2.2).

    The track record (demo/reputation.py) treats the identity as verified two days after the
    account's (possibly back-dated) creation; the approval happens at that same moment."""
    try:
        from workhall.identity import service as identity
    except ImportError:  # identity verification is not installed
        return
    reviewer = _staff(session, TRUST_EMAIL)
    if reviewer is None or not demo.freelancers:
        return
    user = demo.freelancers[0]
    if user.identity_verified_at is not None:
        return
    created = user.created_at
    try:
        from workhall.demo.reputation import HISTORY_DAYS

        created = min(created, demo.now - timedelta(days=HISTORY_DAYS + 30))
    except ImportError:  # no track records: verified two days after signing up
        pass
    demo.at(created + timedelta(days=1, hours=20))
    submission_id = _submit_identity(session, demo, user, "passport")
    if submission_id is None:
        return
    demo.at(created + timedelta(days=2))
    identity.decide(
        session, demo.settings, submission_id, approve=True, reason=None, reviewer=reviewer
    )
    demo.bump("identity approved")


def _conduct_contract(
    session: Session, demo: Demo, client: User, freelancer: User, start: datetime, poor: bool
) -> None:
    """A fixed-price contract from offer to both sides' feedback: the client is pleased, the
    freelancer (privately) is not when ``poor``."""
    from workhall.demo.contracts import delivered_fixed_contract
    from workhall.feedback.models import CLIENT_CRITERIA, FREELANCER_CRITERIA
    from workhall.feedback.service import FeedbackDraft, leave_feedback

    rng, settings = demo.rng, demo.settings
    title = rng.choice(("Website redesign", "Product launch video", "Sales dashboard",
                        "Onboarding emails", "Shop migration", "Pitch deck"))  # fmt: skip
    contract, done = delivered_fixed_contract(
        session,
        demo,
        client,
        freelancer,
        start,
        title=title,
        description="Scope as discussed in our messages.",
        amount=rng.randint(4, 15) * 10_000,
        accepted_after=timedelta(hours=5),
        submitted_days=(6, 9),
        done_days=(12, 14),
    )
    demo.at(done + timedelta(hours=20))
    leave_feedback(
        session,
        settings,
        client,
        contract.id,
        FeedbackDraft(
            scores={c: rng.choice([5, 5, 4]) for c in CLIENT_CRITERIA},
            comment="Good work, delivered what we asked for.",
            likelihood=rng.choice([8, 9, 10]),
            ending_reason="completed",
        ),
    )
    demo.at(done + timedelta(days=1, hours=rng.randint(2, 20)))
    leave_feedback(
        session,
        settings,
        freelancer,
        contract.id,
        FeedbackDraft(
            scores={c: (rng.choice([2, 3]) if poor else 4) for c in FREELANCER_CRITERIA},
            comment=(
                "The scope kept growing after we agreed it, and the approval came late."
                if poor
                else "Fine to work with overall."
            ),
            likelihood=rng.randint(1, 4) if poor else rng.randint(7, 8),
        ),
    )
    demo.bump("conduct contracts")


def _conduct_cases(session: Session, demo: Demo) -> None:
    """Three flagged clients, each first flagged at a different past evaluation instant."""
    try:
        from workhall.conduct import evaluation
        from workhall.conduct import service as conduct
        from workhall.conduct.models import ConductCase
        from workhall.reputation.rules import evaluation_instants
    except ImportError:  # the client conduct program is not installed
        return
    rng = demo.rng
    # Q < P < L: the last three instants; a client flagged at X has its fifth contract end just
    # after the instant before X, so X is the first instant that flags it.
    instants = evaluation_instants(demo.now - timedelta(days=60), demo.now)[-3:]
    previous = [instants[0] - timedelta(days=15), *instants[:-1]]
    gap = timedelta(days=40)  # between one client's contracts
    first_start = previous[0] - gap * (CONDUCT_CONTRACTS - 1) - timedelta(days=10)
    joined_before = first_start - timedelta(days=7)  # everyone involved had an account then
    with_cards = [
        c
        for c in demo.clients[1:]
        if c.client_profile is not None
        and c.client_profile.payment_method_token
        and c.created_at < joined_before
    ]
    # The first clients with a card become the track records' large clients: use later ones.
    chosen = with_cards[3 if len(with_cards) >= 6 else 1 :][-3:]
    pool = [
        f
        for f in demo.freelancers[1:]
        if f.phone_verified_at is not None and f.created_at < joined_before
    ]
    if len(pool) < 3 or not chosen:
        return
    instants = instants[-len(chosen) :]
    previous = previous[-len(chosen) :]
    cases: list[int] = []
    for client, instant, before in zip(chosen, instants, previous, strict=True):
        freelancers = rng.sample(pool, k=min(len(pool), 4))
        starts = [
            before - gap * (CONDUCT_CONTRACTS - 1 - i) - timedelta(days=10)
            for i in range(CONDUCT_CONTRACTS)
        ]
        for i, (start, poor) in enumerate(zip(starts, POOR_PATTERN, strict=True)):
            _conduct_contract(session, demo, client, freelancers[i % len(freelancers)], start, poor)
        demo.at(instant)
        evaluation.evaluate_clients(session, demo.settings, instant)
        case = session.scalar(
            select(ConductCase).where(
                ConductCase.client_id == client.id, ConductCase.status == "open"
            )
        )
        if case is not None:
            cases.append(case.id)
            demo.bump("conduct cases")
    agent = _staff(session, TRUST_EMAIL)
    if len(cases) >= 2 and agent is not None:
        # The middle one: an agent wrote to the client two days ago.
        demo.at(demo.now - timedelta(days=2))
        conduct.contact(session, demo.settings, agent, cases[1], CONTACT_MESSAGE)


# --- after the badge evaluation --------------------------------------------------------------


def after_evaluation(database: Database, demo: Demo) -> None:
    """Called once the badge evaluations are stored (Top Rated decides priority support and
    community membership). One unit of work."""
    try:
        with _own_rng(demo, "trust-now"), database.unit_of_work() as session:
            members = _top_rated(session, demo)
            regular = [
                f
                for f in demo.freelancers[2:]
                if f.identity_verified_at is None and f.status == "active"
            ]
            demo.rng.shuffle(regular)
            for section in (_identity, _holds, _support, _community):
                section(session, demo, members, regular)
    finally:
        clock.set_now(None)


def _latest_instant(demo: Demo) -> datetime:
    from workhall.reputation.rules import evaluation_instants

    return evaluation_instants(demo.now - timedelta(days=17), demo.now)[-1]


def _since_latest(demo: Demo, fraction: float) -> datetime:
    """A moment between the latest evaluation instant and now: standings hold there."""
    latest = _latest_instant(demo)
    return latest + (demo.now - latest) * fraction


def _top_rated(session: Session, demo: Demo) -> list[User]:
    """Top Rated (and Plus) freelancers at the latest evaluation, the demo freelancer first."""
    try:
        from workhall.reputation.queries import standings
    except ImportError:  # no reputation: nobody is Top Rated
        return []
    found = standings(session, [f.id for f in demo.freelancers], _latest_instant(demo))
    return [f for f in demo.freelancers if found[f.id].top_rated]


def _identity(session: Session, demo: Demo, members: list[User], regular: list[User]) -> None:
    """Three submissions waiting for review, one rejected with a reason."""
    try:
        from workhall.identity import service as identity
    except ImportError:  # identity verification is not installed
        return
    reviewer = _staff(session, TRUST_EMAIL)
    if reviewer is None:
        return
    people = regular[:4]
    for user, hours in zip(people[1:], (5, 27, 75), strict=False):
        demo.at(demo.now - timedelta(hours=hours))
        _submit_identity(session, demo, user, demo.rng.choice(("passport", "national_id")))
        demo.bump("identity pending")
    submission_id = None
    if people:
        demo.at(demo.now - timedelta(days=10))
        submission_id = _submit_identity(session, demo, people[0], "driving_licence")
    if submission_id is not None:
        demo.at(demo.now - timedelta(days=9, hours=3))
        identity.decide(
            session,
            demo.settings,
            submission_id,
            approve=False,
            reason=(
                "The photo of the licence is too blurred to read the name and the expiry date. "
                "Please send a sharper photo of the whole document, taken in good light."
            ),
            reviewer=reviewer,
        )
        demo.bump("identity rejected")
    # The documents of decisions older than the retention period are deleted, as the worker does.
    demo.at(demo.now)
    identity.delete_due_documents(session, demo.settings)


def _holds(session: Session, demo: Demo, members: list[User], regular: list[User]) -> None:
    """One freelancer on hold now; another's hold was lifted months ago."""
    try:
        from workhall.staff import standing
    except ImportError:  # the staff console is not installed
        return
    agent = _staff(session, TRUST_EMAIL)
    people = regular[4:6]
    if agent is None or len(people) < 2:
        return
    past, current = people
    demo.at(demo.now - timedelta(days=120))
    hold = standing.place_hold(
        session,
        demo.settings,
        agent,
        past.id,
        "Payment details under review after a chargeback on a connected card.",
    )
    demo.at(demo.now - timedelta(days=113))
    standing.lift_hold(
        session,
        demo.settings,
        agent,
        hold.id,
        "The card issuer confirmed the payment; nothing was wrong with the account.",
    )
    demo.at(demo.now - timedelta(days=1, hours=4))
    standing.place_hold(
        session,
        demo.settings,
        agent,
        current.id,
        "Two clients reported requests to be paid outside Workhall; on hold while we review "
        "the messages.",
    )
    demo.bump("holds", 2)


def _support(session: Session, demo: Demo, members: list[User], regular: list[User]) -> None:
    """A priority ticket from a Top Rated freelancer, an overdue standard one, an answered one."""
    try:
        from workhall.support import service as support
    except ImportError:  # support tickets are not installed
        return
    agent = _staff(session, SUPPORT_EMAIL)
    settings = demo.settings
    if members:
        demo.at(max(_since_latest(demo, 0.9), demo.now - timedelta(hours=2)))
        support.open_ticket(
            session,
            settings,
            members[0],
            "A withdrawal shows as pending for three days",
            "payments",
            "I withdrew my available balance to my bank account on Monday and it still shows "
            "as pending. Is something missing on my side?",
        )
        demo.bump("support tickets")
    client = next((c for c in demo.clients[1:] if c.status == "active"), None)
    if client is not None:
        demo.at(demo.now - timedelta(hours=31))
        support.open_ticket(
            session,
            settings,
            client,
            "My card is declined when I fund a milestone",
            "payments",
            "Funding the second milestone of my contract fails with 'card declined', but the "
            "bank says the card works. What should I try?",
        )
        demo.bump("support tickets")
    if regular and agent is not None:
        asker = regular[-1]
        demo.at(demo.now - timedelta(days=3))
        ticket = support.open_ticket(
            session,
            settings,
            asker,
            "How do I change the email address of my account?",
            "account",
            "I am moving to a new email provider. Can I change the address I sign in with?",
        )
        demo.at(demo.now - timedelta(days=2, hours=20))
        support.post_reply(
            session,
            settings,
            agent,
            ticket.id,
            "Yes: open Settings, then Account, and enter the new address. We send a link to "
            "it; the change takes effect when you open the link.",
        )
        demo.bump("support tickets")


def _community(session: Session, demo: Demo, members: list[User], regular: list[User]) -> None:
    """The default categories and guides, two threads with replies, an upcoming workshop."""
    try:
        from workhall.community import service as community
        from workhall.community import workshops
        from workhall.community.models import ForumCategory
        from workhall.community.seed import seed_default_content
    except ImportError:  # the community is not installed
        return
    demo.at(demo.now - timedelta(days=60))
    seed_default_content(session)
    session.flush()
    editor = _staff(session, SUPPORT_EMAIL)
    by_slug = {c.slug: c for c in session.scalars(select(ForumCategory))}
    if members and by_slug:
        second = members[1] if len(members) > 1 else (editor or members[0])
        threads = (
            (
                "winning-work",
                members[0],
                "How do you decide which invitations to accept?",
                "Since the badge I get more invitations than I can answer. I now look at the "
                "client's hire rate and whether the scope is written down. What do you check?",
                [
                    (second, "Payment method verified and a reply within a day to my first "
                     "question. If they cannot answer one question, the project will be hard."),
                    (members[0], "Good point about the first question, I will try that."),
                ],
            ),
            (
                "running-your-business",
                second,
                "Raising rates after earning Top Rated",
                "I raised my rate by 15% for new clients last month and kept my long-term "
                "clients where they were. Did anyone raise existing clients too?",
                [
                    (members[0], "I gave my two regular clients a month's notice and both "
                     "stayed. Tie it to the value, not to the badge."),
                ],
            ),
        )  # fmt: skip
        for n, (slug, author, title, body, replies) in enumerate(threads):
            category = by_slug.get(slug) or next(iter(by_slug.values()))
            demo.at(_since_latest(demo, 0.1 + 0.3 * n))
            thread = community.start_thread(session, author, category.id, title, body)
            for k, (who, text) in enumerate(replies, 1):
                demo.at(_since_latest(demo, 0.1 + 0.3 * n + 0.08 * k))
                community.reply(session, who, thread.id, text)
            demo.bump("forum threads")
    if editor is not None:
        demo.at(_since_latest(demo, 0.05))
        start = (demo.now + timedelta(days=9)).replace(hour=16, minute=0, second=0, microsecond=0)
        workshop = workshops.create_workshop(
            session,
            editor,
            workshops.WorkshopDraft(
                title="Pricing fixed-price projects without underestimating them",
                description="A live session with the support team and two Top Rated "
                "freelancers: how to split a project into milestones, what to write out of "
                "scope, and how to raise your rate. Questions welcome.",
                starts_at=start.astimezone(UTC),
                duration_minutes=60,
                capacity=30,
                online_link="https://meet.example.com/workhall-pricing-workshop",
            ),
        )
        demo.bump("workshops")
        for k, member in enumerate(members[:3]):
            demo.at(_since_latest(demo, 0.5 + 0.1 * k))
            workshops.register(session, member, workshop.id)
            demo.bump("workshop registrations")
    demo.at(demo.now)


# --- the printed logins ------------------------------------------------------------------------


def showcase(database: Database, demo: Demo) -> list[tuple[str, str]]:
    """(what it shows, email) rows for the printed list of logins."""
    rows = [
        ("Staff: support (tickets, community, workshops, guides)", SUPPORT_EMAIL),
        ("Staff: trust & safety (conduct cases, identity reviews, holds)", TRUST_EMAIL),
    ]
    try:
        from workhall.conduct.models import ConductCase
    except ImportError:  # pragma: no cover - the conduct program is part of the product
        return rows
    with database.unit_of_work(write=False) as session:
        email = session.scalar(
            select(User.email)
            .join(ConductCase, ConductCase.client_id == User.id)
            .where(ConductCase.status == "contacted")
            .order_by(ConductCase.id)
            .limit(1)
        )
    if email:
        rows.append(("Client contacted by trust & safety (account standing)", email))
    return rows
