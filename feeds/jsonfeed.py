"""JSON Feed 1.1, with kakehashi's data under the ``_kakehashi`` extension key."""

from __future__ import annotations

import json

from feeds._content import alternates, body_html
from feeds._date import rfc3339
from feeds.html import clean_text
from feeds.model import Feed, FeedItem

__all__ = ["EXTENSION_KEY", "VERSION", "render_json"]

VERSION = "https://jsonfeed.org/version/1.1"
EXTENSION_KEY = "_kakehashi"


def render_json(feed: Feed) -> bytes:
    """Render *feed* as a JSON Feed 1.1 document (UTF-8 bytes, non-ASCII kept as is)."""
    document: dict[str, object] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.self_url,
    }
    if feed.description:
        document["description"] = feed.description
    document["language"] = feed.language
    if feed.next_url:
        document["next_url"] = feed.next_url
    if feed.hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in feed.hubs]
    document["items"] = [_item(item) for item in feed.items]
    extension: dict[str, object] = {"generator": feed.generator}
    if feed.tombstones:
        extension["deleted"] = [
            {"id": t.id, "when": rfc3339(t.when), **({"url": t.url} if t.url else {})}
            for t in feed.tombstones
        ]
    document[EXTENSION_KEY] = extension
    text = json.dumps(_clean(document), ensure_ascii=False, indent=2, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _item(item: FeedItem) -> dict[str, object]:
    out: dict[str, object] = {"id": item.id, "url": item.url}
    if item.original_url:
        out["external_url"] = item.original_url
    out["title"] = item.title
    out["content_html"] = body_html(item)
    if item.summary is not None:
        out["summary"] = item.summary
    if item.image:
        out["image"] = item.image
    out["date_published"] = rfc3339(item.published)
    out["date_modified"] = rfc3339(item.updated)
    if item.authors:
        out["authors"] = [{"name": name} for name in item.authors]
    if item.categories:
        out["tags"] = list(item.categories)
    out["language"] = item.language
    out[EXTENSION_KEY] = {
        **item.extension,
        "machine_translated_from": item.machine_translated_from,
        # Every translated item says whether it awaits review; originals never do.
        **(
            {"needs_review": item.needs_review}
            if item.machine_translated_from is not None or item.needs_review
            else {}
        ),
        "alternates": [
            {"url": link.href, "lang": link.lang, **({"title": link.title} if link.title else {})}
            for link in alternates(item)
        ],
    }
    return out


def _clean(value: object) -> object:
    """Pass every string (keys included) through :func:`clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(key): _clean(element) for key, element in value.items()}
    if isinstance(value, list):
        return [_clean(element) for element in value]
    return value
