"""SMS gateways (trust.md §2.1): the HTTP adapter against a real local server, the log backend."""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import api_headers
from tests.verification.conftest import GB_MOBILE, code_in, unverified
from workhall.verification.models import PhoneCode, SmsMessage
from workhall.verification.sms import (
    HttpSmsGateway,
    LogSmsGateway,
    SmsDeliveryError,
    gateway_for,
)


@dataclass
class FakeSmsProvider:
    """A tiny HTTP server on 127.0.0.1 that records requests and answers ``status``."""

    status: int = 202
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def provider() -> Iterator[FakeSmsProvider]:
    state = FakeSmsProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            state.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": json.loads(self.rfile.read(length) or b"null"),
                }
            )
            body = b'{"error": "boom"}' if state.status >= 400 else b'{"id": "msg-1"}'
            self.send_response(state.status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A short poll interval keeps shutdown (and so each test) fast.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_http_gateway_posts_json_with_bearer_token(provider):
    HttpSmsGateway(provider.url, "s3cret-token", 5.0).send("+447400123456", "Your code is 123456")
    assert len(provider.requests) == 1
    request = provider.requests[0]
    assert request["path"] == "/v1/messages"
    assert request["json"] == {"to": "+447400123456", "text": "Your code is 123456"}
    assert request["headers"]["authorization"] == "Bearer s3cret-token"
    assert request["headers"]["content-type"] == "application/json"


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_http_gateway_raises_on_non_2xx(provider, status):
    provider.status = status
    with pytest.raises(SmsDeliveryError, match=str(status)):
        HttpSmsGateway(provider.url, "t", 5.0).send("+447400123456", "x")


def test_http_gateway_raises_when_unreachable():
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SmsDeliveryError, match="could not be reached"):
        HttpSmsGateway(f"http://127.0.0.1:{port}/", "t", 2.0).send("+447400123456", "x")


def test_http_gateway_does_not_log_the_code(provider, caplog):
    caplog.set_level(logging.INFO, logger="workhall.sms")
    HttpSmsGateway(provider.url, "t", 5.0).send("+447400123456", "Your code is 987654")
    assert "987654" not in caplog.text and "+447400123456" not in caplog.text


def test_gateway_is_chosen_by_settings(settings, db):
    assert isinstance(gateway_for(settings, db), LogSmsGateway)
    settings.sms_backend = "http"
    with pytest.raises(SmsDeliveryError, match="SMS_HTTP_URL"):
        gateway_for(settings, db)
    settings.sms_http_url = "http://sms.internal/send"
    assert isinstance(gateway_for(settings, db), HttpSmsGateway)
    settings.environment = "production"
    with pytest.raises(SmsDeliveryError, match="https"):
        gateway_for(settings, db)
    settings.sms_http_url = "https://sms.example/send"
    assert isinstance(gateway_for(settings, db), HttpSmsGateway)


def test_log_gateway_logs_and_keeps_messages_outside_production(db, caplog):
    caplog.set_level(logging.INFO, logger="workhall.sms")
    LogSmsGateway(db, keep=True).send("+447400123456", "Your code is 555111")
    assert "Your code is 555111" in caplog.text
    assert db.scalar(select(SmsMessage.text)) == "Your code is 555111"
    LogSmsGateway(db, keep=False).send("+447400123456", "Your code is 555222")
    assert db.scalar(select(func.count()).select_from(SmsMessage)) == 1


def test_log_gateway_keeps_only_the_newest_messages(db, monkeypatch):
    monkeypatch.setattr("workhall.verification.sms.DEV_LOG_KEEP", 3)
    gateway = LogSmsGateway(db, keep=True)
    for i in range(5):
        gateway.send("+447400123456", f"message {i}")
    texts = db.scalars(select(SmsMessage.text).order_by(SmsMessage.id)).all()
    assert texts == ["message 2", "message 3", "message 4"]


# --- through the API, with the http backend configured ----------------------------------


@pytest.fixture
def http_backend(settings, provider):
    settings.sms_backend = "http"
    settings.sms_http_url = provider.url
    settings.sms_http_token = "gateway-token"
    return provider


def test_api_sends_the_code_through_the_http_gateway(client, db, settings, http_backend):
    user = unverified(db, settings, country="GB")
    headers = api_headers(db, settings, user)
    db.commit()
    r = client.post("/api/v1/me/phone", json={"phone": "07400 123456"}, headers=headers)
    assert r.status_code == 202, r.text
    (request,) = http_backend.requests
    assert request["headers"]["authorization"] == "Bearer gateway-token"
    assert request["json"]["to"] == GB_MOBILE
    code = code_in(request["json"]["text"])
    assert db.scalar(select(SmsMessage.id)) is None  # the http backend keeps nothing
    r = client.post("/api/v1/me/phone/verify", json={"code": code}, headers=headers)
    assert r.status_code == 200, r.text


def test_gateway_500_is_a_friendly_503_and_nothing_is_counted(client, db, settings, http_backend):
    user = unverified(db, settings, country="GB")
    headers = api_headers(db, settings, user)
    db.commit()
    http_backend.status = 500
    r = client.post("/api/v1/me/phone", json={"phone": GB_MOBILE}, headers=headers)
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["reason"] == "sms_failed"
    assert "try again" in r.json()["detail"]
    assert db.scalar(select(PhoneCode.id)) is None  # not counted as sent
    # At the very same instant a retry works: no 60-second spacing, no daily count was spent.
    http_backend.status = 200
    r = client.post("/api/v1/me/phone", json={"phone": GB_MOBILE}, headers=headers)
    assert r.status_code == 202, r.text
    assert len(http_backend.requests) == 2


def test_missing_gateway_url_is_a_friendly_503(client, db, settings):
    settings.sms_backend = "http"
    user = unverified(db, settings)
    headers = api_headers(db, settings, user)
    db.commit()
    r = client.post("/api/v1/me/phone", json={"phone": GB_MOBILE}, headers=headers)
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
