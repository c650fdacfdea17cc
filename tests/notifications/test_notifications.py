"""Notifications (marketplace.md §8): the API and the page list them newest first with the
unread marked, one or all can be marked read, only one's own; the nav's unread count; the
outbox is delivered once even by two workers at the same time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import api_headers, make_client, make_freelancer
from tests.messages.support import problem, sign_in, well_formed
from workhall.core.clock import set_now
from workhall.notifications import service
from workhall.notifications.models import Notification, OutboxEmail

T0 = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def seed(db, user, n: int = 3) -> list[Notification]:
    made = []
    for i in range(n):
        set_now(T0 + timedelta(minutes=i))
        made.append(
            service.notify(
                db, user, "test", f"Note {i} <b>bold</b>", f"/somewhere/{i}", email=False
            )
        )
    db.flush()
    return made  # type: ignore[return-value]


def test_api_lists_newest_first_and_marks_read(client, db, settings):
    user = make_freelancer(db, settings)
    headers = api_headers(db, settings, user)
    notes = seed(db, user)
    body = client.get("/api/v1/notifications", headers=headers).json()
    assert [n["text"] for n in body["items"]] == [
        "Note 2 <b>bold</b>",
        "Note 1 <b>bold</b>",
        "Note 0 <b>bold</b>",
    ]
    assert body["unread"] == 3 and body["total"] == 3 and body["items"][0]["read"] is False
    r = client.post("/api/v1/notifications/read", json={"ids": [notes[0].id]}, headers=headers)
    assert r.json() == {"updated": 1, "unread": 2}
    # Repeating changes nothing.
    again = client.post("/api/v1/notifications/read", json={"ids": [notes[0].id]}, headers=headers)
    assert again.json() == {"updated": 0, "unread": 2}
    only_unread = client.get("/api/v1/notifications?unread=true", headers=headers).json()
    assert only_unread["total"] == 2
    r = client.post("/api/v1/notifications/read", json={"all": True}, headers=headers)
    assert r.json() == {"updated": 2, "unread": 0}


def test_others_notifications_are_untouched(client, db, settings):
    owner, other = make_freelancer(db, settings), make_client(db, settings)
    notes = seed(db, owner)
    headers = api_headers(db, settings, other)
    r = client.post(
        "/api/v1/notifications/read", json={"ids": [n.id for n in notes]}, headers=headers
    )
    assert r.json() == {"updated": 0, "unread": 0}
    assert client.get("/api/v1/notifications", headers=headers).json()["items"] == []
    assert service.unread_count(db, owner.id) == 3
    problem(client.get("/api/v1/notifications"), 401)
    problem(client.post("/api/v1/notifications/read", json={"all": True}), 401)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": [], "all": False},
        {"ids": [1], "all": True},
        {"ids": [0]},
        {"ids": ["1"]},
        {"ids": list(range(1, 502))},
        {"all": "yes"},
        {"everything": True},
    ],
)
def test_bad_mark_read_bodies(client, db, settings, body):
    user = make_freelancer(db, settings)
    seed(db, user, 1)
    problem(
        client.post(
            "/api/v1/notifications/read", json=body, headers=api_headers(db, settings, user)
        ),
        422,
    )
    assert service.unread_count(db, user.id) == 1


def test_the_page_highlights_unread_and_marks_read(client, db, settings):
    user = make_client(db, settings)
    notes = seed(db, user)
    csrf = sign_in(client, db, settings, user)
    html = client.get("/notifications").text
    assert html.index("Note 2") < html.index("Note 1") < html.index("Note 0")
    assert html.count("wh-notification-unread") == 3 and "&lt;b&gt;bold&lt;/b&gt;" in html
    well_formed(html, csrf)
    assert ">3<" in client.get("/notifications/unread-badge").text
    r = client.post(
        f"/notifications/{notes[1].id}/read", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.get("/notifications").text.count("wh-notification-unread") == 2
    r = client.post(
        f"/notifications/{notes[0].id}/open", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/somewhere/0"
    r = client.post("/notifications/read-all", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and service.unread_count(db, user.id) == 0
    assert client.get("/notifications/unread-badge").text.strip() == ""


def test_the_page_refuses_others_and_forged_forms(client, db, settings):
    owner = make_freelancer(db, settings)
    [note] = seed(db, owner, 1)
    stranger = make_client(db, settings)
    csrf = sign_in(client, db, settings, stranger)
    assert (
        client.post(f"/notifications/{note.id}/read", data={"csrf_token": csrf}).status_code == 404
    )
    assert (
        client.post(f"/notifications/{note.id}/open", data={"csrf_token": csrf}).status_code == 404
    )
    assert client.post("/notifications/read-all", data={}).status_code == 403
    assert service.unread_count(db, owner.id) == 1
    client.cookies.clear()
    r = client.get("/notifications", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/notifications/unread-badge").text.strip() == ""


def test_links_that_leave_the_site_are_never_followed(db, settings):
    assert service.safe_link("/messages/4") == "/messages/4"
    for bad in ["https://evil.example", "//evil.example", "/\\evil", "javascript:x", None, ""]:
        assert service.safe_link(bad) is None


def test_collapsing_keeps_one_unread_notification_per_link(db, settings):
    user = make_freelancer(db, settings)
    for _ in range(3):
        service.notify(
            db, user, "new_message", "x", "/messages/1", email=False, collapse_unread=True
        )
    assert service.unread_count(db, user.id) == 1
    service.mark_read(db, user.id, None)
    service.notify(db, user, "new_message", "x", "/messages/1", email=False, collapse_unread=True)
    assert service.unread_count(db, user.id) == 1


def test_email_links_are_absolute(db, settings):
    user = make_freelancer(db, settings)
    service.notify(
        db, user, "k", "Hello", "/messages/7", email_body="Body", base_url="https://wh.test/"
    )
    body = db.scalar(select(OutboxEmail.body).where(OutboxEmail.subject == "Hello"))
    assert body == "Hello\n\nBody\n\nhttps://wh.test/messages/7"


def test_two_workers_deliver_each_email_once(committed_db, settings, monkeypatch):
    with committed_db.unit_of_work() as s:
        for i in range(25):
            service.queue_email(s, f"user{i}@example.com", f"Subject {i}", "Body")
    sent: list[int] = []
    lock = threading.Lock()

    def fake_send(row, _settings):  # type: ignore[no-untyped-def]
        with lock:
            sent.append(row.id)

    monkeypatch.setattr(service, "_send", fake_send)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            with committed_db.unit_of_work() as s:
                service.deliver_outbox(s, settings)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 25
    with committed_db.unit_of_work(write=False) as s:
        unsent = s.scalar(
            select(func.count()).select_from(OutboxEmail).where(OutboxEmail.sent_at.is_(None))
        )
        assert unsent == 0
