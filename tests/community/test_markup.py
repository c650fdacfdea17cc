"""Guides are plain text with a few markdown marks, rendered safely: no raw HTML survives
(quality.md §3, trust.md §3)."""

from __future__ import annotations

import pytest

from workhall.community.markup import render


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Hello", "<p>Hello</p>"),
        ("One\ntwo\n\nThree", "<p>One<br>two</p>\n<p>Three</p>"),
        ("## Title", "<h3>Title</h3>"),
        ("### Small", "<h4>Small</h4>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
        (
            "**bold** and *it* and `x<y`",
            "<p><strong>bold</strong> and <em>it</em> and <code>x&lt;y</code></p>",
        ),
        ("2 * 3 * 4", "<p>2 * 3 * 4</p>"),
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        (
            '**<img src=x onerror="y">**',
            "<p><strong>&lt;img src=x onerror=&#34;y&#34;&gt;</strong></p>",
        ),
        ("[link](javascript:alert(1))", "<p>[link](javascript:alert(1))</p>"),
    ],
)
def test_render(text, html):
    assert str(render(text)) == html


def test_no_tag_but_the_allowed_ones():
    import re

    out = str(render("## <b>x</b>\n- <i>y</i>\n\n**<a href=1>z</a>** `<p>`"))
    tags = set(re.findall(r"</?([a-z0-9]+)", out))
    assert tags <= {"h3", "ul", "li", "strong", "code", "p"}
