"""RSS 2.0 with the Atom (self, hub, next links), content and Dublin Core modules."""

from __future__ import annotations

from html import escape

from lxml import etree

from feeds._content import alternates, body_html, image_type
from feeds._date import rfc822
from feeds._extension import REVIEW_SCHEME, REVIEW_TERM
from feeds._xml import child, serialize
from feeds.model import Feed, FeedItem

__all__ = ["render_rss"]

_ATOM = "http://www.w3.org/2005/Atom"
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_DC = "http://purl.org/dc/elements/1.1/"
_MEDIA = "http://search.yahoo.com/mrss/"
_NSMAP = {"atom": _ATOM, "content": _CONTENT, "dc": _DC, "media": _MEDIA}


def render_rss(feed: Feed) -> bytes:
    """Render *feed* as an RSS 2.0 document (UTF-8 bytes).

    RSS has no tombstones; retracted items simply leave the feed.
    """
    root = etree.Element("rss", nsmap=_NSMAP)
    root.set("version", "2.0")
    channel = child(root, "channel")
    child(channel, "title", feed.title)
    child(channel, "link", feed.home_url)
    child(channel, "description", feed.description or feed.title)
    child(channel, "language", feed.language)
    child(channel, "lastBuildDate", rfc822(feed.updated))
    child(channel, "generator", feed.generator)
    link = f"{{{_ATOM}}}link"
    child(
        channel, link, attrib={"rel": "self", "type": "application/rss+xml", "href": feed.self_url}
    )
    for hub in feed.hubs:
        child(channel, link, attrib={"rel": "hub", "href": hub})
    if feed.next_url:
        child(
            channel,
            link,
            attrib={"rel": "next", "type": "application/rss+xml", "href": feed.next_url},
        )
    for item in feed.items:
        _item(channel, item)
    return serialize(root)


def _item(channel: etree._Element, item: FeedItem) -> None:
    element = child(channel, "item")
    child(element, "title", item.title)
    # Other-language versions come before <link>: feedparser and readers like it let the last
    # text/html link win, and that must be the item's own URL.
    for alternate in alternates(item):
        attrib = {"rel": "alternate", "type": "text/html", "hreflang": alternate.lang}
        if alternate.title:
            attrib["title"] = alternate.title
        attrib["href"] = alternate.href
        child(element, f"{{{_ATOM}}}link", attrib=attrib)
    child(element, "link", item.url)
    child(element, "guid", item.id, {"isPermaLink": "false"})
    html = body_html(item)
    # <description> is HTML in RSS: a plain-text summary is escaped so it stays text.
    child(
        element,
        "description",
        escape(item.summary, quote=False) if item.summary is not None else html,
    )
    child(element, f"{{{_CONTENT}}}encoded", html)
    child(element, "pubDate", rfc822(item.published))
    for term in item.categories:
        child(element, "category", term)
    if item.needs_review:
        child(element, "category", REVIEW_TERM, {"domain": REVIEW_SCHEME})
    for name in item.authors:
        child(element, f"{{{_DC}}}creator", name)
    child(element, f"{{{_DC}}}language", item.language)
    if item.image:
        # Media RSS, not <enclosure>: RSS 2.0 requires an enclosure's length in bytes, which
        # the service does not know for an image on the newsroom's server.
        attrib = image_type(item.image)
        media = {"url": attrib["href"], "medium": "image"}
        if "type" in attrib:
            media["type"] = attrib["type"]
        child(element, f"{{{_MEDIA}}}content", attrib=media)
