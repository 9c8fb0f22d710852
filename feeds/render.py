"""The format registry: one renderer and one media type per feed extension."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TypeAlias

from feeds.atom import render_atom
from feeds.jsonfeed import render_json
from feeds.model import Feed
from feeds.ninjs import MEDIA_TYPE as NINJS_MEDIA_TYPE
from feeds.ninjs import render_ninjs, render_ninjs_22
from feeds.rss import render_rss

__all__ = ["FORMATS", "MEDIA_TYPES", "Renderer", "render"]

Renderer: TypeAlias = Callable[[Feed], bytes]

FORMATS: Mapping[str, Renderer] = MappingProxyType(
    {
        "atom": render_atom,
        "json": render_json,
        "rss": render_rss,
        "ninjs": render_ninjs,  # IPTC ninjs 3.1
        "ninjs2": render_ninjs_22,  # IPTC ninjs 2.2
    }
)

MEDIA_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "atom": "application/atom+xml; charset=utf-8",
        "json": "application/feed+json; charset=utf-8",
        "rss": "application/rss+xml; charset=utf-8",
        "ninjs": NINJS_MEDIA_TYPE,
        "ninjs2": NINJS_MEDIA_TYPE,
    }
)


def render(feed: Feed, fmt: str) -> bytes:
    """Render *feed* in format *fmt* (``"rss"``, ``"atom"`` or ``"json"``).

    Raises ValueError for any other format.
    """
    renderer = FORMATS.get(fmt)
    if renderer is None:
        known = ", ".join(sorted(FORMATS))
        raise ValueError(f"unknown feed format {fmt!r}; expected one of: {known}")
    return renderer(feed)
