"""The neutral feed model every renderer reads: a feed, its items, links and tombstones.

Validation happens here, at the boundary: datetimes must be timezone-aware and the JSON
extension must be plain JSON data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from feeds._extension import freeze_extension

__all__ = ["Feed", "FeedItem", "Link", "Tombstone"]


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


@dataclass(frozen=True)
class Link:
    """An alternate-language version of an item (the Japanese original included)."""

    href: str
    lang: str
    title: str = ""


@dataclass(frozen=True)
class FeedItem:
    """One translated (or original) article as a feed entry."""

    id: str
    url: str
    title: str
    content_html: str
    published: datetime
    updated: datetime
    language: str
    summary: str | None = None
    categories: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    original_url: str | None = None
    alternates: tuple[Link, ...] = ()
    machine_translated_from: str | None = "ja"
    extension: Mapping[str, object] = field(default_factory=dict, hash=False)
    needs_review: bool = False  # the text awaits an editor's review (marked in every format)
    # For ninjs (feeds.ninjs): the newsroom's own id, the revision number, and the embargo.
    source_id: str | None = None
    version: int | None = None
    embargoed_until: datetime | None = None
    # The lead image (an https URL; see `feeds.html.lead_image`): Atom enclosure, RSS media
    # content, JSON Feed `image`.
    image: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.published, "FeedItem.published")
        _require_aware(self.updated, "FeedItem.updated")
        if self.embargoed_until is not None:
            _require_aware(self.embargoed_until, "FeedItem.embargoed_until")
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "authors", tuple(self.authors))
        object.__setattr__(self, "alternates", tuple(self.alternates))
        object.__setattr__(self, "extension", freeze_extension(self.extension))


@dataclass(frozen=True)
class Tombstone:
    """A retracted item (Atom ``at:deleted-entry``; JSON Feed ``_kakehashi.deleted``)."""

    id: str
    when: datetime
    url: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.when, "Tombstone.when")


@dataclass(frozen=True)
class Feed:
    """A feed for one language, ready to be rendered in any format."""

    id: str
    title: str
    language: str
    self_url: str
    home_url: str
    updated: datetime
    items: tuple[FeedItem, ...]
    description: str = ""
    next_url: str | None = None
    hubs: tuple[str, ...] = ()
    tombstones: tuple[Tombstone, ...] = ()
    generator: str = "kakehashi"

    def __post_init__(self) -> None:
        _require_aware(self.updated, "Feed.updated")
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "hubs", tuple(self.hubs))
        object.__setattr__(self, "tombstones", tuple(self.tombstones))
