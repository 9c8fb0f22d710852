"""HTML for feed item bodies: build it from plain text, sanitize it, and keep it XML-safe."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape, unescape
from urllib.parse import urlsplit

import nh3

__all__ = ["clean_text", "lead_image", "paragraphs_to_html", "sanitize_html"]

# Everything outside the XML 1.0 ``Char`` production: C0 controls other than TAB, LF and CR,
# lone surrogates, and the non-characters U+FFFE and U+FFFF.
_NOT_XML_CHAR = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "br",
        "caption",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "q",
        "strong",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# Tables keep their shape (spans, header scope) and images their size: a figure of a budget
# flattened into one run of text, or a photo that reflows the page as it loads, is worse than
# the markup they cost.
_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
_NUMERIC = frozenset({"width", "height", "colspan", "rowspan"})
_SIZE = re.compile(r"[1-9][0-9]{0,4}")
_SCOPES = frozenset({"row", "col", "rowgroup", "colgroup"})
_FIRST_IMG = re.compile(r"<img\b[^>]*?\ssrc=\"([^\"]+)\"")
_DROPPED_WITH_CONTENT = frozenset({"script", "style"})


def clean_text(text: str) -> str:
    """Remove the characters XML 1.0 forbids; everything else (emoji, RTL, ``]]>``) is kept."""
    return _NOT_XML_CHAR.sub("", text)


def paragraphs_to_html(paragraphs: Sequence[str]) -> str:
    """Turn plain-text paragraphs into ``<p>`` elements; a newline inside one becomes ``<br>``.

    Blank paragraphs are dropped. The text is escaped, so it can never become markup.
    """
    out: list[str] = []
    for paragraph in paragraphs:
        text = clean_text(paragraph).replace("\r\n", "\n").replace("\r", "\n").strip()
        if not text:
            continue
        lines = (escape(line.strip()) for line in text.split("\n"))
        out.append("<p>" + "<br>".join(lines) + "</p>")
    return "\n".join(out)


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags and attributes; drop script and style with their content.

    Links keep only absolute http(s) targets and get ``rel="noopener"``; images keep only
    https sources.
    """
    return nh3.clean(
        clean_text(html),
        tags=set(_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel="noopener",
        url_schemes={"http", "https"},
        url_relative="deny",
    )


def lead_image(html: str) -> str | None:
    """The source of the first image that survives sanitizing (an https URL), or None.

    A regular expression suffices here because it reads the sanitizer's own serialization
    (attributes double-quoted, entities escaped), never raw input.
    """
    found = _FIRST_IMG.search(sanitize_html(html))
    return unescape(found.group(1)) if found else None


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if urlsplit(value.strip()).scheme.lower() == "https" else None
    if attribute in _NUMERIC:
        return value.strip() if _SIZE.fullmatch(value.strip()) else None
    if attribute == "scope":
        return value.strip().lower() if value.strip().lower() in _SCOPES else None
    return value
