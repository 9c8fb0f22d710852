from __future__ import annotations

import calendar

import feedparser
from lxml import etree

from feeds import Link, Tombstone
from feeds.atom import ATOM_NS, TOMBSTONES_NS, render_atom
from tests.feeds.feed_samples import make_feed, make_item

A = f"{{{ATOM_NS}}}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def test_atom_round_trips_through_feedparser() -> None:
    feed = make_feed()
    parsed = feedparser.parse(render_atom(feed))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.id == feed.id
    assert parsed.feed.title == feed.title
    assert parsed.feed.subtitle == feed.description
    assert parsed.feed.link == feed.home_url
    assert parsed.feed.language == "en"
    assert calendar.timegm(parsed.feed.updated_parsed) == int(feed.updated.timestamp())
    rels = {(link.rel, link.href) for link in parsed.feed.links}
    assert rels == {
        ("self", feed.self_url),
        ("alternate", feed.home_url),
        ("hub", "https://hub.example/"),
        ("next", feed.next_url),
    }
    for item, entry in zip(feed.items, parsed.entries, strict=True):
        assert entry.id == item.id
        assert entry.title == item.title
        assert entry.title_detail.type == "text/plain"
        assert entry.title_detail.language == "en"
        assert entry.link == item.url
        assert calendar.timegm(entry.published_parsed) == int(item.published.timestamp())
        assert calendar.timegm(entry.updated_parsed) == int(item.updated.timestamp())
        assert [tag.term for tag in entry.tags] == list(item.categories)
        assert [author.name for author in entry.authors] == list(item.authors)
        assert entry.summary == item.summary
        assert entry.content[0].type == "text/html"
        assert "<p>First paragraph of article" in entry.content[0].value
        alternates = [
            (link.get("hreflang"), link.href, link.get("title"))
            for link in entry.links
            if link.rel == "alternate"
        ]
        assert alternates == [
            ("ja", item.alternates[0].href, "原文"),
            ("zh", item.alternates[1].href, None),
            ("en", item.url, None),
        ]
        via = [link.href for link in entry.links if link.rel == "via"]
        assert via == [item.original_url]


def test_atom_structure_with_lxml() -> None:
    feed = make_feed()
    root = etree.fromstring(render_atom(feed))
    assert root.tag == f"{A}feed"
    assert root.get(XML_LANG) == "en"
    assert root.nsmap == {None: ATOM_NS, "at": TOMBSTONES_NS}
    assert root.findtext(f"{A}updated") == "2024-05-01T03:00:00Z"
    entry = root.find(f"{A}entry")
    assert entry is not None
    assert entry.get(XML_LANG) == "en"
    assert entry.findtext(f"{A}published") == "2024-05-01T00:31:00Z"
    content = entry.find(f"{A}content")
    assert content is not None
    assert content.get("type") == "html"
    assert len(content) == 0  # escaped HTML text, not child elements
    summary = entry.find(f"{A}summary")
    assert summary is not None
    assert summary.get("type") == "text"
    assert [c.get("term") for c in entry.findall(f"{A}category")] == ["politics", "security"]
    deleted = root.findall(f"{{{TOMBSTONES_NS}}}deleted-entry")
    assert [(d.get("ref"), d.get("when")) for d in deleted] == [
        ("urn:kakehashi:article:0:en", "2024-05-01T02:00:00Z")
    ]


def test_atom_alternates_deduplicated_per_language() -> None:
    item = make_item(
        alternates=(
            Link("https://e.example/en-dup", "en"),  # the item's own language
            Link("https://e.example/ja", "ja"),
            Link("https://e.example/ja-again", "JA"),
            Link("", "ko"),
        )
    )
    entry = etree.fromstring(render_atom(make_feed(item))).find(f"{A}entry")
    assert entry is not None
    links = [(link.get("hreflang"), link.get("href")) for link in entry.findall(f"{A}link")]
    assert links == [
        ("ja", "https://e.example/ja"),
        ("en", item.url),
        (None, item.original_url),
    ]


def test_atom_without_optional_parts() -> None:
    item = make_item(summary=None, original_url=None, authors=(), machine_translated_from=None)
    feed = make_feed(item, description="", next_url=None, hubs=(), tombstones=())
    body = render_atom(feed)
    root = etree.fromstring(body)
    assert root.find(f"{A}subtitle") is None
    assert root.findall(f"{{{TOMBSTONES_NS}}}deleted-entry") == []
    entry = root.find(f"{A}entry")
    assert entry is not None
    assert entry.find(f"{A}summary") is None
    assert entry.find(f"{A}author") is None
    assert entry.findtext(f"{A}content") == item.content_html
    # the feed-level author covers entries without one (RFC 4287 4.1.1)
    assert root.findtext(f"{A}author/{A}name") == feed.title
    assert feedparser.parse(body).bozo == 0


def test_atom_tombstone_without_url() -> None:
    feed = make_feed(tombstones=(Tombstone("urn:gone", make_item().updated),))
    deleted = etree.fromstring(render_atom(feed)).find(f"{{{TOMBSTONES_NS}}}deleted-entry")
    assert deleted is not None
    assert deleted.get("ref") == "urn:gone"


def test_atom_tombstones_precede_the_entries() -> None:
    """Issue 20, finding 8: RFC 4287's grammar ends atom:feed with atomEntry*."""
    root = etree.fromstring(render_atom(make_feed()))
    tags = [element.tag for element in root]
    last_tombstone = max(i for i, t in enumerate(tags) if t == f"{{{TOMBSTONES_NS}}}deleted-entry")
    assert last_tombstone < tags.index(f"{A}entry")


def test_lead_image_in_every_format() -> None:
    """Issue 20, finding 11: Atom enclosure, RSS media content, JSON Feed image."""
    import json

    from feeds import render

    image = "https://img.example.jp/lead.JPG"
    feed = make_feed(make_item(1, image=image))
    atom = etree.fromstring(render(feed, "atom")).find(f"{A}entry/{A}link[@rel='enclosure']")
    assert atom is not None and (atom.get("href"), atom.get("type")) == (image, "image/jpeg")
    media = etree.fromstring(render(feed, "rss")).find(
        "channel/item/{http://search.yahoo.com/mrss/}content"
    )
    assert media is not None and (media.get("url"), media.get("medium")) == (image, "image")
    assert json.loads(render(feed, "json"))["items"][0]["image"] == image
