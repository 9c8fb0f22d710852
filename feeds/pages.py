"""HTML pages and OPML beside the feeds: an item's own page, the feed directory, the landing
page. Values in, bytes out, like the feed renderers; every body goes through the one sanitizer
(`feeds.html.sanitize_html`, via `body_html`) and every other string through `html.escape`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from lxml import etree

from feeds._content import alternates, body_html, language_name
from feeds._date import rfc3339
from feeds._xml import child, serialize
from feeds.model import FeedItem, Link

__all__ = [
    "FeedLink",
    "document",
    "render_directory",
    "render_item_page",
    "render_landing",
    "render_notice",
    "render_opml",
]

_STYLE = (
    "body{font:16px/1.6 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}"
    "img{max-width:100%;height:auto}.meta{color:#555;font-size:.9em}"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.2em .5em}"
    "img.lead{max-height:12rem}code{overflow-wrap:anywhere}"
)


@dataclass(frozen=True)
class FeedLink:
    """One feed a key may read: its language, format, optional category and URL."""

    title: str
    lang: str
    fmt: str
    url: str
    category: str | None = None


def document(lang: str, title: str, head: str, body: str) -> bytes:
    return (
        "<!doctype html>\n"
        f'<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n{head}</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    ).encode()


def render_item_page(item: FeedItem, *, home_url: str) -> bytes:
    """An item as a web page: its language on `<html lang>`, its other language versions as
    `<link rel="alternate" hreflang>` and as links, the machine-translation notice first."""
    links = alternates(item)
    # The page names itself canonical and lists itself among its languages: hreflang sets are
    # read as a whole, and one without the page's own language is ignored (and vnu-style
    # checkers flag it).
    head = f'<link rel="canonical" href="{escape(item.url)}">\n' + "".join(
        f'<link rel="alternate" hreflang="{escape(link.lang)}" href="{escape(link.href)}">\n'
        for link in (Link(href=item.url, lang=item.language), *links)
    )
    others = " · ".join(
        f'<a hreflang="{escape(link.lang)}" lang="{escape(link.lang)}" '
        f'href="{escape(link.href)}">{escape(link.title or language_name(link.lang))}</a>'
        for link in links
    )
    meta = f'<time datetime="{rfc3339(item.published)}">{item.published:%Y-%m-%d %H:%M} UTC</time>'
    if item.updated != item.published:
        meta += f' · updated <time datetime="{rfc3339(item.updated)}">'
        meta += f"{item.updated:%Y-%m-%d %H:%M} UTC</time>"
    if item.authors:
        meta += " · " + escape(", ".join(item.authors))
    body = (
        f"<article>\n<h1>{escape(item.title)}</h1>\n"
        f'<p class="meta">{meta}</p>\n'
        + (
            f'<p class="summary"><strong>{escape(item.summary)}</strong></p>\n'
            if item.summary
            else ""
        )
        + body_html(item)
        + "\n</article>\n"
        + (f'<nav><p class="meta">Also in: {others}</p></nav>\n' if others else "")
        + f'<footer><p class="meta"><a href="{escape(home_url)}">kakehashi</a></p></footer>'
    )
    return document(item.language, item.title, head, body)


_FORMAT_LABELS = {"html": "preview", "atom": "Atom", "rss": "RSS", "json": "JSON Feed"}


def render_directory(title: str, links: Sequence[FeedLink], *, opml_url: str) -> bytes:
    """The feeds a key may read, one line per language and category: its readable preview
    and its URL in each format, with the OPML file of them all."""
    rows: dict[tuple[str, str | None], list[str]] = {}
    for link in links:
        label = _FORMAT_LABELS.get(link.fmt, link.fmt)
        rows.setdefault((link.lang, link.category), []).append(
            f'<a href="{escape(link.url)}">{escape(label)}</a>'
        )
    lines = [
        f'<li><span lang="{escape(lang)}">'
        f"{escape(language_name(lang) + (f' · {category}' if category else ''))}</span>: "
        + " · ".join(anchors)
        + "</li>"
        for (lang, category), anchors in rows.items()
    ]
    body = (
        f"<h1>{escape(title)}</h1>\n"
        f'<p>Every feed this key may read. <a href="{escape(opml_url)}">OPML</a> '
        "subscribes a feed reader to one feed per language at once "
        f'(<a href="{escape(_with_categories(opml_url))}">with every category</a>).</p>\n'
        "<ul>\n" + "\n".join(lines) + "\n</ul>"
    )
    head = f'<link rel="alternate" type="text/x-opml" href="{escape(opml_url)}">\n'
    return document("en", title, head, body)


def _with_categories(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "categories=true"


def render_notice(title: str, paragraphs: Sequence[str], *, home_url: str) -> bytes:
    """A page that tells a person why they see no content (no token, a bad link) and what to
    do; `paragraphs` are HTML this module's callers write, never user input."""
    body = (
        f"<h1>{escape(title)}</h1>\n"
        + "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        + f'\n<footer><p class="meta"><a href="{escape(home_url)}">kakehashi</a></p></footer>'
    )
    return document("en", title, "", body)


def render_opml(title: str, links: Sequence[FeedLink]) -> bytes:
    """OPML 2.0: one outline per feed, for feed readers to subscribe to them all at once."""
    root = etree.Element("opml", version="2.0")
    child(child(root, "head"), "title", title)
    body = child(root, "body")
    for link in links:
        what = language_name(link.lang) + (f" · {link.category}" if link.category else "")
        child(
            body,
            "outline",
            attrib={
                "type": "rss",
                "text": f"{title}: {what} ({link.fmt})",
                "title": f"{title}: {what} ({link.fmt})",
                "xmlUrl": link.url,
                "language": link.lang,
            },
        )
    return serialize(root)


def render_landing(title: str, description: str, links: Sequence[tuple[str, str]]) -> bytes:
    """The service's front page: what it is and where to go (label, URL)."""
    items = "\n".join(
        f'<li><a href="{escape(url)}">{escape(label)}</a></li>' for label, url in links
    )
    body = f"<h1>{escape(title)}</h1>\n<p>{escape(description)}</p>\n<ul>\n{items}\n</ul>"
    return document("en", title, "", body)
