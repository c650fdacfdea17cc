"""Queue notifications and emails; delivery happens in the worker, after the transaction commits."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workhall.accounts.models import User
from workhall.core.clock import utcnow
from workhall.core.settings import Settings
from workhall.notifications.models import Notification, OutboxEmail

log = logging.getLogger("workhall.email")


def queue_email(
    session: Session, to: str, subject: str, body: str, user_id: int | None = None
) -> None:
    session.add(
        OutboxEmail(to_address=to, subject=subject, body=body, user_id=user_id, created_at=utcnow())
    )


def notify(
    session: Session,
    user: User,
    kind: str,
    text: str,
    link: str | None = None,
    *,
    email: bool = True,
    email_body: str | None = None,
    base_url: str | None = None,
    collapse_unread: bool = False,
) -> Notification | None:
    """An in-app notification for ``user`` and, with ``email``, an email through the outbox.

    ``email_body`` goes between the text and the link; ``base_url`` makes a site-relative link
    absolute in the email. With ``collapse_unread``, no second in-app notification is added
    while one of the same kind and link is still unread (a busy conversation is one entry).
    Returns the notification added, or None when it collapsed into an unread one.
    """
    added: Notification | None = None
    if not (collapse_unread and has_unread(session, user.id, kind, link)):
        added = Notification(
            user_id=user.id, kind=kind, text=text[:500], link=link, created_at=utcnow()
        )
        session.add(added)
    if email:
        url = link
        if base_url and link and link.startswith("/"):
            url = base_url.rstrip("/") + link
        parts = [text, email_body or "", url or ""]
        queue_email(session, user.email, text[:200], "\n\n".join(p for p in parts if p), user.id)
    return added


def has_unread(session: Session, user_id: int, kind: str, link: str | None) -> bool:
    found = session.scalar(
        select(Notification.id)
        .where(
            Notification.user_id == user_id,
            Notification.kind == kind,
            Notification.link == link if link is not None else Notification.link.is_(None),
            Notification.read_at.is_(None),
        )
        .limit(1)
    )
    return found is not None


# --- reading and marking read (marketplace.md §8) -----------------------------------------------


def unread_count(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    total: int
    unread: int
    page: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def notifications_page(
    session: Session, user_id: int, page: int, page_size: int, *, unread_only: bool = False
) -> NotificationPage:
    """The user's notifications, newest first."""
    where = [Notification.user_id == user_id]
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = int(session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0)
    pages = max(1, -(-total // page_size))
    items = list(
        session.scalars(
            select(Notification)
            .where(*where)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    return NotificationPage(items, total, unread_count(session, user_id), page, pages)


def mark_read(session: Session, user_id: int, ids: list[int] | None) -> int:
    """Mark the user's notifications ``ids`` read (all of them when None); others' ids are
    ignored. Returns how many changed. One conditional UPDATE: safe when repeated."""
    where = [Notification.user_id == user_id, Notification.read_at.is_(None)]
    if ids is not None:
        if not ids:
            return 0
        where.append(Notification.id.in_(ids))
    result = session.execute(
        update(Notification)
        .where(*where)
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_read_by_link(session: Session, user_id: int, kind: str, link: str) -> int:
    """Opening what a notification points at (a conversation) reads it."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.kind == kind,
            Notification.link == link,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def safe_link(link: str | None) -> str | None:
    """Notification links are site paths; anything else is never followed."""
    if link and link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return None


def deliver_outbox(session: Session, settings: Settings, limit: int = 100) -> int:
    """Send queued emails. Each row is claimed by an UPDATE so two workers never send it twice."""
    sent = 0
    ids = session.scalars(
        select(OutboxEmail.id)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < 5)
        .order_by(OutboxEmail.id)
        .limit(limit)
    ).all()
    for email_id in ids:
        claimed = session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email_id, OutboxEmail.sent_at.is_(None))
            .values(sent_at=utcnow(), attempts=OutboxEmail.attempts + 1)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        row = session.get(OutboxEmail, email_id)
        assert row is not None
        try:
            _send(row, settings)
            sent += 1
        except OSError as exc:
            row.sent_at = None
            row.last_error = str(exc)[:500]
    return sent


def _send(row: OutboxEmail, settings: Settings) -> None:
    if settings.email_backend == "log":
        log.info("email to %s: %s\n%s", row.to_address, row.subject, row.body)
        return
    msg = EmailMessage()
    msg["From"] = settings.email_from
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg.set_content(row.body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_user:
            smtp.starttls()
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(msg)
