"""Identity pages (trust.md §2.2): /settings/verification, the staff queue, the review screen,
the decrypting file route; every object tried as the wrong user and as anonymous."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_user, sign_in_browser
from tests.identity import samples
from tests.identity.conftest import stored_files, submission_count, submit
from workhall.accounts.models import User
from workhall.core import clock
from workhall.core.settings import Settings
from workhall.identity import service, storage

PAGE = "/settings/verification"
UPLOAD = "/settings/verification/identity"


def upload(
    client: TestClient, csrf: str | None, *, document: tuple[str, bytes, str] | None = None
) -> Any:
    data = {"document_type": "national_id", "issuing_country": "FR"}
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post(
        UPLOAD,
        data=data,
        files={
            "document": document or ("id.jpg", samples.jpeg(), "image/jpeg"),
            "selfie": ("me.png", samples.png(), "image/png"),
        },
        follow_redirects=False,
    )


def test_the_page_needs_a_sign_in(client: TestClient) -> None:
    answer = client.get(PAGE, follow_redirects=False)
    assert answer.status_code in (302, 303) and "/login" in answer.headers["location"]


def test_the_page_shows_phone_identity_and_what_it_unlocks(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    sign_in_browser(client, db, settings, freelancer)
    html = client.get(PAGE).text
    for text in (
        "Phone",
        "/settings/phone",
        "Identity",
        "Withdrawals",
        "Top Rated",
        "Rising Talent",
    ):
        assert text in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html


def test_upload_review_reject_resubmit_approve(
    client: TestClient, db: Session, settings: Settings, freelancer: User, reviewer: User
) -> None:
    csrf = sign_in_browser(client, db, settings, freelancer)
    answer = upload(client, csrf)
    assert answer.status_code == 303, answer.text
    html = client.get(PAGE).text
    assert "In review" in html and 'action="/settings/verification/identity"' not in html
    first = service.identity_state(db, freelancer).latest
    assert first is not None and first.issuing_country == "FR"

    service.decide(
        db, settings, first.id, approve=False, reason="Photo <b>cut</b> off", reviewer=reviewer
    )
    db.commit()
    html = client.get(PAGE).text
    assert "Photo &lt;b&gt;cut&lt;/b&gt; off" in html and "Send for review" in html
    assert upload(client, csrf).status_code == 303
    second = service.identity_state(db, freelancer).latest
    assert second is not None and second.id != first.id
    service.decide(db, settings, second.id, approve=True, reason=None, reviewer=reviewer)
    db.commit()
    html = client.get(PAGE).text
    assert "Identity verified" in html and "Send for review" not in html
    assert "Identity verified" in client.get(f"/u/{freelancer.handle}").text


def test_a_form_without_the_csrf_token_stores_nothing(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    sign_in_browser(client, db, settings, freelancer)
    assert upload(client, None).status_code == 403
    assert upload(client, "forged").status_code == 403
    assert stored_files(settings) == [] and submission_count(db) == 0


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (("id.pdf", samples.png(), "application/pdf"), "but its name ends in .pdf"),
        (("id.png", samples.png() + b"PK\x03\x04" + b"\x00" * 26, "image/png"), "another kind"),
        (("../../../etc/passwd", samples.png(), "image/png"), "file name is not allowed"),
    ],
)
def test_a_refused_upload_shows_why_and_stores_nothing(
    client: TestClient,
    db: Session,
    settings: Settings,
    freelancer: User,
    document: tuple[str, bytes, str],
    words: str,
) -> None:
    csrf = sign_in_browser(client, db, settings, freelancer)
    answer = upload(client, csrf, document=document)
    assert answer.status_code == 422 and words in answer.text
    assert 'class="form-control is-invalid" type="file" id="document"' in answer.text
    assert stored_files(settings) == [] and submission_count(db) == 0


# --- staff --------------------------------------------------------------------------------------


def test_the_queue_is_for_trust_and_safety_only(
    client: TestClient, db: Session, settings: Settings, freelancer: User, reviewer: User
) -> None:
    s = submit(db, settings, freelancer)
    urls = ["/staff/identity", f"/staff/identity/{s.id}", f"/staff/identity/{s.id}/files/document"]
    for url in urls:  # anonymous: to the sign-in page
        answer = client.get(url, follow_redirects=False)
        assert answer.status_code in (302, 303) and "/login" in answer.headers["location"]
    for someone in (
        freelancer,  # even the owner never reads the stored files back
        make_user(db, settings),
        make_user(db, settings, "client"),
        make_user(db, settings, "staff", staff_roles="support"),
    ):
        client.cookies.clear()
        sign_in_browser(client, db, settings, someone)
        for url in urls:
            assert client.get(url).status_code == 403, (someone.role, url)
    client.cookies.clear()
    sign_in_browser(client, db, settings, reviewer)
    for url in urls:
        assert client.get(url).status_code == 200


def test_queue_oldest_first_with_waiting_time(
    client: TestClient, db: Session, settings: Settings, reviewer: User
) -> None:
    old = submit(db, settings, make_user(db, settings, name="Early Bird"))
    clock.advance(timedelta(days=2, hours=5))
    submit(db, settings, make_user(db, settings, name="Late Comer"))
    clock.advance(timedelta(minutes=30))
    sign_in_browser(client, db, settings, reviewer)
    html = client.get("/staff/identity").text
    assert html.index("Early Bird") < html.index("Late Comer")
    assert "2 d 5 h" in html and "30 min" in html
    assert f'href="/staff/identity/{old.id}"' in html


def test_the_review_screen_and_the_decrypting_route(
    client: TestClient, db: Session, settings: Settings, freelancer: User, reviewer: User
) -> None:
    earlier = submit(db, settings, freelancer)
    service.decide(db, settings, earlier.id, approve=False, reason="Expired", reviewer=reviewer)
    s = submit(db, settings, freelancer, document=samples_pdf_upload())
    sign_in_browser(client, db, settings, reviewer)
    html = client.get(f"/staff/identity/{s.id}").text
    assert "Ada Lovelace" in html and "United Kingdom" in html
    assert "Expired" in html and f'href="/staff/identity/{earlier.id}"' in html
    assert f"/staff/identity/{s.id}/files/document" in html and "Open the PDF" in html
    assert f'src="/staff/identity/{s.id}/files/selfie"' in html

    document = client.get(f"/staff/identity/{s.id}/files/document")
    assert document.status_code == 200 and document.content == samples.pdf()
    assert document.headers["content-type"] == "application/pdf"
    selfie = client.get(f"/staff/identity/{s.id}/files/selfie")
    assert selfie.headers["content-type"] == "image/png" and selfie.content.startswith(b"\x89PNG")
    for answer in (document, selfie):
        assert answer.headers["content-disposition"].startswith("inline")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "no-store" in answer.headers["cache-control"]
    key = settings.resolved_secret_key()
    for url in (
        f"/staff/identity/{s.id}/files/../../secret_key",
        f"/staff/identity/{s.id}/files/%2e%2e%2f%2e%2e%2fsecret_key",
        f"/staff/identity/{s.id}/files/{s.selfie_file}",
        f"/staff/identity/{s.id}/files/other",
        "/staff/identity/0",
        "/staff/identity/999999/files/selfie",
    ):
        answer = client.get(url)
        assert answer.status_code in (400, 404, 422), url
        assert key not in answer.text


def samples_pdf_upload() -> Any:
    from workhall.identity.files import Upload

    return Upload(samples.pdf(), "passport.pdf", "application/pdf")


def test_approve_needs_the_name_check_and_reject_needs_a_reason(
    client: TestClient, db: Session, settings: Settings, freelancer: User, reviewer: User
) -> None:
    s = submit(db, settings, freelancer)
    csrf = sign_in_browser(client, db, settings, reviewer)
    url = f"/staff/identity/{s.id}"
    assert client.post(f"{url}/approve", data={"csrf_token": csrf}).status_code == 422
    answer = client.post(f"{url}/reject", data={"csrf_token": csrf, "reason": " "})
    assert answer.status_code == 422 and "Write the reason" in answer.text
    assert client.post(f"{url}/approve", data={"name_matches": "yes"}).status_code == 403
    answer = client.post(
        f"{url}/approve", data={"csrf_token": csrf, "name_matches": "yes"}, follow_redirects=False
    )
    assert answer.status_code == 303
    db.refresh(freelancer)
    assert freelancer.identity_verified_at is not None
    answer = client.post(f"{url}/reject", data={"csrf_token": csrf, "reason": "Too late"})
    assert answer.status_code == 409 and "already approved" in answer.text


def test_a_non_reviewer_cannot_decide(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    s = submit(db, settings, freelancer)
    csrf = sign_in_browser(client, db, settings, freelancer)
    answer = client.post(
        f"/staff/identity/{s.id}/approve", data={"csrf_token": csrf, "name_matches": "yes"}
    )
    assert answer.status_code == 403
    db.refresh(freelancer)
    assert freelancer.identity_verified_at is None
    assert storage.read(settings, s.document_file)  # untouched


def test_an_oversized_upload_on_the_page_is_refused_with_a_message(
    client: TestClient, db: Session, settings: Settings, freelancer: User
) -> None:
    csrf = sign_in_browser(client, db, settings, freelancer)
    settings.identity_max_file_bytes = 50_000
    big = ("id.png", samples.png() + b"\x00" * 200_000, "image/png")
    answer = upload(client, csrf, document=big)
    assert answer.status_code == 413 and "at most" in answer.text
    assert stored_files(settings) == [] and submission_count(db) == 0
