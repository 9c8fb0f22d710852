"""A feed as a readable web page, rendered by the server: what a person who opens a feed from
the directory sees (browsers show raw XML for feeds, and XSLT stylesheets, the old remedy, are
being removed from browsers). Values in, bytes out, like the feed renderers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from feeds._content import language_name
from feeds._date import rfc3339
from feeds.model import Feed, FeedItem
from feeds.pages import document

__all__ = ["render_preview"]


def render_preview(feed: Feed, subscribe: Sequence[tuple[str, str]]) -> bytes:
    """*feed* as a page: its title and description, the URLs to subscribe to (label, URL), and
    each item's title (a link to its page), date, categories, summary and lead image."""
    links = " · ".join(f'<a href="{escape(url)}">{escape(label)}</a>' for label, url in subscribe)
    items = "\n".join(_item(item) for item in feed.items) or "<p>No items yet.</p>"
    body = (
        f"<header>\n<h1>{escape(feed.title)}</h1>\n"
        f"<p>{escape(feed.description or language_name(feed.language))}</p>\n"
        f'<p class="meta">Subscribe in a feed reader: {links}</p>\n</header>\n'
        f"<main>\n{items}\n</main>"
    )
    head = "".join(
        f'<link rel="alternate" type="{_TYPES[label]}" href="{escape(url)}">\n'
        for label, url in subscribe
        if label in _TYPES
    )
    return document(feed.language, feed.title, head, body)


_TYPES = {
    "Atom": "application/atom+xml",
    "RSS": "application/rss+xml",
    "JSON Feed": "application/feed+json",
}


def _item(item: FeedItem) -> str:
    meta = f'<time datetime="{rfc3339(item.updated)}">{item.updated:%Y-%m-%d %H:%M} UTC</time>'
    if item.categories:
        meta += " · " + escape(", ".join(item.categories))
    if item.needs_review:
        meta += " · awaiting review"
    image = (
        f'<img src="{escape(item.image)}" alt="" loading="lazy" class="lead">\n'
        if item.image
        else ""
    )
    summary = f"<p>{escape(item.summary)}</p>\n" if item.summary else ""
    return (
        f'<article lang="{escape(item.language)}">\n'
        f'<h2><a href="{escape(item.url)}">{escape(item.title)}</a></h2>\n'
        f'<p class="meta">{meta}</p>\n{image}{summary}</article>'
    )
