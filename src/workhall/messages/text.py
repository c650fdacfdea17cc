"""Showing plain text safely: escape everything, then make web links clickable.

Only ``http`` and ``https`` addresses become links (never ``javascript:`` or ``data:``), with
``rel="nofollow noopener noreferrer ugc"`` and a new tab, so user text can neither run script
nor borrow the site's reputation for search engines.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?'\""
MAX_LINK_TEXT = 80


def _trim(url: str) -> str:
    """Leave sentence punctuation and an unbalanced closing bracket outside the link."""
    while url and (url[-1] in TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def _valid(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def linkify(text: str) -> Markup:
    """``text`` escaped for HTML, with its web addresses as links."""
    out: list[str] = []
    pos = 0
    for match in URL.finditer(text):
        url = _trim(match.group(0))
        if not _valid(url):
            continue
        start, end = match.start(), match.start() + len(url)
        out.append(escape(text[pos:start]))
        label = url if len(url) <= MAX_LINK_TEXT else url[: MAX_LINK_TEXT - 1] + "…"
        out.append(
            Markup(
                '<a href="{}" rel="nofollow noopener noreferrer ugc" target="_blank">{}</a>'
            ).format(url, label)
        )
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)
