"""Golden files: one small fixed feed in each format.

Regenerate after an intended change with ``KAKEHASHI_UPDATE_GOLDEN=1 pytest tests/feeds``,
then review the diff by eye.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds import Feed, FeedItem, Link, Tombstone, paragraphs_to_html, render

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KAKEHASHI_UPDATE_GOLDEN") == "1"


def golden_feed() -> Feed:
    item = FeedItem(
        id="urn:kakehashi:article:1001:en",
        url="https://news.example.jp/en/articles/1001",
        title="Sakhalin-2 and the “cold peace”",
        content_html=paragraphs_to_html(
            ["Moscow delays, & waits.", "A fait accompli,\nthen a nuclear ultimatum."]
        ),
        published=datetime(2024, 5, 1, 0, 30, tzinfo=UTC),
        updated=datetime(2024, 5, 2, 8, 0, tzinfo=UTC),
        language="en",
        summary="Analysis of Russia's delay tactics.",
        categories=("security",),
        authors=("Sato Hanako",),
        original_url="https://news.example.jp/articles/1001",
        alternates=(Link("https://news.example.jp/articles/1001", "ja", "原文"),),
        extension={"route": "ja-en", "glossary_version": 3},
    )
    return Feed(
        id="urn:kakehashi:feed:en",
        title="Kakehashi — English",
        language="en",
        self_url="https://kakehashi.example/feeds/en.atom",
        next_url="https://kakehashi.example/feeds/en.atom?before=1001",
        home_url="https://news.example.jp/en/",
        updated=datetime(2024, 5, 2, 8, 0, tzinfo=UTC),
        items=(item,),
        description="Japanese journalism, machine-translated.",
        hubs=("https://hub.example/",),
        tombstones=(Tombstone("urn:kakehashi:article:999:en", datetime(2024, 5, 1, tzinfo=UTC)),),
    )


@pytest.mark.parametrize("fmt", ["atom", "json", "rss"])
def test_golden(fmt: str) -> None:
    path = GOLDEN / f"feed.{fmt}"
    # self_url names the document itself, so the service builds one Feed value per format
    feed = dataclasses.replace(
        golden_feed(),
        self_url=f"https://kakehashi.example/feeds/en.{fmt}",
        next_url=f"https://kakehashi.example/feeds/en.{fmt}?before=1001",
    )
    body = render(feed, fmt)
    if UPDATE:
        path.write_bytes(body)
    if not path.exists():
        pytest.fail(f"{path} missing; run with KAKEHASHI_UPDATE_GOLDEN=1 and review it")
    assert body == path.read_bytes(), f"{path.name} changed; regenerate if intended"
