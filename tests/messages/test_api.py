"""Message API (marketplace.md §3, §8): the client writes first and that moves the proposal to
interviewing; contract threads; read markers and unread counts; the email throttle; who may
read and write; bad input stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import api_headers, make_client, make_freelancer, make_user
from tests.messages.support import end_contract, make_contract, make_proposal, problem
from workhall.core.clock import set_now
from workhall.messages.models import Message, Thread
from workhall.notifications.models import Notification, OutboxEmail
from workhall.proposals.service import decline

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def emails_to(db, user) -> list[OutboxEmail]:
    """The message emails queued for ``user`` (sign-up sends others)."""
    return list(
        db.scalars(
            select(OutboxEmail).where(
                OutboxEmail.user_id == user.id, OutboxEmail.subject.like("%sent you a message%")
            )
        )
    )


@pytest.fixture
def world(db, settings):
    set_now(T0)
    client = make_client(db, settings)
    freelancer = make_freelancer(db, settings)
    proposal = make_proposal(db, settings, client, freelancer)
    return {
        "client": client,
        "freelancer": freelancer,
        "proposal": proposal,
        "ch": api_headers(db, settings, client),
        "fh": api_headers(db, settings, freelancer),
    }


def first_message(client, world, body="Hi! Could you start next week?"):
    r = client.post(
        f"/api/v1/proposals/{world['proposal'].id}/messages",
        json={"body": body},
        headers=world["ch"],
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_the_clients_first_message_moves_the_proposal_to_interviewing(client, db, world):
    set_now(T0 + timedelta(hours=2))
    sent = first_message(client, world)
    p = world["proposal"]
    db.refresh(p)
    assert p.status == "interviewing"
    # spec §3: each transition is time-stamped; a message counts as a view too.
    assert p.interviewing_at == T0 + timedelta(hours=2)
    assert p.viewed_at == T0 + timedelta(hours=2)
    assert sent["message"]["mine"] is True and sent["message"]["body"].startswith("Hi!")
    thread = db.get(Thread, sent["thread_id"])
    assert thread.kind == "proposal" and thread.client_wrote_at == T0 + timedelta(hours=2)
    # A later message does not stamp again.
    set_now(T0 + timedelta(hours=3))
    first_message(client, world, "And one more thing.")
    db.refresh(p)
    assert p.interviewing_at == T0 + timedelta(hours=2)


def test_a_freelancer_cannot_write_first_on_a_proposal(client, db, world):
    r = client.post(
        f"/api/v1/proposals/{world['proposal'].id}/messages",
        json={"body": "Please hire me!"},
        headers=world["fh"],
    )
    assert problem(r, 403)["reason"] == "client_first"
    assert count(db, Thread) == 0 and count(db, Message) == 0
    db.refresh(world["proposal"])
    assert world["proposal"].status == "submitted"


def test_the_freelancer_replies_after_the_client_wrote(client, db, world):
    thread_id = first_message(client, world)["thread_id"]
    r = client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"body": "Yes, I can."}, headers=world["fh"]
    )
    assert r.status_code == 201, r.text
    r = client.post(
        f"/api/v1/proposals/{world['proposal'].id}/messages",
        json={"body": "Monday works."},
        headers=world["fh"],
    )
    assert r.status_code == 201 and r.json()["thread_id"] == thread_id
    assert count(db, Thread) == 1 and count(db, Message) == 3


def test_unread_counts_and_read_markers(client, db, world):
    thread_id = first_message(client, world)["thread_id"]
    first_message(client, world, "Second message")
    listing = client.get("/api/v1/threads", headers=world["fh"]).json()
    assert listing["unread_total"] == 2 and listing["total"] == 1
    item = listing["items"][0]
    assert item["unread"] == 2 and item["kind"] == "proposal"
    assert item["other"]["id"] == world["client"].id and item["other"]["role"] == "client"
    assert item["last_message_excerpt"] == "Second message"
    # The sender has read its own messages.
    assert client.get("/api/v1/threads", headers=world["ch"]).json()["unread_total"] == 0
    # Reading the thread marks it read, and reads its "new message" notification.
    r = client.get(f"/api/v1/threads/{thread_id}", headers=world["fh"])
    assert r.status_code == 200
    body = r.json()
    assert [m["body"] for m in body["messages"]] == [
        "Hi! Could you start next week?",
        "Second message",
    ]
    assert body["can_write"] is True and body["client"]["id"] == world["client"].id
    assert client.get("/api/v1/threads", headers=world["fh"]).json()["unread_total"] == 0
    unread = db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == world["freelancer"].id, Notification.read_at.is_(None))
    )
    assert unread == 0
    # The client sees the freelancer has read up to the last message.
    seen = client.get(f"/api/v1/threads/{thread_id}", headers=world["ch"]).json()
    assert seen["other_read_up_to"] == body["messages"][-1]["id"]


def test_one_email_per_thread_and_recipient_per_15_minutes(client, db, world):
    first_message(client, world, "one")
    set_now(T0 + timedelta(minutes=5))
    first_message(client, world, "two")
    set_now(T0 + timedelta(minutes=14, seconds=59))
    first_message(client, world, "three")
    assert len(emails_to(db, world["freelancer"])) == 1
    mail = emails_to(db, world["freelancer"])[0]
    assert "one" in mail.body and "/messages/" in mail.body
    # One unread in-app notification for the busy thread, not three.
    notes = db.scalars(
        select(Notification).where(Notification.user_id == world["freelancer"].id)
    ).all()
    assert len(notes) == 1 and notes[0].kind == "new_message"
    set_now(T0 + timedelta(minutes=15))
    first_message(client, world, "four")
    assert len(emails_to(db, world["freelancer"])) == 2


def test_messages_are_paginated_newest_first_pages(client, db, settings, world):
    thread_id = first_message(client, world, "message 0")["thread_id"]
    for n in range(1, 60):
        first_message(client, world, f"message {n}")
    latest = client.get(f"/api/v1/threads/{thread_id}", headers=world["fh"]).json()
    assert len(latest["messages"]) == settings.messages_page_size == 50
    assert latest["messages"][-1]["body"] == "message 59" and latest["has_older"] is True
    oldest_id = latest["messages"][0]["id"]
    older = client.get(
        f"/api/v1/threads/{thread_id}", params={"before_id": oldest_id}, headers=world["fh"]
    ).json()
    assert [m["body"] for m in older["messages"]] == [f"message {n}" for n in range(10)]
    assert older["has_older"] is False


def test_plain_text_is_stored_as_typed(client, db, world):
    text = "<script>alert('x')</script> & <b>bold</b> https://example.com"
    sent = first_message(client, world, text)
    assert sent["message"]["body"] == text
    assert db.scalar(select(Message.body)) == text


@pytest.mark.parametrize(
    "body",
    [
        {"body": ""},
        {"body": "   \n  "},
        {"body": "x" * 5001},
        {"body": "bell \x07"},
        {"body": 42},
        {"body": None},
        {},
        {"body": "ok", "extra": 1},
        {"body": "x" * 20_001},
    ],
)
def test_bad_input_is_a_422_and_stores_nothing(client, db, world, body):
    r = client.post(
        f"/api/v1/proposals/{world['proposal'].id}/messages", json=body, headers=world["ch"]
    )
    problem(r, 422)
    assert count(db, Thread) == 0 and count(db, Message) == 0
    db.refresh(world["proposal"])
    assert world["proposal"].status == "submitted"


def test_a_declined_proposal_cannot_start_a_conversation(client, db, settings, world):
    decline(db, settings, world["client"], world["proposal"].id)
    r = client.post(
        f"/api/v1/proposals/{world['proposal'].id}/messages",
        json={"body": "Sorry, one question"},
        headers=world["ch"],
    )
    assert problem(r, 409)["reason"] == "closed"
    assert count(db, Message) == 0


def test_a_conversation_under_way_outlives_the_decline_by_30_days(client, db, settings, world):
    thread_id = first_message(client, world)["thread_id"]
    set_now(T0 + timedelta(days=1))
    decline(db, settings, world["client"], world["proposal"].id)
    set_now(T0 + timedelta(days=31))
    r = client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"body": "Why?"}, headers=world["fh"]
    )
    assert r.status_code == 201, r.text
    set_now(T0 + timedelta(days=31, seconds=1))
    r = client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"body": "Hello?"}, headers=world["fh"]
    )
    problem(r, 409)
    assert (
        client.get(f"/api/v1/threads/{thread_id}", headers=world["fh"]).json()[
            "cannot_write_reason"
        ]
        == "closed"
    )


def test_contract_threads_open_to_both_until_30_days_after_the_end(client, db, settings, world):
    contract = make_contract(db, settings, world["client"], world["freelancer"])
    r = client.post(
        f"/api/v1/contracts/{contract.id}/messages",
        json={"body": "Kick-off notes attached in the repo."},
        headers=world["fh"],
    )
    assert r.status_code == 201, r.text
    thread_id = r.json()["thread_id"]
    assert db.get(Thread, thread_id).kind == "contract"
    end_contract(db, contract, T0 + timedelta(days=2))
    set_now(T0 + timedelta(days=32))
    r = client.post(
        f"/api/v1/contracts/{contract.id}/messages", json={"body": "Thanks!"}, headers=world["ch"]
    )
    assert r.status_code == 201 and r.json()["thread_id"] == thread_id
    set_now(T0 + timedelta(days=32, microseconds=1))
    r = client.post(
        f"/api/v1/threads/{thread_id}/messages", json={"body": "Late"}, headers=world["ch"]
    )
    assert problem(r, 409)["reason"] == "closed"
    # Still readable.
    assert client.get(f"/api/v1/threads/{thread_id}", headers=world["ch"]).status_code == 200


def test_not_found(client, db, world):
    for path in ["/api/v1/threads/999999", "/api/v1/threads/999999/messages"]:
        r = client.request(
            "GET" if path.endswith("999999") else "POST",
            path,
            json={"body": "x"},
            headers=world["ch"],
        )
        problem(r, 404)
    for path in ["/api/v1/proposals/999999/messages", "/api/v1/contracts/999999/messages"]:
        problem(client.post(path, json={"body": "x"}, headers=world["ch"]), 404)


def test_every_endpoint_refuses_third_users_and_anonymous(client, db, settings, world):
    thread_id = first_message(client, world)["thread_id"]
    contract = make_contract(db, settings, world["client"], world["freelancer"])
    outsiders = {
        "freelancer": api_headers(db, settings, make_freelancer(db, settings)),
        "client": api_headers(db, settings, make_client(db, settings)),
        "support staff": api_headers(
            db, settings, make_user(db, settings, "staff", staff_roles="support")
        ),
    }
    posts = [
        f"/api/v1/threads/{thread_id}/messages",
        f"/api/v1/proposals/{world['proposal'].id}/messages",
        f"/api/v1/contracts/{contract.id}/messages",
    ]
    before = count(db, Message)
    for who, headers in outsiders.items():
        problem(client.get(f"/api/v1/threads/{thread_id}", headers=headers), 403)
        for path in posts:
            r = client.post(path, json={"body": "let me in"}, headers=headers)
            # A stranger learns nothing about a contract (404), as on the contract itself.
            expected = 404 if "/contracts/" in path else 403
            assert r.status_code == expected, (who, path, r.text)
        listing = client.get("/api/v1/threads", headers=headers).json()
        assert listing["items"] == [] and listing["unread_total"] == 0
    for path in posts:
        problem(client.post(path, json={"body": "anonymous"}), 401)
    problem(client.get(f"/api/v1/threads/{thread_id}"), 401)
    problem(client.get("/api/v1/threads"), 401)
    assert count(db, Message) == before


@pytest.mark.parametrize("role", ["trust_safety", "admin"])
def test_trust_and_safety_staff_read_but_never_write(client, db, settings, world, role):
    thread_id = first_message(client, world)["thread_id"]
    staff = api_headers(db, settings, make_user(db, settings, "staff", staff_roles=role))
    r = client.get(f"/api/v1/threads/{thread_id}", headers=staff)
    assert r.status_code == 200
    body = r.json()
    assert body["can_write"] is False and body["cannot_write_reason"] == "moderator"
    assert body["other_read_up_to"] is None and len(body["messages"]) == 1
    problem(
        client.post(f"/api/v1/threads/{thread_id}/messages", json={"body": "hi"}, headers=staff),
        403,
    )
    # Reading as staff does not mark anything read for the participants.
    assert client.get("/api/v1/threads", headers=world["fh"]).json()["unread_total"] == 1


def test_a_hired_proposal_can_still_be_messaged_without_moving_it(client, db, settings, world):
    from workhall.proposals.service import mark_hired

    mark_hired(db, world["proposal"], settings)
    first_message(client, world)
    db.refresh(world["proposal"])
    assert world["proposal"].status == "hired" and world["proposal"].interviewing_at is None
