"""Feedback API (marketplace.md §7): the double-blind reveal at day 0, when both submitted and
after exactly 14 days; edits before and never after; private answers never reach the other
party or the public; public feedback only with money paid; one reply; who may call what; bad
input stores nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import api_headers, make_client, make_freelancer, make_user
from tests.feedback.conftest import CLIENT_BODY, END, FREELANCER_BODY
from tests.messages.support import make_contract, pay, problem
from workhall.core.clock import set_now
from workhall.feedback.models import Feedback, FeedbackPrivate

DAY = timedelta(days=1)
US = timedelta(microseconds=1)
PRIVATE_MARKERS = [
    "unresponsive",
    "PRIVATE-CONDUCT-NOTE",
    "recommend",
    "work_again",
    "work with this client again",
    "ending_reason",
    '"answer"',
    '"unprofessional"',
]


def stored(db) -> tuple[int, int]:
    return (
        db.scalar(select(func.count()).select_from(Feedback)),
        db.scalar(select(func.count()).select_from(FeedbackPrivate)),
    )


def no_private(payload: object) -> None:
    text = json.dumps(payload)
    for marker in PRIVATE_MARKERS:
        assert marker not in text, marker


def post(client, world, who: str, body=None):
    headers = world["ch"] if who == "client" else world["fh"]
    body = body or (CLIENT_BODY if who == "client" else FREELANCER_BODY)
    return client.post(world["url"], json=body, headers=headers)


def test_day_0_the_first_feedback_stays_hidden(client, db, world):
    set_now(END + timedelta(hours=1))
    r = post(client, world, "client")
    assert r.status_code == 200, r.text
    mine = r.json()
    assert mine["viewer"] == "client" and mine["revealed"] is False
    assert mine["submitted"] == ["client"] and mine["can_write"] is True
    own = mine["client_side"]
    assert own["overall"] == "4.83" and own["scores"]["availability"] == 4
    assert own["private"]["answer"] == 3 and own["private"]["ending_reason"] == "unresponsive"
    assert own["reveal_at"].startswith("2026-05-15T12:00:00")  # the end + 14 days
    theirs = client.get(world["url"], headers=world["fh"]).json()
    assert theirs["client_side"] is None and theirs["submitted"] == ["client"]
    assert theirs["revealed"] is False and theirs["can_write"] is True
    no_private(theirs)


def test_both_submitted_reveals_at_once(client, db, world):
    set_now(END + DAY)
    post(client, world, "client")
    set_now(END + 3 * DAY)
    r = post(client, world, "freelancer")
    assert r.status_code == 200, r.text
    for who, headers in (("client", world["ch"]), ("freelancer", world["fh"])):
        body = client.get(world["url"], headers=headers).json()
        assert body["revealed"] is True and body["reveal_at"].startswith("2026-05-04T12:00:00")
        assert body["client_side"]["comment"] == CLIENT_BODY["comment"]
        assert body["freelancer_side"]["overall"] == "4.67"
        assert body["can_write"] is False and body["cannot_write_reason"] == "revealed"
        other = "freelancer_side" if who == "client" else "client_side"
        assert body[other]["private"] is None
        no_private(body[other])
        mine = "client_side" if who == "client" else "freelancer_side"
        assert body[mine]["private"] is not None


def test_after_exactly_14_days_the_lone_feedback_is_revealed(client, db, world):
    set_now(END + 2 * DAY)
    post(client, world, "freelancer")
    set_now(END + 14 * DAY - US)
    hidden = client.get(world["url"], headers=world["ch"]).json()
    assert hidden["freelancer_side"] is None and hidden["revealed"] is False
    assert hidden["can_write"] is True  # the client's last instant to write
    set_now(END + 14 * DAY)
    shown = client.get(world["url"], headers=world["ch"]).json()
    assert shown["revealed"] is True and shown["freelancer_side"]["overall"] == "4.67"
    no_private(shown)
    # ...and from that instant the window is closed for the side that did not write.
    assert shown["can_write"] is False and shown["cannot_write_reason"] == "window_closed"
    assert problem(post(client, world, "client"), 409)["reason"] == "window_closed"
    assert stored(db) == (1, 1)


def test_the_last_instant_of_the_window_still_accepts_feedback(client, db, world):
    set_now(END + 14 * DAY - US)
    assert post(client, world, "client").status_code == 200


def test_edits_before_the_reveal_and_409_after(client, db, world):
    set_now(END + DAY)
    post(client, world, "client")
    set_now(END + 2 * DAY)
    edited = {**CLIENT_BODY, "scores": {**CLIENT_BODY["scores"], "availability": 5}}
    r = post(client, world, "client", edited)
    assert r.status_code == 200 and r.json()["client_side"]["overall"] == "5.00"
    row = db.scalar(select(Feedback))
    db.refresh(row)
    assert row.submitted_at == END + DAY and row.updated_at == END + 2 * DAY
    set_now(END + 3 * DAY)
    post(client, world, "freelancer")  # both in: revealed
    set_now(END + 3 * DAY + US)
    for who in ("client", "freelancer"):
        assert problem(post(client, world, who), 409)["reason"] == "revealed"
    db.refresh(row)
    assert row.availability == 5


def test_edits_are_refused_after_the_window_revealed_them(client, db, world):
    set_now(END + DAY)
    post(client, world, "client")
    set_now(END + 14 * DAY)
    assert problem(post(client, world, "client"), 409)["reason"] == "revealed"


def test_feedback_waits_for_the_end_of_the_contract(client, db, settings, world):
    active = make_contract(db, settings, world["client"], world["freelancer"])
    r = client.post(
        f"/api/v1/contracts/{active.id}/feedback", json=CLIENT_BODY, headers=world["ch"]
    )
    assert problem(r, 409)["reason"] == "not_ended"
    body = client.get(f"/api/v1/contracts/{active.id}/feedback", headers=world["ch"]).json()
    assert body["window_ends_at"] is None and body["cannot_write_reason"] == "not_ended"


def test_public_feedback_shows_on_profiles_only_with_money_paid(client, db, world):
    set_now(END + DAY)
    post(client, world, "client")
    post(client, world, "freelancer")
    handle = world["freelancer"].handle
    r = client.get(f"/api/v1/users/{handle}/feedback")  # anyone, signed out too
    assert r.status_code == 200
    assert r.json() == {"items": [], "total": 0, "average": None, "page": 1, "pages": 1}
    pay(db, world["contract"], 25_000)
    body = client.get(f"/api/v1/users/{handle}/feedback").json()
    assert body["total"] == 1 and body["average"] == "4.83"
    item = body["items"][0]
    assert item["from_role"] == "client" and item["comment"] == CLIENT_BODY["comment"]
    assert item["contract_title"] == "Booking web app"
    no_private(body)
    client_side = client.get(f"/api/v1/users/{world['client'].handle}/feedback").json()
    assert client_side["total"] == 1 and client_side["items"][0]["from_role"] == "freelancer"
    no_private(client_side)


def test_unrevealed_feedback_never_shows_on_profiles(client, db, world):
    set_now(END + DAY)
    post(client, world, "client")
    pay(db, world["contract"], 25_000)
    body = client.get(f"/api/v1/users/{world['freelancer'].handle}/feedback").json()
    assert body["total"] == 0
    problem(client.get("/api/v1/users/nobody-here/feedback"), 404)


def test_the_receiver_replies_once_after_the_reveal(client, db, world):
    pay(db, world["contract"], 10_000)
    set_now(END + DAY)
    post(client, world, "client")
    feedback_id = db.scalar(select(Feedback.id).where(Feedback.author_role == "client"))
    reply_url = f"/api/v1/feedback/{feedback_id}/reply"
    r = client.post(reply_url, json={"reply": "Thanks!"}, headers=world["fh"])
    assert problem(r, 409)["reason"] == "not_revealed"
    post(client, world, "freelancer")
    r = client.post(reply_url, json={"reply": "The author cannot"}, headers=world["ch"])
    assert problem(r, 403)["reason"] == "not_recipient"
    r = client.post(reply_url, json={"reply": "Thank you, Clara!"}, headers=world["fh"])
    assert r.status_code == 200, r.text
    assert r.json()["reply"] == "Thank you, Clara!" and r.json()["private"] is None
    no_private(r.json())
    r = client.post(reply_url, json={"reply": "Second thoughts"}, headers=world["fh"])
    assert problem(r, 409)["reason"] == "already_replied"
    shown = client.get(f"/api/v1/users/{world['freelancer'].handle}/feedback").json()
    assert shown["items"][0]["reply"] == "Thank you, Clara!"


def test_no_public_reply_without_money_paid(client, db, world):
    set_now(END + DAY)
    post(client, world, "client")
    post(client, world, "freelancer")
    feedback_id = db.scalar(select(Feedback.id).where(Feedback.author_role == "client"))
    r = client.post(
        f"/api/v1/feedback/{feedback_id}/reply", json={"reply": "Thanks"}, headers=world["fh"]
    )
    assert problem(r, 409)["reason"] == "not_public"


def test_every_endpoint_as_a_third_user_and_anonymous(client, db, settings, world):
    set_now(END + DAY)
    post(client, world, "client")
    post(client, world, "freelancer")
    pay(db, world["contract"], 10_000)
    feedback_id = db.scalar(select(Feedback.id).where(Feedback.author_role == "client"))
    reply_url = f"/api/v1/feedback/{feedback_id}/reply"
    before = stored(db)
    for third in (make_freelancer(db, settings), make_client(db, settings)):
        h = api_headers(db, settings, third)
        # A stranger learns nothing about the contract (404, as on the contract itself).
        problem(client.get(world["url"], headers=h), 404)
        problem(client.post(world["url"], json=CLIENT_BODY, headers=h), 404)
        problem(client.post(reply_url, json={"reply": "me too"}, headers=h), 404)
        public = client.get(f"/api/v1/users/{world['freelancer'].handle}/feedback", headers=h)
        assert public.status_code == 200 and public.json()["total"] == 1
        no_private(public.json())
    problem(client.get(world["url"]), 401)
    problem(client.post(world["url"], json=CLIENT_BODY), 401)
    problem(client.post(reply_url, json={"reply": "anon"}), 401)
    assert stored(db) == before
    assert db.scalar(select(Feedback.reply).where(Feedback.id == feedback_id)) is None


def test_trust_and_safety_staff_read_everything_but_write_nothing(client, db, settings, world):
    set_now(END + DAY)
    post(client, world, "client")
    staff = api_headers(db, settings, make_user(db, settings, "staff", staff_roles="trust_safety"))
    body = client.get(world["url"], headers=staff).json()
    assert body["viewer"] == "staff" and body["client_side"]["private"]["answer"] == 3
    assert body["can_write"] is False
    problem(client.post(world["url"], json=CLIENT_BODY, headers=staff), 403)
    support = api_headers(db, settings, make_user(db, settings, "staff", staff_roles="support"))
    problem(client.get(world["url"], headers=support), 404)


def scores_with(**changes):
    return {**CLIENT_BODY, "scores": {**CLIENT_BODY["scores"], **changes}}


@pytest.mark.parametrize(
    ("who", "body"),
    [
        ("client", scores_with(skills=0)),
        ("client", scores_with(skills=6)),
        ("client", scores_with(skills=4.5)),
        ("client", scores_with(skills="5")),
        ("client", scores_with(skills=True)),
        ("client", scores_with(clarity=5)),
        ("client", {**CLIENT_BODY, "scores": {"skills": 5}}),
        ("client", {**CLIENT_BODY, "comment": "x" * 5001}),
        ("client", {**CLIENT_BODY, "comment": "<script>alert(1)</script>"}),
        ("client", {**CLIENT_BODY, "comment": "Great <b>work</b>"}),
        ("client", {**CLIENT_BODY, "comment": "bad \x00 byte"}),
        ("client", {**CLIENT_BODY, "private": {"recommend": 11, "ending_reason": "completed"}}),
        ("client", {**CLIENT_BODY, "private": {"recommend": -1, "ending_reason": "completed"}}),
        ("client", {**CLIENT_BODY, "private": {"recommend": 9, "ending_reason": "bored"}}),
        ("client", {**CLIENT_BODY, "private": {"recommend": 9}}),
        ("client", {**CLIENT_BODY, "private": {"work_again": 9, "ending_reason": "completed"}}),
        ("client", {**CLIENT_BODY, "private": {"ending_reason": "completed"}}),
        ("client", {**CLIENT_BODY, "extra": 1}),
        ("client", {"scores": CLIENT_BODY["scores"]}),
        ("client", {**CLIENT_BODY, "scores": FREELANCER_BODY["scores"]}),
        ("freelancer", {**FREELANCER_BODY, "private": {"work_again": 5, "unprofessional": True}}),
        (
            "freelancer",
            {**FREELANCER_BODY, "private": {"work_again": 5, "unprofessional_reason": "why"}},
        ),
        ("freelancer", {**FREELANCER_BODY, "private": {"recommend": 5}}),
        (
            "freelancer",
            {**FREELANCER_BODY, "private": {"work_again": 5, "ending_reason": "completed"}},
        ),
        (
            "freelancer",
            {
                **FREELANCER_BODY,
                "private": {
                    "work_again": 5,
                    "unprofessional": True,
                    "unprofessional_reason": "<i>rude</i>",
                },
            },
        ),
    ],
)
def test_bad_input_is_a_422_and_stores_nothing(client, db, world, who, body):
    set_now(END + DAY)
    problem(post(client, world, who, body), 422)
    assert stored(db) == (0, 0)


def test_bad_replies_store_nothing(client, db, world):
    pay(db, world["contract"], 10_000)
    set_now(END + DAY)
    post(client, world, "client")
    post(client, world, "freelancer")
    feedback_id = db.scalar(select(Feedback.id).where(Feedback.author_role == "client"))
    url = f"/api/v1/feedback/{feedback_id}/reply"
    for body in [{"reply": ""}, {"reply": "  "}, {"reply": "x" * 5001}, {"reply": "<b>hi</b>"}, {}]:
        problem(client.post(url, json=body, headers=world["fh"]), 422)
    assert db.scalar(select(Feedback.reply).where(Feedback.id == feedback_id)) is None
    problem(
        client.post("/api/v1/feedback/99999999/reply", json={"reply": "x"}, headers=world["fh"]),
        404,
    )
