"""Identity API (trust.md §2.2): POST/GET /api/v1/me/identity, problems, nothing stored on
refusal (quality.md §2 "Bad input")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import api_headers, make_client
from tests.identity import samples
from tests.identity.conftest import all_files_under, stored_files, submission_count
from workhall.accounts.models import User
from workhall.core.settings import Settings
from workhall.identity import service

URL = "/api/v1/me/identity"


def body(**changes: Any) -> dict[str, Any]:
    parts: dict[str, Any] = {
        "data": {"document_type": "passport", "issuing_country": "gb"},
        "files": {
            "document": ("passport.jpg", samples.jpeg(), "image/jpeg"),
            "selfie": ("me.png", samples.png(), "image/png"),
        },
    }
    for key, value in changes.items():
        if key in ("document", "selfie", "extra"):
            parts["files"][key] = value
        else:
            parts["data"][key] = value
    return parts


def assert_nothing_stored(db: Session, settings: Settings) -> None:
    assert stored_files(settings) == [] and submission_count(db) == 0
    assert [p.name for p in all_files_under(settings.data_dir)] in ([], ["file_encryption_key"])


def test_anonymous_is_refused(client: TestClient) -> None:
    assert client.get(URL).status_code == 401
    assert client.post(URL, **body()).status_code == 401


def test_submit_then_read_the_status(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    headers = api_headers(db, settings, freelancer)
    assert client.get(URL, headers=headers).json()["status"] == "not_submitted"
    answer = client.post(URL, headers=headers, **body())
    assert answer.status_code == 201, answer.text
    out = answer.json()
    assert out["status"] == "pending" and out["can_submit"] is False
    assert out["latest"]["issuing_country"] == "GB" and out["latest"]["document_kind"] == "jpeg"
    assert set(out["latest"]) == {
        "id",
        "status",
        "document_type",
        "issuing_country",
        "document_kind",
        "selfie_kind",
        "submitted_at",
        "decided_at",
        "rejection_reason",
        "documents_deleted",
    }
    assert len(stored_files(settings)) == 2
    again = client.post(URL, headers=headers, **body())
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


def test_the_rejection_reason_is_readable_and_resubmitting_works(
    client: TestClient, db: Session, settings: Settings, freelancer: User, reviewer: User
) -> None:
    headers = api_headers(db, settings, freelancer)
    first = client.post(URL, headers=headers, **body()).json()["latest"]["id"]
    service.decide(
        db, settings, first, approve=False, reason="Glare on the name", reviewer=reviewer
    )
    db.commit()
    out = client.get(URL, headers=headers).json()
    assert out["status"] == "rejected" and out["latest"]["rejection_reason"] == "Glare on the name"
    assert out["can_submit"] is True
    assert client.post(URL, headers=headers, **body()).json()["status"] == "pending"


def test_a_client_may_verify(client: TestClient, db: Session, settings: Settings) -> None:
    headers = api_headers(db, settings, make_client(db, settings))
    assert client.post(URL, headers=headers, **body()).status_code == 201


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"document": ("passport.pdf", samples.png(), "application/pdf")}, 422, "PNG"),
        ({"document": ("passport.pdf", samples.png(), "application/octet-stream")}, 422, ".pdf"),
        (
            {"document": ("id.png", samples.png() + b"%PDF-1.4 x %%EOF", "image/png")},
            422,
            "another",
        ),
        ({"document": ("../../etc/passwd", samples.png(), "image/png")}, 422, "name"),
        ({"selfie": ("..\\..\\x.png", samples.png(), "image/png")}, 422, "name"),
        ({"selfie": ("a\x00.png", samples.png(), "image/png")}, 422, "name"),
        ({"selfie": ("/etc/cron.d/x.png", samples.png(), "image/png")}, 422, "name"),
        ({"selfie": ("me.pdf", samples.pdf(), "application/pdf")}, 422, "JPEG or PNG"),
        ({"document": ("id.html", b"<html><script>x</script>", "text/html")}, 422, "JPEG, PNG"),
        ({"document_type": "visa"}, 422, "type of document"),
        ({"issuing_country": "XX"}, 422, "country"),
        ({"issuing_country": "F" * 5000}, 422, "country"),
        ({"extra": ("third.png", samples.png(), "image/png")}, 400, "files"),
    ],
)
def test_refused_uploads_store_nothing(
    client: TestClient,
    db: Session,
    settings: Settings,
    freelancer: User,
    changes: dict[str, Any],
    status: int,
    words: str,
) -> None:
    headers = api_headers(db, settings, freelancer)
    answer = client.post(URL, headers=headers, **body(**changes))
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    assert_nothing_stored(db, settings)


def test_a_missing_file_is_a_clear_422(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    headers = api_headers(db, settings, freelancer)
    parts = body()
    del parts["files"]["selfie"]
    answer = client.post(URL, headers=headers, **parts)
    assert answer.status_code == 422 and answer.json()["field"] == "selfie"
    assert_nothing_stored(db, settings)


def test_an_oversized_file_is_refused(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    headers = api_headers(db, settings, freelancer)
    settings.identity_max_file_bytes = 100_000
    big = samples.png() + b"\x00" * 100_001
    answer = client.post(URL, headers=headers, **body(document=("big.png", big, "image/png")))
    assert answer.status_code == 413 and "at most" in answer.json()["detail"]
    assert_nothing_stored(db, settings)


def test_a_body_declared_too_large_is_refused_before_it_is_read(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    headers = api_headers(db, settings, freelancer)
    settings.identity_max_file_bytes = 100_000

    def stream() -> Iterator[bytes]:
        for _ in range(50):
            yield b"x" * 10_000

    answer = client.post(
        URL,
        headers={
            **headers,
            "content-type": "multipart/form-data; boundary=abc",
            "content-length": str(500_000),
        },
        content=stream(),
    )
    assert answer.status_code == 413
    assert_nothing_stored(db, settings)


def test_a_chunked_body_is_cut_off_at_the_limit(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    headers = api_headers(db, settings, freelancer)
    settings.identity_max_file_bytes = 100_000

    def stream() -> Iterator[bytes]:
        yield b'--abc\r\nContent-Disposition: form-data; name="document"; filename="a.png"\r\n'
        yield b"Content-Type: image/png\r\n\r\n"
        for _ in range(100):
            yield b"\x00" * 10_000  # a million bytes, no Content-Length

    answer = client.post(
        URL,
        headers={**headers, "content-type": "multipart/form-data; boundary=abc"},
        content=stream(),
    )
    assert answer.status_code == 413
    assert_nothing_stored(db, settings)


def test_a_raw_nul_byte_in_a_file_name_is_refused(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    headers = api_headers(db, settings, freelancer)

    def part(name: str, value: bytes, filename: bytes | None = None) -> bytes:
        disposition = f'form-data; name="{name}"'.encode()
        if filename is not None:
            disposition += b'; filename="' + filename + b'"'
        return b"--abc\r\nContent-Disposition: " + disposition + b"\r\n\r\n" + value + b"\r\n"

    raw = (
        part("document_type", b"passport")
        + part("issuing_country", b"GB")
        + part("document", samples.jpeg(), b"id.jpg")
        + part("selfie", samples.png(), b"../me\x00.png")
        + b"--abc--\r\n"
    )
    answer = client.post(
        URL,
        headers={**headers, "content-type": "multipart/form-data; boundary=abc"},
        content=raw,
    )
    assert answer.status_code == 422 and answer.json()["field"] == "selfie"
    assert_nothing_stored(db, settings)
