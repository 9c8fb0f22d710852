"""Builders shared by the feeds tests (a uniquely named helper module, not a conftest)."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from feeds import Feed, FeedItem, Link, Tombstone, paragraphs_to_html

JST = timezone(timedelta(hours=9), "JST")
PUBLISHED = datetime(2024, 5, 1, 9, 30, tzinfo=JST)  # 2024-05-01T00:30:00Z
UPDATED = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'
CONTROL = "".join(chr(c) for c in range(0x00, 0x09)) + "\x0b"
EMOJI = "🇯🇵"
ARABIC = "مرحبا بالعالم"
HEBREW = "שלום עולם"
CDATA_END = "]]>"


def make_item(n: int = 1, /, **changes: Any) -> FeedItem:
    base = FeedItem(
        id=f"urn:kakehashi:article:{n}:en",
        url=f"https://news.example.jp/en/articles/{n}",
        title=f"Moscow's delay tactics, part {n}",
        content_html=paragraphs_to_html(
            [f"First paragraph of article {n}.", "Second paragraph,\nwith a line break."]
        ),
        published=PUBLISHED + timedelta(minutes=n),
        updated=UPDATED + timedelta(minutes=n),
        language="en",
        summary=f"Summary of article {n}.",
        categories=("politics", "security"),
        authors=("Sato Hanako", "Suzuki Ichiro"),
        original_url=f"https://news.example.jp/articles/{n}",
        alternates=(
            Link(f"https://news.example.jp/articles/{n}", "ja", "原文"),
            Link(f"https://news.example.jp/zh/articles/{n}", "zh"),
        ),
        extension={"route": "ja-en", "model": "argos-ja-en-1.9", "glossary_version": 7},
    )
    return dataclasses.replace(base, **changes)


def make_feed(*items: FeedItem, **changes: Any) -> Feed:
    base = Feed(
        id="urn:kakehashi:feed:en",
        title="Kakehashi — English",
        language="en",
        self_url="https://kakehashi.example/feeds/en.atom",
        home_url="https://news.example.jp/en/",
        updated=UPDATED + timedelta(hours=1),
        items=items if items else (make_item(1), make_item(2)),
        description="Japanese journalism, machine-translated.",
        next_url="https://kakehashi.example/feeds/en.atom?before=2",
        hubs=("https://hub.example/",),
        tombstones=(Tombstone("urn:kakehashi:article:0:en", UPDATED, "https://news.example.jp/0"),),
    )
    return dataclasses.replace(base, **changes)


def shared_dir() -> Path:
    """``$KAKEHASHI_SHARED_DIR``, else the ``shared`` folder next to the repository root."""
    configured = os.environ.get("KAKEHASHI_SHARED_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared"


def json_feed_validator() -> jsonschema.Draft7Validator:
    """A validator for the JSON Feed 1.1 schema in shared/, or skip the test without it."""
    path = shared_dir() / "eval" / "jsonfeed" / "jsonfeed-schema" / "schema-v1.1.json"
    if not path.is_file():
        pytest.skip(
            f"shared/ absent: JSON Feed schema not found at {path} (set KAKEHASHI_SHARED_DIR)"
        )
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_valid_json_feed(body: bytes) -> dict[str, Any]:
    """Parse *body* as JSON, validate it against the schema and check its RFC 3339 dates."""
    document: dict[str, Any] = json.loads(body.decode("utf-8"))
    json_feed_validator().validate(document)
    for item in document["items"]:
        for key in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[key]).tzinfo is not None
    return document
