from __future__ import annotations

import json

import jsonschema
import pytest

from feeds import Link
from feeds.jsonfeed import render_json
from tests.feeds.feed_samples import (
    assert_valid_json_feed,
    json_feed_validator,
    make_feed,
    make_item,
    shared_dir,
)


def test_json_feed_fields() -> None:
    feed = make_feed()
    document = assert_valid_json_feed(render_json(feed))
    assert next(iter(document)) == "version"
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] == feed.title
    assert document["home_page_url"] == feed.home_url
    assert document["feed_url"] == feed.self_url
    assert document["description"] == feed.description
    assert document["language"] == "en"
    assert document["next_url"] == feed.next_url
    assert document["hubs"] == [{"type": "WebSub", "url": "https://hub.example/"}]
    assert document["_kakehashi"] == {
        "generator": "kakehashi",
        "deleted": [
            {
                "id": "urn:kakehashi:article:0:en",
                "when": "2024-05-01T02:00:00Z",
                "url": "https://news.example.jp/0",
            }
        ],
    }
    item = feed.items[0]
    first = document["items"][0]
    assert first["id"] == item.id
    assert first["url"] == item.url
    assert first["external_url"] == item.original_url
    assert first["title"] == item.title
    assert first["summary"] == item.summary
    assert first["date_published"] == "2024-05-01T00:31:00Z"
    assert first["date_modified"] == "2024-05-01T02:01:00Z"
    assert first["authors"] == [{"name": "Sato Hanako"}, {"name": "Suzuki Ichiro"}]
    assert first["tags"] == ["politics", "security"]
    assert first["language"] == "en"
    assert first["content_html"].startswith(
        '<p><em>Machine-translated from Japanese.</em> <a href="https://news.example.jp/articles/1"'
        ' rel="noopener">Read the original</a></p>\n<p>First paragraph'
    )
    assert first["_kakehashi"] == {
        "glossary_version": 7,
        "model": "argos-ja-en-1.9",
        "route": "ja-en",
        "machine_translated_from": "ja",
        "needs_review": False,
        "alternates": [
            {"url": "https://news.example.jp/articles/1", "lang": "ja", "title": "原文"},
            {"url": "https://news.example.jp/zh/articles/1", "lang": "zh"},
        ],
    }


def test_json_feed_minimal_original_item() -> None:
    item = make_item(
        summary=None,
        categories=(),
        authors=(),
        original_url=None,
        alternates=(Link("https://e.example/en", "en"),),
        machine_translated_from=None,
        extension={},
        language="ja",
    )
    feed = make_feed(item, description="", next_url=None, hubs=(), tombstones=())
    document = assert_valid_json_feed(render_json(feed))
    for key in ("description", "next_url", "hubs"):
        assert key not in document
    assert document["_kakehashi"] == {"generator": "kakehashi"}
    (only,) = document["items"]
    for key in ("summary", "authors", "tags", "external_url"):
        assert key not in only
    assert only["content_html"] == item.content_html  # no notice on an original
    assert only["_kakehashi"] == {
        "machine_translated_from": None,
        "alternates": [{"url": "https://e.example/en", "lang": "en"}],
    }


def test_json_feed_is_utf8_without_ascii_escapes() -> None:
    body = render_json(make_feed(make_item(title="日本 🇯🇵")))
    assert "日本 🇯🇵".encode() in body
    assert b"\\u" not in body
    assert json.loads(body)["items"][0]["title"] == "日本 🇯🇵"


def test_validator_is_real() -> None:
    """Guards the validator itself: the schema's own v1.1 examples pass, a broken feed fails."""
    validator = json_feed_validator()
    examples = shared_dir() / "eval" / "jsonfeed" / "jsonfeed-schema" / "test" / "examples"
    for path in sorted((examples / "v1.1").glob("*.json")):
        validator.validate(json.loads(path.read_text(encoding="utf-8")))
    broken = json.loads(render_json(make_feed()))
    broken["items"][0]["_kakehashi"]["a.b"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)
