"""An item awaiting review is marked in all three formats, and only such an item."""

from __future__ import annotations

import json

import feedparser
import pytest

from feeds import render
from tests.feeds.feed_samples import make_feed, make_item

SCHEME = "urn:kakehashi:review"


def test_atom_marks_only_the_item_needing_review() -> None:
    parsed = feedparser.parse(
        render(make_feed(make_item(1, needs_review=True), make_item(2)), "atom")
    )
    marks = [
        [t["term"] for t in (entry.get("tags") or []) if t.get("scheme") == SCHEME]
        for entry in parsed.entries
    ]
    assert marks == [["needs-review"], []]


def test_rss_marks_only_the_item_needing_review() -> None:
    body = render(make_feed(make_item(1, needs_review=True), make_item(2)), "rss").decode()
    assert body.count(f'<category domain="{SCHEME}">needs-review</category>') == 1
    parsed = feedparser.parse(body)
    assert "needs-review" in [t["term"] for t in parsed.entries[0].tags]
    assert "needs-review" not in [t["term"] for t in parsed.entries[1].get("tags", [])]


def test_json_feed_says_needs_review_for_every_translated_item() -> None:
    document = json.loads(render(make_feed(make_item(1, needs_review=True), make_item(2)), "json"))
    assert [i["_kakehashi"]["needs_review"] for i in document["items"]] == [True, False]


def test_needs_review_is_not_an_extension_key() -> None:
    with pytest.raises(ValueError, match="reserved"):
        make_item(1, extension={"needs_review": True})
