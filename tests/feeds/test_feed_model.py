from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime

import pytest

from feeds import Tombstone
from tests.feeds.feed_samples import UPDATED, make_feed, make_item

NAIVE = datetime(2024, 5, 1, 9, 30)


@pytest.mark.parametrize("field", ["published", "updated"])
def test_item_rejects_naive_datetime(field: str) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_item(**{field: NAIVE})


def test_feed_rejects_naive_updated() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_feed(updated=NAIVE)


def test_tombstone_rejects_naive_when() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Tombstone("urn:x", NAIVE)


def test_non_datetime_rejected() -> None:
    with pytest.raises(TypeError):
        make_item(published="2024-05-01T00:00:00Z")


@pytest.mark.parametrize(
    "extension",
    [
        {"a.b": 1},
        {"alternates": []},
        {"machine_translated_from": "ja"},
        {"x": object()},
        {"x": math.nan},
        {"x": {1: "non-string key"}},
    ],
)
def test_extension_must_be_plain_json(extension: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_item(extension=extension)


def test_extension_is_frozen_and_normalized() -> None:
    item = make_item(extension={"z": (1, 2), "a": {"y": 1, "b": None}})
    assert list(item.extension) == ["a", "z"]
    assert item.extension["z"] == [1, 2]
    assert list(item.extension["a"]) == ["b", "y"]  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        item.extension["new"] = 1  # type: ignore[index]


def test_model_is_frozen_and_hashable() -> None:
    item = make_item()
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.title = "x"  # type: ignore[misc]
    assert hash(item) == hash(make_item())
    assert hash(make_feed()) == hash(make_feed())


def test_lists_become_tuples() -> None:
    item = make_item(categories=["a"], authors=["b"])
    assert item.categories == ("a",)
    assert item.authors == ("b",)
    feed = make_feed(item, hubs=["https://hub.example/"], tombstones=[Tombstone("x", UPDATED)])
    assert isinstance(feed.items, tuple)
    assert feed.hubs == ("https://hub.example/",)
    assert isinstance(feed.tombstones, tuple)


def test_utc_and_other_offsets_accepted() -> None:
    assert make_item(published=datetime(2024, 1, 1, tzinfo=UTC)).published.tzinfo is UTC


def test_datetimes_have_at_most_three_fraction_digits() -> None:
    """Issue 20, finding 12: HTML's datetime allows no more than milliseconds (vnu)."""
    from datetime import UTC, datetime

    from feeds._date import rfc3339

    assert rfc3339(datetime(2026, 12, 3, 8, 48, 13, 211413, tzinfo=UTC)) == (
        "2026-12-03T08:48:13.211Z"
    )
    assert rfc3339(datetime(2026, 12, 3, 8, 48, 13, tzinfo=UTC)) == "2026-12-03T08:48:13Z"
