"""The community forum (reputation.md §2.5 "Community area: forum categories and posts readable
and writable only by Top Rated freelancers (and staff)"): service rules, the access matrix on
the pages, moderation, escaping, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.community.conftest import count, evaluate, make_staff, make_top_rated
from tests.factories import make_client, make_freelancer, sign_in_browser
from workhall.audit.models import AuditEvent
from workhall.community import service
from workhall.community.models import ForumCategory, ForumPost, ForumThread
from workhall.community.seed import seed_default_content
from workhall.core.clock import utcnow
from workhall.core.errors import Conflict, Forbidden, NotFound, Unprocessable


@pytest.fixture
def category(db, settings):
    editor = make_staff(db, settings, "support")
    return service.create_category(db, editor, "Winning work", "Proposals and pricing")


def test_top_rated_start_and_reply(db, settings, category):
    a, b = make_top_rated(db, settings), make_top_rated(db, settings, "top_rated_plus")
    t = service.start_thread(db, a, category.id, "Pricing?", "How do you price?")
    service.reply(db, b, t.id, "Per milestone.")
    assert t.reply_count == 1
    assert [p.body for p in service.posts_of(db, a, t)] == ["How do you price?", "Per milestone."]
    rows = service.categories(db, b)
    assert [(r.category.slug, r.threads) for r in rows] == [("winning-work", 1)]


@pytest.mark.parametrize("who", ["freelancer", "client", "former", "staff_reader"])
def test_who_may_read_and_write(db, settings, category, who):
    if who == "freelancer":
        user = make_freelancer(db, settings)
    elif who == "client":
        user = make_client(db, settings)
    elif who == "former":
        user = make_top_rated(db, settings)
        evaluate(db, user, "none", at=utcnow() - timedelta(hours=1))  # badge lost since
    else:
        user = make_staff(db, settings, "trust_safety")
    if who == "staff_reader":
        t = service.start_thread(db, user, category.id, "Welcome", "Hello from staff.")
        assert service.thread_for(db, user, t.id) is t
        return
    with pytest.raises(Forbidden):
        service.categories(db, user)
    with pytest.raises(Forbidden):
        service.start_thread(db, user, category.id, "Hi", "Hello")
    assert count(db, ForumThread) == 0


@pytest.mark.parametrize(
    ("title", "body"), [("", "x"), ("x" * 151, "x"), ("Hi", " "), ("Hi", "x" * 10_001)]
)
def test_bad_input_writes_nothing(db, settings, category, title, body):
    user = make_top_rated(db, settings)
    with pytest.raises(Unprocessable):
        service.start_thread(db, user, category.id, title, body)
    assert count(db, ForumThread) == 0 and count(db, ForumPost) == 0


def test_categories_by_support_or_admin_only(db, settings, category):
    with pytest.raises(Conflict):
        service.create_category(db, make_staff(db, settings, "admin"), "Winning  work!")
    for outsider in (make_staff(db, settings, "trust_safety"), make_top_rated(db, settings)):
        with pytest.raises(Forbidden):
            service.create_category(db, outsider, "Other")
    with pytest.raises(Unprocessable):
        service.create_category(db, make_staff(db, settings, "admin"), "!!!")


def test_moderation_hides_post_and_thread(db, settings, category):
    author, reader = make_top_rated(db, settings), make_top_rated(db, settings)
    mod = make_staff(db, settings, "trust_safety")
    t = service.start_thread(db, author, category.id, "Spam", "Buy followers")
    reply = service.reply(db, reader, t.id, "Reported.")
    service.set_post_hidden(db, mod, reply.id, True)
    assert [p.body for p in service.posts_of(db, reader, t)] == ["Buy followers"]
    assert len(service.posts_of(db, mod, t)) == 2  # staff still see it, marked
    opening = service.posts_of(db, mod, t)[0]
    service.set_post_hidden(db, mod, opening.id, True)
    assert t.hidden and service.threads_in(db, reader, category) == []
    with pytest.raises(NotFound):
        service.thread_for(db, reader, t.id)
    with pytest.raises(Forbidden):
        service.set_post_hidden(db, reader, opening.id, False)
    service.set_post_hidden(db, mod, opening.id, False)
    assert not t.hidden
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "forum_post"))
    assert list(actions) == ["community.post_hide", "community.post_hide", "community.post_restore"]


# --- pages ---------------------------------------------------------------------------------------


def test_locked_page_for_everyone_else(db, settings, client, category):
    db.commit()
    page = client.get("/community")  # anonymous
    assert page.status_code == 403 and "Sign in" in page.text and "Top Rated" in page.text
    sign_in_browser(client, db, settings, make_freelancer(db, settings))
    for url in ("/community", f"/community/{category.slug}", "/community/t/1"):
        page = client.get(url)
        assert page.status_code == 403, url
        assert "How to earn Top Rated" in page.text and "/stats" in page.text
    sign_in_browser(client, db, settings, make_client(db, settings))
    page = client.get("/community")
    assert page.status_code == 403 and "look for the badge" in page.text


def test_plain_freelancer_cannot_post_even_with_a_form(db, settings, client, category):
    csrf = sign_in_browser(client, db, settings, make_freelancer(db, settings))
    r = client.post(
        f"/community/{category.slug}/threads", data={"csrf_token": csrf, "title": "t", "body": "b"}
    )
    assert r.status_code == 403 and count(db, ForumThread) == 0


def test_top_rated_posts_and_script_is_escaped(db, settings, client, category):
    user = make_top_rated(db, settings, name="Ada Star")
    csrf = sign_in_browser(client, db, settings, user)
    assert "Winning work" in client.get("/community").text
    r = client.post(
        f"/community/{category.slug}/threads",
        data={"csrf_token": csrf, "title": "<b>Hi</b>", "body": "<script>alert(1)</script>"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    t = db.scalar(select(ForumThread))
    assert t is not None
    page = client.get(f"/community/t/{t.id}")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        and "&lt;b&gt;Hi&lt;/b&gt;" in page.text
    )
    r = client.post(
        f"/community/t/{t.id}/replies",
        data={"csrf_token": csrf, "body": "   "},
        follow_redirects=False,
    )
    # The thread again, with the message and the reply as typed; nothing stored.
    assert r.status_code == 422 and count(db, ForumPost) == 1
    assert "Write the reply" in r.text and 'id="reply-body"' in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_refused_new_thread_keeps_what_was_typed(db, settings, client, category):
    user = make_top_rated(db, settings)
    csrf = sign_in_browser(client, db, settings, user)
    r = client.post(
        f"/community/{category.slug}/threads",
        data={"csrf_token": csrf, "title": "How do you <price>?", "body": ""},
        follow_redirects=False,
    )
    assert r.status_code == 422 and count(db, ForumThread) == 0
    assert "Write the post" in r.text
    assert 'value="How do you &lt;price&gt;?"' in r.text


def test_staff_pages_create_and_moderate(db, settings, client, category):
    author = make_top_rated(db, settings)
    t = service.start_thread(db, author, category.id, "Hello", "Off-topic ad")
    csrf = sign_in_browser(client, db, settings, make_staff(db, settings, "support"))
    assert client.get("/staff/community").status_code == 200
    r = client.post(
        "/staff/community/categories",
        data={"csrf_token": csrf, "name": "Tools", "description": "Apps we use"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert db.scalar(select(ForumCategory).where(ForumCategory.slug == "tools")) is not None
    post = db.scalar(select(ForumPost))
    assert post is not None
    r = client.post(
        f"/community/posts/{post.id}/hide", data={"csrf_token": csrf}, follow_redirects=False
    )
    db.refresh(t)
    assert r.status_code == 303 and t.hidden
    sign_in_browser(client, db, settings, make_staff(db, settings, "trust_safety"))
    assert client.get("/staff/community").status_code == 403


def test_seed_is_idempotent(db, settings):
    assert seed_default_content(db) == (5, 5)
    assert seed_default_content(db) == (0, 0)
    assert count(db, ForumCategory) == 5
