"""Queue notifications and emails; delivery happens in the worker, after the transaction commits."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from sqlalchemy import select, update
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
) -> None:
    session.add(Notification(user_id=user.id, kind=kind, text=text, link=link, created_at=utcnow()))
    if email:
        queue_email(session, user.email, text[:200], f"{text}\n\n{link or ''}".strip(), user.id)


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
