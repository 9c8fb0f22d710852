from __future__ import annotations

import dataclasses
import re
from datetime import UTC

import pytest

from feeds import FORMATS, MEDIA_TYPES, compute_etag, render
from feeds.atom import render_atom
from feeds.jsonfeed import render_json
from feeds.ninjs import render_ninjs, render_ninjs_22
from feeds.rss import render_rss
from tests.feeds.feed_samples import make_feed, make_item


def test_registry() -> None:
    assert dict(FORMATS) == {
        "atom": render_atom,
        "json": render_json,
        "rss": render_rss,
        "ninjs": render_ninjs,
        "ninjs2": render_ninjs_22,
    }
    assert dict(MEDIA_TYPES) == {
        "atom": "application/atom+xml; charset=utf-8",
        "json": "application/feed+json; charset=utf-8",
        "ninjs": "application/json; charset=utf-8",
        "ninjs2": "application/json; charset=utf-8",
        "rss": "application/rss+xml; charset=utf-8",
    }
    with pytest.raises(TypeError):
        FORMATS["html"] = render_rss  # type: ignore[index]


@pytest.mark.parametrize("fmt", ["xml", "", "RSS", "json1"])
def test_unknown_format(fmt: str) -> None:
    with pytest.raises(ValueError, match="unknown feed format"):
        render(make_feed(), fmt)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_render_dispatches(fmt: str) -> None:
    assert render(make_feed(), fmt) == FORMATS[fmt](make_feed())


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_output_is_deterministic(fmt: str) -> None:
    first = render(make_feed(), fmt)
    # an equal feed built separately, extension given in another key order
    items = tuple(
        dataclasses.replace(item, extension=dict(reversed(list(item.extension.items()))))
        for item in make_feed().items
    )
    assert render(make_feed(*items), fmt) == first
    assert compute_etag(render(make_feed(*items), fmt)) == compute_etag(first)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_same_instant_in_other_timezone_renders_identically(fmt: str) -> None:
    item = make_item()
    utc_item = dataclasses.replace(
        item, published=item.published.astimezone(UTC), updated=item.updated.astimezone(UTC)
    )
    assert render(make_feed(item), fmt) == render(make_feed(utc_item), fmt)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_etag_changes_with_content(fmt: str) -> None:
    before = compute_etag(render(make_feed(make_item()), fmt))
    after = compute_etag(render(make_feed(make_item(content_html="<p>corrected</p>")), fmt))
    assert before != after


def test_etag_shape() -> None:
    etag = compute_etag(b"hello")
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert etag == '"2cf24dba5fb0a30e26e83b2ac5b9e29e"'
    assert compute_etag(b"") != etag
