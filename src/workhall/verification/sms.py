"""SMS gateways (trust.md §2.1): a log backend by default, an HTTP adapter for production.

A gateway either accepts the message or raises ``SmsDeliveryError``; the caller decides what a
failure means (for verification codes: the transaction rolls back and the user is told).
"""

from __future__ import annotations

import logging
from typing import Protocol

import httpx
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workhall.core.clock import utcnow
from workhall.core.settings import Settings
from workhall.verification.models import SmsMessage
from workhall.verification.rules import mask_phone

log = logging.getLogger("workhall.sms")

# The development log keeps this many messages; the /dev/sms page shows the newest 50.
DEV_LOG_KEEP = 200


class SmsDeliveryError(Exception):
    """The gateway did not accept the message (unreachable, timed out, non-2xx, misconfigured)."""


class SmsGateway(Protocol):
    def send(self, to_e164: str, text: str) -> None:
        """Hand ``text`` to the carrier for ``to_e164`` or raise ``SmsDeliveryError``."""
        ...


class LogSmsGateway:
    """Writes the message to the log ("prints the message", trust.md §2.1).

    Outside production it also keeps the message in ``sms_messages`` — in the caller's
    transaction, so a rolled-back send leaves no trace — for the development page ``/dev/sms``.
    """

    def __init__(self, session: Session | None = None, *, keep: bool = False) -> None:
        self.session = session
        self.keep = keep and session is not None

    def send(self, to_e164: str, text: str) -> None:
        log.info("SMS to %s: %s", to_e164, text)
        if not self.keep or self.session is None:
            return
        self.session.add(SmsMessage(to_e164=to_e164, text=text[:500], created_at=utcnow()))
        self.session.flush()
        cutoff = self.session.scalar(
            select(SmsMessage.id).order_by(SmsMessage.id.desc()).offset(DEV_LOG_KEEP).limit(1)
        )
        if cutoff is not None:
            self.session.execute(delete(SmsMessage).where(SmsMessage.id <= cutoff))


class HttpSmsGateway:
    """POSTs ``{"to": "+…", "text": "…"}`` as JSON with ``Authorization: Bearer <token>``.

    Any 2xx answer means accepted. Connection errors, timeouts and other statuses raise
    ``SmsDeliveryError``; the message text (it holds the code) is never logged.
    """

    def __init__(
        self,
        url: str,
        token: str | None,
        timeout_seconds: float,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout_seconds
        self.transport = transport

    def send(self, to_e164: str, text: str) -> None:
        headers = {"User-Agent": "Workhall-SMS/1"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.post(
                    self.url, json={"to": to_e164, "text": text}, headers=headers
                )
        except httpx.HTTPError as exc:
            log.warning(
                "SMS gateway unreachable for %s: %s", mask_phone(to_e164), type(exc).__name__
            )
            raise SmsDeliveryError(
                f"The SMS gateway could not be reached ({type(exc).__name__})."
            ) from exc
        if not response.is_success:
            log.warning("SMS gateway answered %s for %s", response.status_code, mask_phone(to_e164))
            raise SmsDeliveryError(f"The SMS gateway answered HTTP {response.status_code}.")
        log.info("SMS to %s accepted by the gateway", mask_phone(to_e164))


def gateway_for(settings: Settings, session: Session | None = None) -> SmsGateway:
    """The gateway named by ``settings.sms_backend`` (``WORKHALL_SMS_BACKEND``)."""
    if settings.sms_backend == "http":
        url = settings.sms_http_url
        if not url:
            raise SmsDeliveryError("WORKHALL_SMS_HTTP_URL is not set for the http SMS backend.")
        if settings.is_production and not url.startswith("https://"):
            # The bearer token and the codes must not cross the network in clear text.
            raise SmsDeliveryError("WORKHALL_SMS_HTTP_URL must be an https:// URL in production.")
        return HttpSmsGateway(url, settings.sms_http_token, settings.sms_http_timeout_seconds)
    return LogSmsGateway(session, keep=not settings.is_production)
