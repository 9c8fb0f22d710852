"""IPTC ninjs (News in JSON) 3.1 and 2.2: an item, a retraction's stub and a page of items.

Pure like the other renderers: values in, JSON out. 3.1 spells its properties in camelCase
(`versionCreated`, `pubStatus`, `altIds`), 2.2 in lower case and with `embargoed` for
`embargoedUntil`; one builder makes the 3.1 shape and `_to_22` renames it, so the two cannot
drift apart. ninjs has no link property: the newsroom's original is an association
(`name: original`), each image in an HTML body an association of type `picture` with its
rendition; the machine translation and its review state are an info source and the `edNote`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import lxml.html

from feeds._date import rfc3339
from feeds.html import sanitize_html
from feeds.model import Feed, FeedItem, Tombstone

__all__ = ["MEDIA_TYPE", "VERSIONS", "ninjs_feed", "ninjs_item", "ninjs_stub", "render_ninjs"]

Version = Literal["3.1", "2.2"]
VERSIONS: tuple[Version, ...] = ("3.1", "2.2")
MEDIA_TYPE = "application/json; charset=utf-8"
_SCHEMA = "http://www.iptc.org/std/ninjs/ninjs-schema_{}.json#"
# 3.1 name -> 2.2 name, wherever it occurs (2.2 is 3.1 in lower case but for `embargoed`).
_RENAMED_22 = {"embargoedUntil": "embargoed"}
PubStatus = Literal["usable", "withheld", "canceled"]


def _standard(version: Version) -> dict[str, str]:
    return {"name": "ninjs", "version": version, "schema": _SCHEMA.format(version)}


def _images(html: str) -> list[tuple[str, str]]:
    """(src, alt) of each absolute http(s) image in a sanitized body, in order, once each."""
    if "<img" not in html:
        return []
    found: dict[str, str] = {}
    for img in lxml.html.fragment_fromstring(html, create_parent="div").iter("img"):
        src = (img.get("src") or "").strip()
        if src.startswith(("http://", "https://")) and src not in found:
            found[src] = (img.get("alt") or "").strip()
    return list(found.items())


def _plain(html: str) -> str:
    if not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    paragraphs = [" ".join(p.text_content().split()) for p in root.iter("p", "li", "h2", "h3")]
    text = "\n\n".join(p for p in paragraphs if p)
    return text or " ".join(root.text_content().split())


def _review_note(item: FeedItem) -> str:
    if item.machine_translated_from is None:
        return "The newsroom's original."
    model = item.extension.get("model")
    by = f" by kakehashi ({model})" if model else " by kakehashi"
    state = (
        "awaits an editor's review"
        if item.needs_review
        else "needed no review or was approved by an editor"
    )
    return f"Machine-translated from {item.machine_translated_from}{by}; the translation {state}."


def _associations(item: FeedItem, html: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if item.original_url and item.machine_translated_from is not None:
        out.append(
            {
                "name": "original",
                "rel": "translationOf",
                "uri": item.original_url,
                "type": "text",
                "language": item.machine_translated_from,
            }
        )
    for n, (src, alt) in enumerate(_images(html), start=1):
        picture: dict[str, Any] = {
            "name": f"image-{n}",
            "rel": "image",
            "uri": src,
            "type": "picture",
            "renditions": [{"name": "original", "href": src}],
        }
        if alt:
            picture["descriptions"] = [{"role": "caption", "value": alt}]
        out.append(picture)
    return out


def ninjs_item(
    item: FeedItem, version: Version = "3.1", *, withheld: bool = False
) -> dict[str, Any]:
    """An item as a ninjs object; `withheld`: under embargo still (what editors and the CMS
    see; partners never get such an item), with `embargoedUntil` from the item."""
    html = sanitize_html(item.content_html)
    embargoed = withheld
    doc: dict[str, Any] = {
        "standard": _standard(version),
        "uri": item.id,
        "type": "text",
        "representationType": "full",
        "firstCreated": rfc3339(item.published),
        "versionCreated": rfc3339(item.updated),
        "pubStatus": "withheld" if embargoed else "usable",
        "language": item.language,
        "headlines": [{"role": "main", "contentType": "text/plain", "value": item.title}],
        "bodies": [
            {"role": "main", "contentType": "text/html", "value": html},
            {"role": "plain", "contentType": "text/plain", "value": _plain(html)},
        ],
        "edNote": _review_note(item),
    }
    if item.version is not None:
        doc["version"] = str(item.version)
    if item.embargoed_until is not None:
        doc["embargoedUntil"] = rfc3339(item.embargoed_until)
    descriptions = []
    if item.summary:
        descriptions.append({"role": "summary", "contentType": "text/plain", "value": item.summary})
    note = item.extension.get("correction")
    if isinstance(note, dict) and note.get("note"):
        descriptions.append({"role": str(note.get("kind")), "value": str(note["note"])})
    if descriptions:
        doc["descriptions"] = descriptions
    if item.authors:
        doc["by"] = ", ".join(item.authors)
    if item.categories:
        doc["subjects"] = [{"name": c, "literal": c, "rel": "category"} for c in item.categories]
    alt_ids = [{"role": "kakehashi", "value": item.id}]
    if item.source_id:
        alt_ids.insert(0, {"role": "newsroom", "value": item.source_id})
    doc["altIds"] = alt_ids
    if associations := _associations(item, html):
        doc["associations"] = associations
    if item.machine_translated_from is not None:
        doc["infoSources"] = [
            {"name": "kakehashi", "role": "machine-translator", "literal": _route(item)}
        ]
    return _to_22(doc) if version == "2.2" else doc


def _route(item: FeedItem) -> str:
    route = item.extension.get("route")
    if isinstance(route, list | tuple) and route:
        return "→".join(str(step) for step in route)
    return f"{item.machine_translated_from}→{item.language}"


def ninjs_stub(uri: str, when: datetime, version: Version = "3.1") -> dict[str, Any]:
    """A retracted item: its uri, `pubStatus: canceled` and when."""
    doc = {
        "standard": _standard(version),
        "uri": uri,
        "type": "text",
        "representationType": "partial",
        "versionCreated": rfc3339(when),
        "pubStatus": "canceled",
    }
    return _to_22(doc) if version == "2.2" else doc


def _to_22(value: Any, parent: str = "") -> Any:
    """The 3.1 shape in 2.2's names; 2.2 associations have no `rel`."""
    if isinstance(value, list):
        return [_to_22(v, parent) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, inner in value.items():
        if parent == "associations" and key == "rel":
            continue
        name = _RENAMED_22.get(key, key.lower())
        out[name] = _to_22(inner, key if isinstance(inner, list) else "")
    return out


def ninjs_feed(feed: Feed, version: Version = "3.1") -> dict[str, Any]:
    """A page of a language's items, newest first, then the page's retractions as canceled
    stubs; `next` pages on as in the other formats."""
    items = [ninjs_item(item, version) for item in feed.items]
    items += [_tombstone(t, version) for t in feed.tombstones]
    return {
        "uri": feed.id,
        "title": feed.title,
        "language": feed.language,
        "updated": rfc3339(feed.updated),
        "self": feed.self_url,
        "next": feed.next_url,
        "standard": _standard(version),
        "items": items,
    }


def _tombstone(tombstone: Tombstone, version: Version) -> dict[str, Any]:
    return ninjs_stub(tombstone.id, tombstone.when, version)


def dumps(data: dict[str, Any] | Iterable[Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def render_ninjs(feed: Feed) -> bytes:
    return dumps(ninjs_feed(feed, "3.1"))


def render_ninjs_22(feed: Feed) -> bytes:
    return dumps(ninjs_feed(feed, "2.2"))
