"""Account standing: holds, suspensions and reinstatement by trust & safety (marketplace.md §1).

Every write here goes through ``accounts.service.change_status`` (which records the
``AccountStatusChange`` row and the ``account.status`` audit event), adds an audit event of its
own with the actor and the reason, and tells the user why. None of them commits: the request's
or the worker's unit of work does. Each locks the user's row first, so two agents acting on
the same account run one after the other.

A hold is *open* at an instant when it has started and has no end, or ends later. The account
is ``on_hold`` while an open hold covers now; the reputation engine reads the hold rows
themselves (reputation.md §2.2 criterion 8).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workhall.accounts.models import AccountHold, AccountStatusChange, User
from workhall.accounts.service import change_status
from workhall.audit.service import record
from workhall.conduct.models import ClientStatusChange
from workhall.core.clock import utcnow
from workhall.core.db import lock_row
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from workhall.core.settings import Settings
from workhall.notifications.service import notify
from workhall.staff import access

# The spec asks for a reason and leaves its bounds to us: long enough to mean something, short
# enough to go whole into the user's notification and the status-change record.
REASON_MIN = 5
REASON_MAX = 300
HOLD_MAX_DAYS = 365  # a timed hold ends within a year; longer ones are open holds
HOLDABLE = ("active", "on_hold")
NOTICE_LINK = "/settings/account"
ON_HOLD_EFFECTS = (
    "While it is on hold you cannot send proposals, post jobs or withdraw money; "
    "your existing contracts continue."
)


def clean_reason(reason: str, field: str = "reason") -> str:
    text = " ".join(reason.split())
    if len(text) < REASON_MIN:
        raise Unprocessable(
            f"Give a reason of at least {REASON_MIN} characters; the user is told it.",
            field=field,
        )
    if len(text) > REASON_MAX:
        raise Unprocessable(f"Keep the reason under {REASON_MAX + 1} characters.", field=field)
    return text


def open_hold_filter(at: datetime):  # type: ignore[no-untyped-def]
    return (AccountHold.starts_at <= at) & (
        or_(AccountHold.ends_at.is_(None), AccountHold.ends_at > at)
    )


def open_holds(session: Session, user_id: int, at: datetime | None = None) -> list[AccountHold]:
    at = at or utcnow()
    return list(
        session.scalars(
            select(AccountHold)
            .where(AccountHold.user_id == user_id, open_hold_filter(at))
            .order_by(AccountHold.starts_at, AccountHold.id)
        )
    )


def holds_of(session: Session, user_id: int) -> list[AccountHold]:
    return list(
        session.scalars(
            select(AccountHold)
            .where(AccountHold.user_id == user_id)
            .order_by(AccountHold.starts_at.desc(), AccountHold.id.desc())
        )
    )


def status_changes_of(session: Session, user_id: int, limit: int = 50) -> list[AccountStatusChange]:
    return list(
        session.scalars(
            select(AccountStatusChange)
            .where(AccountStatusChange.user_id == user_id)
            .order_by(AccountStatusChange.at.desc(), AccountStatusChange.id.desc())
            .limit(limit)
        )
    )


def _target(session: Session, actor: User, user_id: int) -> User:
    access.require(actor, "standing")
    user = lock_row(session, User, user_id, "There is no such account.")
    if user.id == actor.id:
        raise Forbidden("You cannot change the standing of your own account.")
    if user.is_staff and not actor.has_staff_role("admin"):
        raise Forbidden("Only an admin can change the standing of a staff account.")
    return user


def _tell(session: Session, settings: Settings, user: User, text: str, body: str = "") -> None:
    notify(
        session,
        user,
        "account_standing",
        text,
        NOTICE_LINK,
        email_body=body or None,
        base_url=settings.base_url,
    )


def place_hold(
    session: Session,
    settings: Settings,
    actor: User,
    user_id: int,
    reason: str,
    ends_at: datetime | None = None,
) -> AccountHold:
    """Put the account on hold from now until ``ends_at`` (open-ended when None).

    Locks the user's row. A second hold on an account already on hold is recorded too (each
    has its own reason and end); the account stays ``on_hold`` until none is open."""
    text = clean_reason(reason)
    now = utcnow()
    if ends_at is not None:
        if ends_at <= now:
            raise Unprocessable("The hold's end must be in the future.", field="ends_at")
        if ends_at > now + timedelta(days=HOLD_MAX_DAYS):
            raise Unprocessable(
                f"A timed hold ends within {HOLD_MAX_DAYS} days; leave the end empty for a "
                "hold that lasts until it is lifted.",
                field="ends_at",
            )
    user = _target(session, actor, user_id)
    if user.status not in HOLDABLE:
        raise Conflict(
            f"The account is {user.status.replace('_', ' ')}; only active accounts or accounts "
            "already on hold can be put on hold."
        )
    hold = AccountHold(
        user_id=user.id, starts_at=now, ends_at=ends_at, reason=text, placed_by_id=actor.id
    )
    session.add(hold)
    session.flush()
    change_status(session, user, "on_hold", actor=actor, reason=text)
    record(
        session,
        "account.hold_placed",
        "user",
        user.id,
        actor_id=actor.id,
        hold_id=hold.id,
        reason=text,
        ends_at=ends_at.isoformat() if ends_at else None,
    )
    until = f" until {ends_at:%b %d, %Y %H:%M} UTC" if ends_at else ""
    _tell(
        session,
        settings,
        user,
        f"Your account is on hold{until}. Reason: {text}",
        ON_HOLD_EFFECTS,
    )
    return hold


def _release_if_clear(session: Session, user: User, actor: User | None, reason: str) -> bool:
    """Back to ``active`` when the account is on hold and no hold is open any more."""
    if user.status == "on_hold" and not open_holds(session, user.id):
        change_status(session, user, "active", actor=actor, reason=reason)
        return True
    return False


def lift_hold(
    session: Session, settings: Settings, actor: User, hold_id: int, reason: str
) -> AccountHold:
    """End an open hold now. Locks the user's row, then the hold's."""
    text = clean_reason(reason)
    found = session.get(AccountHold, hold_id)
    if found is None:
        raise NotFound("There is no such hold.")
    user = _target(session, actor, found.user_id)
    hold = lock_row(session, AccountHold, hold_id, "There is no such hold.")
    now = utcnow()
    if not (hold.starts_at <= now and (hold.ends_at is None or hold.ends_at > now)):
        raise Conflict("This hold has already ended.")
    hold.ends_at = now
    hold.lifted_by_id = actor.id
    hold.lift_reason = text
    session.flush()
    released = _release_if_clear(session, user, actor, f"Hold lifted: {text}")
    record(
        session,
        "account.hold_lifted",
        "user",
        user.id,
        actor_id=actor.id,
        hold_id=hold.id,
        reason=text,
    )
    still = "" if released or user.status != "on_hold" else " Another hold is still in force."
    _tell(session, settings, user, f"A hold on your account was lifted. Reason: {text}.{still}")
    return hold


def suspend(session: Session, settings: Settings, actor: User, user_id: int, reason: str) -> User:
    """Suspend the account: it can no longer sign in (its sessions are revoked). Open holds
    stay as they are, so reinstating returns the account to hold if one still covers it."""
    text = clean_reason(reason)
    user = _target(session, actor, user_id)
    if user.status in ("suspended", "closed"):
        raise Conflict(f"The account is already {user.status}.")
    change_status(session, user, "suspended", actor=actor, reason=text)
    record(session, "account.suspended", "user", user.id, actor_id=actor.id, reason=text)
    _tell(session, settings, user, f"Your account is suspended. Reason: {text}")
    return user


def _banned_by_conduct(session: Session, user_id: int) -> bool:
    latest = session.scalar(
        select(ClientStatusChange.status)
        .where(ClientStatusChange.client_id == user_id)
        .order_by(ClientStatusChange.at.desc(), ClientStatusChange.id.desc())
        .limit(1)
    )
    return latest == "banned"


def reinstate(session: Session, settings: Settings, actor: User, user_id: int, reason: str) -> User:
    """Lift a suspension: back to ``on_hold`` if a hold still covers now, back to
    ``restricted`` if the account was a restricted client before, else ``active``. A suspension
    that comes from a conduct ban is decided on its conduct case, not here (trust.md §1.3)."""
    text = clean_reason(reason)
    user = _target(session, actor, user_id)
    if user.status != "suspended":
        raise Conflict("Only a suspended account can be reinstated.")
    if _banned_by_conduct(session, user.id):
        raise Conflict(
            "This suspension comes from a conduct ban; decide it on the client's conduct case."
        )
    before = session.scalar(
        select(AccountStatusChange.from_status)
        .where(AccountStatusChange.user_id == user.id, AccountStatusChange.to_status == "suspended")
        .order_by(AccountStatusChange.at.desc(), AccountStatusChange.id.desc())
        .limit(1)
    )
    if open_holds(session, user.id):
        to_status = "on_hold"
    elif before == "restricted":
        to_status = "restricted"
    else:
        to_status = "active"
    change_status(session, user, to_status, actor=actor, reason=text)
    record(
        session,
        "account.reinstated",
        "user",
        user.id,
        actor_id=actor.id,
        reason=text,
        to_status=to_status,
    )
    extra = f" {ON_HOLD_EFFECTS}" if to_status == "on_hold" else ""
    _tell(
        session,
        settings,
        user,
        f"Your account is reinstated ({to_status.replace('_', ' ')}). Reason: {text}",
        extra.strip(),
    )
    return user


def end_expired_holds(session: Session, settings: Settings, limit: int = 500) -> int:
    """Worker: accounts on hold whose every hold has reached its end go back to ``active``.

    A hold with an end time needs no write to end (its ``ends_at`` already says so); what
    changes is the account's status. Each account's row is locked and checked again before
    the change, so two workers (or a worker and an agent) act once. Returns the accounts
    released."""
    now = utcnow()
    ended = (
        select(AccountHold.user_id)
        .where(AccountHold.ends_at.is_not(None), AccountHold.ends_at <= now)
        .distinct()
    )
    still_open = select(AccountHold.user_id).where(open_hold_filter(now))
    candidates = list(
        session.scalars(
            select(User.id)
            .where(
                User.status == "on_hold",
                User.id.in_(ended),
                User.id.not_in(still_open),
            )
            .order_by(User.id)
            .limit(limit)
        )
    )
    released = 0
    for user_id in candidates:
        user = lock_row(session, User, user_id, "There is no such account.")
        if user.status != "on_hold" or open_holds(session, user.id, now):
            continue
        change_status(session, user, "active", actor=None, reason="The hold reached its end.")
        record(session, "account.hold_ended", "user", user.id, actor_id=None)
        _tell(session, settings, user, "The hold on your account has ended.")
        released += 1
    return released
