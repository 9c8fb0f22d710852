"""Atom 1.0 (RFC 4287) with paging (RFC 5005), WebSub hubs and tombstones (RFC 6721)."""

from __future__ import annotations

from lxml import etree

from feeds._content import alternates, body_html, image_type
from feeds._date import rfc3339
from feeds._extension import REVIEW_SCHEME, REVIEW_TERM
from feeds._xml import XML_LANG, child, serialize
from feeds.html import clean_text
from feeds.model import Feed, FeedItem, Tombstone

__all__ = ["ATOM_NS", "TOMBSTONES_NS", "render_atom"]

ATOM_NS = "http://www.w3.org/2005/Atom"
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"
_HTML = "text/html"


def _a(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def render_atom(feed: Feed) -> bytes:
    """Render *feed* as an Atom document (UTF-8 bytes)."""
    root = etree.Element(_a("feed"), nsmap={None: ATOM_NS, "at": TOMBSTONES_NS})
    root.set(XML_LANG, clean_text(feed.language))
    child(root, _a("id"), feed.id)
    child(root, _a("title"), feed.title, {"type": "text"})
    if feed.description:
        child(root, _a("subtitle"), feed.description, {"type": "text"})
    child(root, _a("updated"), rfc3339(feed.updated))
    child(
        root,
        _a("link"),
        attrib={"rel": "self", "type": "application/atom+xml", "href": feed.self_url},
    )
    child(root, _a("link"), attrib={"rel": "alternate", "type": _HTML, "href": feed.home_url})
    for hub in feed.hubs:
        child(root, _a("link"), attrib={"rel": "hub", "href": hub})
    if feed.next_url:
        child(
            root,
            _a("link"),
            attrib={"rel": "next", "type": "application/atom+xml", "href": feed.next_url},
        )
    # RFC 4287 wants an author for every entry; the feed's author covers entries without one.
    child(child(root, _a("author")), _a("name"), feed.title)
    child(root, _a("generator"), feed.generator)
    # Extension elements, tombstones included, come before the entries: RFC 4287's grammar
    # (appendix B) ends atom:feed with atomEntry*, and validators refuse anything after them.
    for tombstone in feed.tombstones:
        _tombstone(root, tombstone)
    for item in feed.items:
        _entry(root, item)
    return serialize(root)


def _entry(root: etree._Element, item: FeedItem) -> None:
    entry = child(root, _a("entry"))
    entry.set(XML_LANG, clean_text(item.language))
    child(entry, _a("id"), item.id)
    child(entry, _a("title"), item.title, {"type": "text"})
    child(entry, _a("updated"), rfc3339(item.updated))
    child(entry, _a("published"), rfc3339(item.published))
    for link in alternates(item):
        attrib = {"rel": "alternate", "type": _HTML, "hreflang": link.lang, "href": link.href}
        if link.title:
            attrib["title"] = link.title
        child(entry, _a("link"), attrib=attrib)
    # The item's own link comes after the other languages: feedparser and readers like it
    # take the last text/html alternate as the entry's link.
    child(
        entry,
        _a("link"),
        attrib={"rel": "alternate", "type": _HTML, "hreflang": item.language, "href": item.url},
    )
    if item.original_url:
        child(entry, _a("link"), attrib={"rel": "via", "type": _HTML, "href": item.original_url})
    if item.image:
        child(entry, _a("link"), attrib={"rel": "enclosure", **image_type(item.image)})
    for name in item.authors:
        child(child(entry, _a("author")), _a("name"), name)
    for term in item.categories:
        child(entry, _a("category"), attrib={"term": term})
    if item.needs_review:
        child(entry, _a("category"), attrib={"term": REVIEW_TERM, "scheme": REVIEW_SCHEME})
    if item.summary is not None:
        child(entry, _a("summary"), item.summary, {"type": "text"})
    child(entry, _a("content"), body_html(item), {"type": "html"})


def _tombstone(root: etree._Element, tombstone: Tombstone) -> None:
    # RFC 6721 allows an atom:link child, but common parsers (feedparser among them) take a
    # link inside an unknown element for a feed link, so the URL is left to JSON Feed.
    child(
        root,
        f"{{{TOMBSTONES_NS}}}deleted-entry",
        attrib={"ref": tombstone.id, "when": rfc3339(tombstone.when)},
    )
