# ruff: noqa: E501  (the guides are prose, one paragraph per line)
"""Default content of the Top Rated area: the forum categories and the first guides of the
resources library. ``seed_default_content`` is idempotent (it adds only what is missing, by
slug) and never commits. The demo calls it; on an installation without it, support staff
create categories on ``/staff/community`` and guides on ``/staff/resources``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workhall.community.models import ForumCategory, Guide
from workhall.core.clock import utcnow

CATEGORIES = [
    ("introductions", "Introductions", "Say hello: who you are, what you build, where you are."),
    ("winning-work", "Winning work", "Proposals, interviews, pricing and choosing the right jobs."),
    (
        "client-relationships",
        "Client relationships",
        "Scoping, feedback, long-term clients and hard conversations.",
    ),
    ("running-your-business", "Running your business", "Rates, taxes, time management and tools."),
    (
        "feedback-for-workhall",
        "Feedback for Workhall",
        "Tell the Workhall team what to build or fix next.",
    ),
]

GUIDES = [
    (
        "writing-proposals-that-get-answers",
        "Writing proposals that get answers",
        "What clients read first, how long to write, and the three questions every proposal should answer.",
        """Most clients decide within the first two lines of a proposal whether to read the rest. Those lines appear in the proposal list next to your name, your Job Success Score and your badge — make them count.

## Start with their problem, not your biography
Open with one sentence that shows you read the job: name the outcome they want and the constraint that makes it hard. *"You need the booking flow live before the spring season, and the current plugin breaks on mobile"* beats *"I am a senior developer with ten years of experience."*

## Answer three questions
1. **Have you done this before?** Point to one piece of similar work and what it achieved.
2. **How would you approach it?** Two or three concrete steps, including the first thing you would check.
3. **What do you need from them?** Access, assets, a decision — clients like freelancers who plan.

## Keep it short
- 120 to 250 words is enough for most jobs.
- Use short paragraphs; many clients read on a phone.
- Ask one good question about the job. It invites a reply and starts the conversation.

## Price with a reason
If your bid is above the budget, say why in one sentence (scope, speed, a risk you remove). If it is below, say what is not included so the client compares like with like.

## Spend Connects where you can win
Filter for jobs that match your strongest skills and a client with a payment method verified and a good hire rate. A few proposals written for the job win more than many written for any job.""",
    ),
    (
        "pricing-your-work",
        "Pricing your work with confidence",
        "Hourly or fixed price, how to raise your rate, and how to quote a project without underestimating it.",
        """Your rate tells clients what to expect before they read a word. Top Rated freelancers are in a strong position to charge for the certainty they bring.

## Hourly or fixed price?
- **Hourly** suits open-ended work, ongoing support and projects whose scope will change. Your time is protected by the weekly limit and the timesheet.
- **Fixed price** suits work with a clear deliverable. Split it into milestones so the client funds escrow step by step and you are paid as you go.

## Quote a fixed-price project
1. List every deliverable and every meeting.
2. Estimate each in hours, then add 20–30% for reviews, changes and communication.
3. Multiply by your hourly rate and round to a clean number.
4. Write what is out of scope. It is the sentence that saves the project later.

## Raise your rate
Raise it for new clients first. Keep existing long-term clients at their rate for a while, then give them a month's notice of the change. A raise of 10–20% after earning Top Rated is common and rarely costs you the jobs you want.

## Do not compete on price alone
Clients who choose the cheapest bid also tend to change scope and leave harsher feedback. A clear plan and a clear price win better clients.""",
    ),
    (
        "keeping-your-job-success-score-high",
        "Keeping your Job Success Score high",
        "How the score is computed, why long-term clients matter, and what to do when a contract goes wrong.",
        """Your Job Success Score (JSS) measures how many of your clients were happy with your work, weighted by the size of each contract. It is computed at each evaluation on the 1st and the 15th of the month, and the score shown everywhere is the one stored then.

## What counts
- Contracts that ended with feedback, contracts decided in a dispute, and long-term relationships.
- Private feedback counts more than the public stars: a client who would recommend you (9 or 10) makes the contract positive.
- Larger contracts weigh more, and every full 90 days of a relationship adds weight.
- Contracts that paid nothing have no effect unless they went badly.

## Long-term clients are your best protection
An ongoing contract with regular payments counts as positive even without feedback. Clients who keep working with you are the strongest signal you can send.

## When a contract goes wrong
1. Talk early. Most negative outcomes start as a misunderstanding that nobody raised.
2. Agree on what "done" means, in writing, in the contract's messages.
3. If you cannot fix it, offer to end the contract cleanly rather than let it drag.
4. Use a dispute only when the work was delivered as agreed; a lost dispute counts as negative.

## Look ahead
The JSS page lists when each contract leaves each window. If an old negative contract is about to leave, your score will rise on that date; if a strong one leaves, plan new work before it does.""",
    ),
    (
        "turning-one-job-into-a-long-term-client",
        "Turning one job into a long-term client",
        "The habits that make clients come back: updates, suggestions, and the right moment to propose more work.",
        """A long-term client is worth more than a dozen one-off jobs: less time finding work, steadier income and a stronger Job Success Score.

## Make the first contract easy to continue
- Send a short update at a fixed rhythm (for example every Friday): done, next, blocked.
- Deliver a little before the deadline and say what you checked.
- Leave the work in a state another person could pick up — documentation is a reason to hire you again.

## Suggest the next step
When you deliver, add two or three improvements you noticed, each with a rough size. Clients rarely know what to ask for next; a concrete suggestion turns into the next milestone.

## Move to a retainer when it fits
If the client keeps coming back every few weeks, propose an hourly contract with a weekly limit, or a monthly fixed-price milestone for maintenance. It saves both of you the overhead of new contracts.

## Ask for feedback at the right time
Ask when the client is happy with a delivery, not when the contract ends weeks later. Honest feedback, public and private, is what keeps your score meaningful.""",
    ),
    (
        "handling-difficult-client-situations",
        "Handling difficult client situations",
        "Scope creep, silent clients, late payments and requests to work off the platform — what to say and what to do.",
        """Every freelancer meets a difficult situation sooner or later. Handling it calmly and in writing protects your work, your money and your reputation.

## Scope creep
Name it kindly: *"Happy to add this. It is outside the milestone we agreed; I can add a milestone of $X or include it after the current one."* Never start unfunded work on a fixed-price contract.

## A client goes silent
- Submitted work is approved automatically after 14 days without an answer, so you are protected.
- Send one friendly reminder after a few days, then wait. Do not stop work that is already funded.

## Repeated requests for changes
After a second request for changes on the same milestone, you can open a dispute. Before you do, list what was agreed and what was delivered; a clear record decides most disputes.

## Requests to move off the platform
Decline politely. Payments outside the marketplace lose escrow protection and dispute mediation, and they break the terms of service.

## When a client behaves unprofessionally
Report it. The client conduct program looks at patterns across many freelancers, and your report helps protect others.

## Ask support
Top Rated freelancers' support tickets go to the priority queue with a first answer within a few hours. Use it before a small problem becomes a big one.""",
    ),
]


def seed_default_content(session: Session) -> tuple[int, int]:
    """Add the default forum categories and guides that are missing; returns how many of each
    were added. Safe to call again: existing slugs are left as they are."""
    now = utcnow()
    have = set(session.scalars(select(ForumCategory.slug)))
    added_categories = 0
    for position, (slug, name, description) in enumerate(CATEGORIES):
        if slug not in have:
            session.add(
                ForumCategory(
                    slug=slug,
                    name=name,
                    description=description,
                    position=position * 10,
                    created_at=now,
                )
            )
            added_categories += 1
    have = set(session.scalars(select(Guide.slug)))
    added_guides = 0
    for slug, title, summary, body in GUIDES:
        if slug not in have:
            session.add(
                Guide(
                    slug=slug,
                    title=title,
                    summary=summary,
                    body=body,
                    author_id=None,
                    created_at=now,
                    updated_at=now,
                )
            )
            added_guides += 1
    session.flush()
    return added_categories, added_guides
