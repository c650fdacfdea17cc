"""A small, safe subset of markdown for staff-written guides: the text is HTML-escaped first,
then only these marks become tags — ``## heading`` / ``### heading``, ``- item`` lists,
``1. item`` lists, paragraphs (blank lines), ``**bold**``, ``*italics*`` and `` `code` ``.
No raw HTML and no links survive, so a guide can never carry a script."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")
_CODE = re.compile(r"`([^`]+)`")
_NUMBERED = re.compile(r"^\d{1,3}[.)]\s+")


def _inline(text: str) -> str:
    html = str(escape(text))
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return _ITALIC.sub(r"<em>\1</em>", html)


def render(text: str) -> Markup:
    out: list[str] = []
    paragraph: list[str] = []
    list_tag: str | None = None

    def flush_paragraph() -> None:
        if paragraph:
            out.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_tag
        if list_tag:
            out.append(f"</{list_tag}>")
            list_tag = None

    def open_list(tag: str) -> None:
        nonlocal list_tag
        if list_tag != tag:
            close_list()
            out.append(f"<{tag}>")
            list_tag = tag

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush_paragraph()
            close_list()
        elif line.startswith("### ") or line.startswith("## "):
            flush_paragraph()
            close_list()
            level = "h4" if line.startswith("### ") else "h3"
            out.append(f"<{level}>{_inline(line.lstrip('#').strip())}</{level}>")
        elif line.startswith(("- ", "* ")):
            flush_paragraph()
            open_list("ul")
            out.append(f"<li>{_inline(line[2:].strip())}</li>")
        elif _NUMBERED.match(line):
            flush_paragraph()
            open_list("ol")
            out.append(f"<li>{_inline(_NUMBERED.sub('', line, count=1))}</li>")
        else:
            close_list()
            paragraph.append(line)
    flush_paragraph()
    close_list()
    return Markup("\n".join(out))  # every piece of text above was escaped
