"""Hostile and extreme items: every format stays well-formed, valid and inert."""

from __future__ import annotations

import json

import feedparser
import pytest
from lxml import etree

from feeds import Feed, Link, Tombstone, render
from tests.feeds.feed_samples import (
    ARABIC,
    CDATA_END,
    CONTROL,
    EMOJI,
    HEBREW,
    HOSTILE,
    assert_valid_json_feed,
    make_feed,
    make_item,
)

TEXT = f"{HOSTILE} {CONTROL}{EMOJI} {ARABIC} {HEBREW} {CDATA_END} & done"
CLEAN_TEXT = f"{HOSTILE} {EMOJI} {ARABIC} {HEBREW} {CDATA_END} & done"
BODY = (
    f"<p>{EMOJI} {ARABIC} {HEBREW} {CDATA_END}{CONTROL}</p>{HOSTILE}"
    '<a href="javascript:alert(3)">js</a><a href="JaVaScRiPt:alert(4)">js2</a>'
    "<style>body{display:none}</style><p onmouseover=alert(5)>hover</p>"
)


def hostile_feed() -> Feed:
    item = make_item(
        id=f"urn:x:{CONTROL}1",
        url=f"https://e.example/{CONTROL}a",
        language=f"en{CONTROL}",
        title=TEXT,
        summary=TEXT,
        content_html=BODY,
        categories=(TEXT,),
        authors=(TEXT,),
        original_url="javascript:alert(6)",
        alternates=(Link("https://e.example/ja", "ja", TEXT),),
        extension={"note": TEXT},
    )
    return make_feed(
        item,
        title=TEXT,
        description=TEXT,
        language=f"en{CONTROL}",
        tombstones=(
            Tombstone(f"urn:gone:{CONTROL}", item.updated, f"https://e.example/{CONTROL}"),
        ),
    )


def _assert_inert(html: str) -> None:
    lowered = html.lower()
    for needle in ("<script", "onerror", "onmouseover", "javascript:", "<style", "alert(1)"):
        assert needle not in lowered, needle
    assert f"{EMOJI} {ARABIC} {HEBREW} ]]&gt;" in html


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_hostile_xml_formats(fmt: str) -> None:
    body = render(hostile_feed(), fmt)
    etree.fromstring(body)  # well-formed: control characters are gone
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    entry = parsed.entries[0]
    assert parsed.feed.title == CLEAN_TEXT.strip()
    assert parsed.feed.language == "en"
    assert entry.id == "urn:x:1"
    assert entry.link == "https://e.example/a"
    assert entry.title == CLEAN_TEXT  # kept as text, never interpreted
    assert entry.title_detail.type == "text/plain"
    assert [tag.term for tag in entry.tags] == [CLEAN_TEXT]
    assert [author.name for author in entry.authors] == [CLEAN_TEXT]
    _assert_inert(entry.content[0].value)


def test_hostile_json() -> None:
    document = assert_valid_json_feed(render(hostile_feed(), "json"))
    item = document["items"][0]
    assert document["title"] == CLEAN_TEXT
    assert document["language"] == item["language"] == "en"
    assert item["id"] == "urn:x:1"
    assert document["_kakehashi"]["deleted"][0]["id"] == "urn:gone:"
    assert item["title"] == CLEAN_TEXT
    assert item["summary"] == CLEAN_TEXT
    assert item["tags"] == [CLEAN_TEXT]
    assert item["_kakehashi"]["note"] == CLEAN_TEXT
    assert item["_kakehashi"]["alternates"][0]["title"] == CLEAN_TEXT
    _assert_inert(item["content_html"])
    assert '<a rel="noopener">Read the original</a>' in item["content_html"]


def test_lone_surrogates_do_not_break_utf8() -> None:
    feed = make_feed(make_item(title="a\ud800b", content_html="<p>\udfffc</p>"))
    for fmt in ("rss", "atom", "json"):
        body = render(feed, fmt)
        body.decode("utf-8")
        assert b"ab" in body
    assert json.loads(render(feed, "json"))["items"][0]["title"] == "ab"


def test_one_megabyte_body() -> None:
    paragraph = "<p>" + ("日本語の記事 " * 50) + "</p>"
    body = paragraph * (1_000_000 // len(paragraph.encode()) + 1)
    assert len(body.encode()) > 1_000_000
    feed = make_feed(make_item(content_html=body))
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(render(feed, fmt))
        assert parsed.bozo == 0
        assert len(parsed.entries[0].content[0].value) > len(body)
    document = assert_valid_json_feed(render(feed, "json"))
    assert document["items"][0]["content_html"].endswith(body)


def test_thousand_items() -> None:
    feed = make_feed(*(make_item(n) for n in range(1000)))
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(render(feed, fmt))
        assert parsed.bozo == 0
        assert len(parsed.entries) == 1000
        assert len({entry.id for entry in parsed.entries}) == 1000
    assert len(assert_valid_json_feed(render(feed, "json"))["items"]) == 1000
