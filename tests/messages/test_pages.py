"""Message pages (quality.md §3): the inbox with unread badges, a conversation with its send
form (htmx appends a fragment; without JavaScript the form posts and redirects), user text
escaped with links made safe, the proposal page's "Message" button, and who may see what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.factories import make_client, make_freelancer
from tests.messages.support import make_contract, make_proposal, sign_in, well_formed
from workhall.core.clock import set_now
from workhall.messages import service
from workhall.messages.models import Message, Thread

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HOSTILE = "<script>alert('x')</script> see https://example.com/a?b=1&c=2 now"


def messages(db) -> int:
    return db.scalar(select(func.count()).select_from(Message))


def opened(db, settings, body="Hello from the client"):
    set_now(T0)
    client_user = make_client(db, settings, name="Clara Client")
    freelancer = make_freelancer(db, settings, name="Fred Freelancer")
    proposal = make_proposal(db, settings, client_user, freelancer)
    thread = service.open_proposal_thread(db, client_user, proposal.id)
    service.send_message(db, settings, client_user, thread.id, body)
    return client_user, freelancer, proposal, thread


def test_inbox_lists_threads_with_unread_badges(client, db, settings):
    _, freelancer, _, thread = opened(db, settings)
    csrf = sign_in(client, db, settings, freelancer)
    r = client.get("/messages")
    assert r.status_code == 200
    html = r.text
    assert "Clara Client" in html and f'href="/messages/{thread.id}"' in html
    assert '1<span class="visually-hidden"> unread</span>' in html
    assert "/static/js/messages.js" in html
    well_formed(html, csrf)
    badge = client.get("/messages/unread-badge")
    assert badge.status_code == 200 and ">1<" in badge.text


def test_a_conversation_escapes_text_and_links_safely_and_marks_read(client, db, settings):
    _, freelancer, _, thread = opened(db, settings, HOSTILE)
    csrf = sign_in(client, db, settings, freelancer)
    r = client.get(f"/messages/{thread.id}")
    assert r.status_code == 200
    html = r.text
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc" '
        'target="_blank">' in html
    )
    assert 'id="send-form"' in html and 'hx-post="/messages/' in html
    well_formed(html, csrf)
    assert client.get("/messages/unread-badge").text.strip() == ""


def test_sending_without_javascript_redirects_to_the_message(client, db, settings):
    _, freelancer, _, thread = opened(db, settings)
    csrf = sign_in(client, db, settings, freelancer)
    r = client.post(
        f"/messages/{thread.id}",
        data={"csrf_token": csrf, "body": "Happy to help!"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    last = db.scalar(select(Message).order_by(Message.id.desc()))
    assert r.headers["location"] == f"/messages/{thread.id}#m-{last.id}"
    assert last.body == "Happy to help!" and last.sender_id == freelancer.id


def test_sending_with_htmx_returns_the_new_messages_fragment(client, db, settings):
    client_user, freelancer, _, thread = opened(db, settings)
    first_id = thread.last_message_id
    csrf = sign_in(client, db, settings, freelancer)
    r = client.post(
        f"/messages/{thread.id}",
        data={"body": "On my way <b>now</b>", "after": str(first_id)},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 200
    assert "<html" not in r.text and "On my way &lt;b&gt;now&lt;/b&gt;" in r.text
    assert 'id="after-id"' in r.text and 'hx-swap-oob="true"' in r.text
    assert "wh-msg-mine" in r.text
    # Polling brings the other side's new messages.
    service.send_message(db, settings, client_user, thread.id, "Great, see you Monday")
    last = db.scalar(select(Message.id).order_by(Message.id.desc()))
    poll = client.get(f"/messages/{thread.id}/since", params={"after": last - 1})
    assert "see you Monday" in poll.text and f'value="{last}"' in poll.text


def test_htmx_errors_are_plain_text_and_store_nothing(client, db, settings):
    _, freelancer, _, thread = opened(db, settings)
    csrf = sign_in(client, db, settings, freelancer)
    before = messages(db)
    r = client.post(
        f"/messages/{thread.id}",
        data={"body": "x" * 5001},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/plain")
    assert "5,000" in r.text and messages(db) == before


def test_form_errors_keep_the_text(client, db, settings):
    _, freelancer, _, thread = opened(db, settings)
    csrf = sign_in(client, db, settings, freelancer)
    r = client.post(f"/messages/{thread.id}", data={"csrf_token": csrf, "body": "   "})
    assert r.status_code == 400 and "Write something first." in r.text
    long = "y" * 5001
    r = client.post(f"/messages/{thread.id}", data={"csrf_token": csrf, "body": long})
    assert r.status_code == 400 and long in r.text
    assert messages(db) == 1


def test_the_send_form_needs_the_csrf_token(client, db, settings):
    _, freelancer, _, thread = opened(db, settings)
    sign_in(client, db, settings, freelancer)
    r = client.post(f"/messages/{thread.id}", data={"body": "forged"})
    assert r.status_code == 403 and messages(db) == 1


def test_the_clients_proposal_page_has_a_message_button(client, db, settings):
    set_now(T0)
    client_user = make_client(db, settings)
    proposal = make_proposal(db, settings, client_user)
    csrf = sign_in(client, db, settings, client_user)
    page = client.get(f"/proposals/{proposal.id}")
    assert f'href="/proposals/{proposal.id}/messages"' in page.text
    start = client.get(f"/proposals/{proposal.id}/messages")
    assert start.status_code == 200 and "moves this proposal to interviewing" in start.text
    well_formed(start.text, csrf)
    r = client.post(
        f"/proposals/{proposal.id}/messages",
        data={"csrf_token": csrf, "body": "Can we talk?"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    thread = db.scalar(select(Thread))
    assert r.headers["location"].startswith(f"/messages/{thread.id}#m-")
    db.refresh(proposal)
    assert proposal.status == "interviewing"
    again = client.get(f"/proposals/{proposal.id}/messages", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/messages/{thread.id}"


def test_a_freelancer_cannot_start_on_the_proposal_page(client, db, settings):
    set_now(T0)
    freelancer = make_freelancer(db, settings)
    proposal = make_proposal(db, settings, freelancer=freelancer)
    csrf = sign_in(client, db, settings, freelancer)
    r = client.post(
        f"/proposals/{proposal.id}/messages", data={"csrf_token": csrf, "body": "Hire me"}
    )
    assert r.status_code == 400 and "once the client has written" in r.text
    assert messages(db) == 0


def test_contract_message_pages(client, db, settings):
    set_now(T0)
    contract = make_contract(db, settings)
    freelancer = db.get(type(make_client(db, settings)), contract.freelancer_id)
    csrf = sign_in(client, db, settings, freelancer)
    assert client.get(f"/contracts/{contract.id}/messages").status_code == 200
    r = client.post(
        f"/contracts/{contract.id}/messages",
        data={"csrf_token": csrf, "body": "Milestone 1 is ready for review."},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert db.scalar(select(Thread.kind)) == "contract"


def test_strangers_and_anonymous(client, db, settings):
    _, _, proposal, thread = opened(db, settings)
    contract = make_contract(db, settings)
    anonymous = [
        f"/messages/{thread.id}",
        "/messages",
        f"/proposals/{proposal.id}/messages",
        f"/contracts/{contract.id}/messages",
    ]
    for path in anonymous:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert client.get("/messages/unread-badge").text.strip() == ""
    poll = client.get(f"/messages/{thread.id}/since", headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll.headers["HX-Redirect"].startswith("/login?next=")
    stranger = make_freelancer(db, settings)
    csrf = sign_in(client, db, settings, stranger)
    assert client.get(f"/messages/{thread.id}").status_code == 403
    assert client.get(f"/messages/{thread.id}/since").status_code == 403
    assert client.get(f"/proposals/{proposal.id}/messages").status_code == 403
    assert client.get(f"/contracts/{contract.id}/messages").status_code == 404
    for path in [f"/messages/{thread.id}", f"/proposals/{proposal.id}/messages"]:
        r = client.post(path, data={"csrf_token": csrf, "body": "let me in"})
        assert r.status_code == 403, path
    r = client.post(f"/contracts/{contract.id}/messages", data={"csrf_token": csrf, "body": "x"})
    assert r.status_code == 404
    assert messages(db) == 1
    assert "No conversations yet" in client.get("/messages").text


def test_old_messages_page_back(client, db, settings):
    client_user, freelancer, _, thread = opened(db, settings, "message 0")
    for n in range(1, 55):
        set_now(T0 + timedelta(minutes=n))
        service.send_message(db, settings, client_user, thread.id, f"message {n}")
    sign_in(client, db, settings, freelancer)
    html = client.get(f"/messages/{thread.id}").text
    assert "message 54" in html and "Show older messages" in html and ">message 3<" not in html
    oldest = db.scalar(select(Message.id).where(Message.body == "message 5"))
    older = client.get(f"/messages/{thread.id}", params={"before": oldest}).text
    assert ">message 0<" in older and "Back to the latest messages" in older
    assert 'id="send-form"' not in older
