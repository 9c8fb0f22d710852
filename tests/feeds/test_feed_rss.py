from __future__ import annotations

import calendar
from html import unescape

import feedparser
from lxml import etree

from feeds.rss import render_rss
from tests.feeds.feed_samples import make_feed, make_item

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"


def test_rss_round_trips_through_feedparser() -> None:
    feed = make_feed()
    parsed = feedparser.parse(render_rss(feed))
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == feed.title
    assert parsed.feed.link == feed.home_url
    assert parsed.feed.subtitle == feed.description
    assert parsed.feed.language == "en"
    assert parsed.feed.generator == "kakehashi"
    rels = {(link.rel, link.href) for link in parsed.feed.links}
    assert ("self", feed.self_url) in rels
    assert ("hub", "https://hub.example/") in rels
    assert ("next", feed.next_url) in rels
    assert len(parsed.entries) == 2
    for item, entry in zip(feed.items, parsed.entries, strict=True):
        assert entry.title == item.title
        assert entry.link == item.url
        assert entry.id == item.id
        assert entry.guidislink is False
        assert calendar.timegm(entry.published_parsed) == int(item.published.timestamp())
        assert [tag.term for tag in entry.tags] == list(item.categories)
        assert [author.name for author in entry.authors] == list(item.authors)
        assert unescape(entry.summary) == item.summary
        assert "<p>Second paragraph,<br />with a line break.</p>" in entry.content[0].value
        assert "Machine-translated from Japanese." in entry.content[0].value
        hreflangs = {link.get("hreflang"): link.href for link in entry.links}
        assert hreflangs["ja"] == item.alternates[0].href
        assert hreflangs["zh"] == item.alternates[1].href


def test_rss_structure_with_lxml() -> None:
    feed = make_feed()
    root = etree.fromstring(render_rss(feed))
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    assert root.nsmap == {
        "atom": ATOM,
        "content": CONTENT,
        "dc": DC,
        "media": "http://search.yahoo.com/mrss/",
    }
    channel = root.find("channel")
    assert channel is not None
    for tag in ("title", "link", "description", "language", "lastBuildDate", "generator"):
        assert channel.findtext(tag), tag
    assert channel.findtext("lastBuildDate") == "Wed, 01 May 2024 03:00:00 GMT"
    self_link = channel.find(f"{{{ATOM}}}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == feed.self_url
    item = channel.find("item")
    assert item is not None
    guid = item.find("guid")
    assert guid is not None
    assert guid.get("isPermaLink") == "false"
    assert item.findtext("pubDate") == "Wed, 01 May 2024 00:31:00 GMT"
    assert item.findtext(f"{{{DC}}}language") == "en"
    assert [c.text for c in item.findall("category")] == ["politics", "security"]
    assert [c.text for c in item.findall(f"{{{DC}}}creator")] == ["Sato Hanako", "Suzuki Ichiro"]
    encoded = item.findtext(f"{{{CONTENT}}}encoded")
    assert encoded is not None
    assert encoded.startswith("<p><em>Machine-translated from Japanese.</em>")


def test_rss_description_falls_back_to_content() -> None:
    item = make_item(summary=None, machine_translated_from=None)
    channel = etree.fromstring(render_rss(make_feed(item, description=""))).find("channel")
    assert channel is not None
    assert channel.findtext("description") == "Kakehashi — English"
    assert channel.findtext("item/description") == item.content_html


def test_rss_optional_parts_absent() -> None:
    feed = make_feed(make_item(alternates=(), categories=(), authors=()), next_url=None, hubs=())
    root = etree.fromstring(render_rss(feed))
    assert root.findall(f"channel/{{{ATOM}}}link[@rel='next']") == []
    assert root.findall(f"channel/{{{ATOM}}}link[@rel='hub']") == []
    assert root.findall("channel/item/category") == []
    assert root.findall(f"channel/item/{{{ATOM}}}link") == []
    assert feedparser.parse(render_rss(feed)).bozo == 0
