"""Validation and normalization of the JSON values carried under ``_kakehashi``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["RESERVED_KEYS", "REVIEW_SCHEME", "REVIEW_TERM", "freeze_extension"]

# Keys the JSON Feed renderer writes itself into an item's ``_kakehashi`` object.
RESERVED_KEYS = frozenset({"alternates", "machine_translated_from", "needs_review"})

# An item whose translation awaits an editor's review carries, in Atom and RSS, a category in
# our scheme (Atom ``scheme``, RSS ``domain``); JSON Feed says ``_kakehashi.needs_review``.
REVIEW_SCHEME = "urn:kakehashi:review"
REVIEW_TERM = "needs-review"


def freeze_extension(extension: Mapping[str, object]) -> Mapping[str, object]:
    """Check that *extension* is JSON data fit for a JSON Feed extension; return a frozen copy.

    Keys are strings without ``.`` (the JSON Feed schema forbids dots) and not reserved; values
    are JSON scalars (finite numbers), lists/tuples and string-keyed mappings, nested freely.
    Nested mappings are copied with sorted keys so equal extensions render identically.
    """
    for key in extension:
        if not isinstance(key, str) or "." in key:
            raise ValueError(f"extension key {key!r} must be a string without '.'")
        if key in RESERVED_KEYS:
            raise ValueError(f"extension key {key!r} is reserved")
    return MappingProxyType(_normalize_mapping(extension, "extension"))


def _normalize_mapping(value: Mapping[Any, object], where: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for key in sorted(value, key=str):
        if not isinstance(key, str):
            raise ValueError(f"{where}: key {key!r} is not a string")
        out[key] = _normalize(value[key], f"{where}.{key}")
    return out


def _normalize(value: object, where: str) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value!r} is not a finite number")
        return value
    if isinstance(value, Mapping):
        return _normalize_mapping(value, where)
    if isinstance(value, list | tuple):
        return [_normalize(element, f"{where}[{index}]") for index, element in enumerate(value)]
    raise ValueError(f"{where}: {type(value).__name__} is not JSON data")
