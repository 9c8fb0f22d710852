"""What a glossary import shows before (and after) it applies: per entry and field, before →
after, the counts, one page of the entries, and the re-translation impact.

The shape is the browser's import preview's and the CLI's dry run's (issue 22.3); it stays
stable. A 200k-row file answers counts and one page of entries, not 200k names (issue 19.8):
the same request with `offset` pages through the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from glossaries import Entry

__all__ = [
    "Counts",
    "EntrySummary",
    "FieldChange",
    "ImportImpact",
    "Page",
    "field_changes",
    "summaries",
]

# The fields of an entry as the API names them; renderings are one field per language.
_SCALARS = ("source", "aliases", "do_not_translate", "case_sensitive", "note", "status")
# For an added or removed entry, the fields at these values are not listed (nor its source,
# which the summary names).
_EMPTY: dict[str, Any] = {
    "aliases": [],
    "do_not_translate": False,
    "case_sensitive": False,
    "note": "",
    "status": "approved",
}


@dataclass(frozen=True)
class FieldChange:
    """One field of one entry: `targets.en`, `aliases`, `note`, ... (None: not set)."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class EntrySummary:
    """An entry the import adds (every `before` is None), changes, or removes (every `after`
    is None), with the fields that differ."""

    source: str
    entry_id: str | None
    fields: list[FieldChange]


@dataclass(frozen=True)
class Counts:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Page:
    """Which entries of each list are shown; `next_offset` pages on (None: the last page)."""

    offset: int
    limit: int
    next_offset: int | None


@dataclass(frozen=True)
class ImpactArticleOut:
    article_id: str
    title: str


@dataclass(frozen=True)
class ImportImpact:
    """The re-translation the import causes, as a single edit's impact shows it."""

    articles: int = 0
    languages: list[str] = field(default_factory=list)
    jobs: int = 0
    first: list[ImpactArticleOut] = field(default_factory=list)
    using_now: int = 0
    would_match: int = 0


def _values(entry: Entry | None) -> dict[str, Any]:
    if entry is None:
        return {}
    values: dict[str, Any] = {
        "source": entry.source,
        "aliases": list(entry.aliases),
        "do_not_translate": entry.do_not_translate,
        "case_sensitive": entry.case_sensitive,
        "note": entry.note,
        "status": entry.status,
    }
    values.update({f"targets.{lang}": text for lang, text in sorted(entry.targets.items())})
    return values


def field_changes(before: Entry | None, after: Entry | None) -> list[FieldChange]:
    """The fields that differ, in a stable order (the scalars, then renderings by language).

    For an added or removed entry, fields left at their empty default are not listed."""
    old, new = _values(before), _values(after)
    whole = before is None or after is None
    scalars = _SCALARS[1:] if whole else _SCALARS
    names = [*scalars, *sorted({*old, *new} - set(_SCALARS))]
    changes = []
    for name in names:
        was, now = old.get(name), new.get(name)
        if was == now:
            continue
        if whole and name in _EMPTY and _EMPTY[name] == (now if was is None else was):
            continue
        changes.append(FieldChange(name, was, now))
    return changes


def summaries(
    pairs: Sequence[tuple[Entry | None, Entry | None]], offset: int, limit: int
) -> list[EntrySummary]:
    """One page of (before, after) pairs as summaries."""
    page = []
    for before, after in pairs[offset : offset + limit]:
        entry = after if after is not None else before
        assert entry is not None
        entry_id = before.id if before is not None else None
        page.append(EntrySummary(entry.source, entry_id, field_changes(before, after)))
    return page
