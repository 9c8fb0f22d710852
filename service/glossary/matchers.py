"""Matchers of the glossaries that apply to an article, cached per set of glossary versions."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from glossaries import Matcher
from service.errors import Invalid
from service.glossary.store import to_entry
from service.store.tables import EntryRow, GlossaryRow


def applicable(glossary: GlossaryRow, categories: Sequence[str]) -> bool:
    return glossary.categories is None or bool(set(glossary.categories) & set(categories))


class MatcherCache:
    """One Matcher per set of applicable glossary versions, rebuilt only when one changes.

    Every process (API, each worker) keeps its own; a glossary's version number in the
    database tells all of them when to rebuild.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building = threading.Lock()
        self._cache: dict[tuple[tuple[int, int], ...], Matcher] = {}

    def for_categories(self, session: Session, categories: Sequence[str]) -> Matcher:
        """The matcher of every glossary that applies to an article of these categories."""
        rows = session.scalars(select(GlossaryRow).order_by(GlossaryRow.id)).all()
        return self._matcher(session, [g for g in rows if applicable(g, categories)])

    def for_names(self, session: Session, names: Sequence[str] | None) -> Matcher:
        """The matcher of the named glossaries (all when `names` is None)."""
        rows = session.scalars(select(GlossaryRow).order_by(GlossaryRow.id)).all()
        if names is None:
            return self._matcher(session, list(rows))
        known = {g.name: g for g in rows}
        missing = [n for n in names if n not in known]
        if missing:
            raise Invalid(f"no glossary {missing[0]!r}", code="unknown_glossary")
        return self._matcher(session, [known[n] for n in names])

    def _matcher(self, session: Session, chosen_rows: Sequence[GlossaryRow]) -> Matcher:
        chosen = tuple((g.id, g.version) for g in chosen_rows)
        with self._lock:
            matcher = self._cache.get(chosen)
        if matcher is not None:
            return matcher
        # One build at a time: after a large import every request misses at once, and a dozen
        # threads building the same 20,000-term matcher starve (GIL) the one holding SQLite's
        # write lock. The others wait here and take the built matcher.
        with self._building:
            with self._lock:
                matcher = self._cache.get(chosen)
            if matcher is not None:
                return matcher
            return self._build(session, chosen)

    def _build(self, session: Session, chosen: tuple[tuple[int, int], ...]) -> Matcher:
        ids = [gid for gid, _ in chosen]
        entries = [
            to_entry(r)
            for r in session.scalars(
                select(EntryRow)
                .where(EntryRow.glossary_id.in_(ids))
                .order_by(EntryRow.glossary_id, EntryRow.source)
            )
        ]
        matcher = Matcher(entries)
        with self._lock:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[chosen] = matcher
        return matcher
