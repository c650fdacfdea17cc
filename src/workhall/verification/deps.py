"""Request dependency for the SMS gateway: routes get the configured one; tests may swap it."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends

from workhall.core.web import DbDep, SettingsDep
from workhall.verification.service import SmsUnavailable
from workhall.verification.sms import SmsDeliveryError, SmsGateway, gateway_for

log = logging.getLogger("workhall.sms")


def sms_gateway(db: DbDep, settings: SettingsDep) -> SmsGateway:
    try:
        return gateway_for(settings, db)
    except SmsDeliveryError as exc:
        # A configuration mistake: loud in the log, a polite answer to the user.
        log.error("SMS gateway misconfigured: %s", exc)
        raise SmsUnavailable(
            "Text messages cannot be sent right now. Please try again later."
        ) from exc


SmsGatewayDep = Annotated[SmsGateway, Depends(sms_gateway)]
