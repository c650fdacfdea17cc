"""The message rules, table-driven (marketplace.md §3, §8; docs/messages-and-feedback.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import Markup

from workhall.messages import rules
from workhall.messages.text import linkify

T = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("kind", "sender", "client_wrote", "closed_at", "now", "expected"),
    [
        # §8 "A client's first message on a proposal moves it to interviewing": the client
        # opens the conversation; a freelancer cannot write first.
        ("proposal", "client", False, None, T, None),
        ("proposal", "freelancer", False, None, T, rules.CLIENT_FIRST),
        ("proposal", "freelancer", True, None, T, None),
        ("proposal", "client", True, None, T, None),
        # A proposal out of play (declined, withdrawn, archived): no new conversation...
        ("proposal", "client", False, T - DAY, T, rules.CLOSED),
        ("proposal", "freelancer", False, T - DAY, T, rules.CLIENT_FIRST),
        # ...but one under way stays open 30 days, the 30th day's instant included.
        ("proposal", "freelancer", True, T - 30 * DAY, T, None),
        ("proposal", "client", True, T - 30 * DAY - timedelta(seconds=1), T, rules.CLOSED),
        # Contract threads: both sides, any time while active and 30 days after the end.
        ("contract", "freelancer", False, None, T, None),
        ("contract", "client", False, None, T, None),
        ("contract", "freelancer", False, T - 29 * DAY, T, None),
        ("contract", "client", True, T - 30 * DAY, T, None),
        ("contract", "client", True, T - 30 * DAY - timedelta(microseconds=1), T, rules.CLOSED),
        ("contract", "freelancer", False, T - 400 * DAY, T, rules.CLOSED),
    ],
)
def test_who_may_write_when(kind, sender, client_wrote, closed_at, now, expected):
    facts = rules.PostingFacts(kind, sender, client_wrote, closed_at, now, 30)
    assert rules.posting_refusal(facts) == expected


@pytest.mark.parametrize(
    ("last", "now", "expected"),
    [
        (None, T, True),  # never emailed about this thread
        (T - timedelta(minutes=14, seconds=59), T, False),  # inside the 15 minutes
        (T - timedelta(minutes=15), T, True),  # exactly 15 minutes later: emailed again
        (T - timedelta(hours=3), T, True),
    ],
)
def test_at_most_one_email_per_thread_per_15_minutes(last, now, expected):
    assert rules.email_due(last, now, 15) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  hello  ", "hello"),
        ("line one\r\nline two", "line one\nline two"),
        ("<b>code</b> stays text", "<b>code</b> stays text"),
        ("x" * 5000, "x" * 5000),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
    ],
)
def test_clean_text_keeps_plain_text(text, expected):
    assert rules.clean_text(text, 5000) == expected


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 5001, "bell\x07", "nul\x00", "half \ud800"])
def test_clean_text_refuses(text):
    with pytest.raises(rules.BadText):
        rules.clean_text(text, 5000)


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("no links <here>", "no links &lt;here&gt;"),
        (
            "see https://example.com/a?b=1&c=2.",
            'see <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc"'
            ' target="_blank">https://example.com/a?b=1&amp;c=2</a>.',
        ),
        (
            "(http://x.org/wiki/A_(b))",
            '(<a href="http://x.org/wiki/A_(b)" rel="nofollow noopener noreferrer ugc"'
            ' target="_blank">http://x.org/wiki/A_(b)</a>)',
        ),
        ("javascript:alert(1) stays text", "javascript:alert(1) stays text"),
        ('http://"onmouseover="x', "http://&#34;onmouseover=&#34;x"),
        ("https:// nothing", "https:// nothing"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ],
)
def test_linkify_escapes_and_links_only_web_addresses(text, html):
    out = linkify(text)
    assert isinstance(out, Markup)
    assert str(out) == html


def test_long_links_are_shortened_in_the_text_only():
    url = "https://example.com/" + "a" * 200
    out = str(linkify(url))
    assert f'href="{url}"' in out and "…</a>" in out
