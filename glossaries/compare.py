"""How a new set of glossary entries differs from an old one (what an import would change)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from glossaries.model import Entry

__all__ = ["GlossaryDiff", "diff"]


@dataclass(frozen=True)
class GlossaryDiff:
    """How a new set of entries differs from an old one, keyed by source."""

    added: tuple[Entry, ...] = ()
    changed: tuple[tuple[Entry, Entry], ...] = ()  # (old, new)
    removed: tuple[Entry, ...] = ()
    unchanged: tuple[Entry, ...] = field(default=(), repr=False)

    def __bool__(self) -> bool:
        """True when anything was added, changed or removed."""
        return bool(self.added or self.changed or self.removed)


def diff(old: Sequence[Entry], new: Sequence[Entry]) -> GlossaryDiff:
    """Compare two sets of entries by source (the first entry of a source counts).

    ``added`` and ``changed`` follow the order of ``new``, ``removed`` that of ``old``.
    """
    before: dict[str, Entry] = {}
    for entry in old:
        before.setdefault(entry.source, entry)
    after: dict[str, Entry] = {}
    for entry in new:
        after.setdefault(entry.source, entry)
    added = tuple(e for s, e in after.items() if s not in before)
    changed = tuple((before[s], e) for s, e in after.items() if s in before and before[s] != e)
    unchanged = tuple(e for s, e in after.items() if s in before and before[s] == e)
    removed = tuple(e for s, e in before.items() if s not in after)
    return GlossaryDiff(added, changed, removed, unchanged)
