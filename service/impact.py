"""What saving a change to a glossary entry would re-translate, found without changing anything.

Saving an entry re-translates the articles that use it now (the term index) and the articles
the changed entry would match; this module answers that question before the save, so that an
editor sees the cost of a change to a term used in hundreds of articles before making it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from glossaries import Entry, Matcher
from service import terminology
from service.tables import Article, EntryRow, GlossaryRow, Revision
from translators.normalize import normalize

__all__ = ["Impact", "entry_impact"]


@dataclass(frozen=True)
class Impact:
    article_ids: tuple[str, ...]  # every article a save re-translates, newest first
    titles: tuple[tuple[str, str], ...]  # (article id, title) of the first few of them
    using_now: int  # how many of them use the entry as it is stored
    would_match: int  # how many the changed entry would match


def _changed(row: EntryRow, changes: Mapping[str, Any]) -> Entry:
    values = {**terminology.snapshot(row), **changes}
    return Entry(
        source=values["source"],
        targets=dict(values["targets"]),
        aliases=tuple(values["aliases"]),
        do_not_translate=values["do_not_translate"],
        case_sensitive=values["case_sensitive"],
        note=values["note"],
        status=values["status"],
        id=row.id,
    )


def entry_impact(
    session: Session,
    glossary: GlossaryRow,
    row: EntryRow,
    changes: Mapping[str, Any],
    *,
    first: int = 5,
) -> Impact:
    """The articles `terminology.update_entry` would re-queue for these changes (read only)."""
    using = terminology.articles_using(session, row.id)
    entry = _changed(row, changes)
    matching: set[str] = set()
    if entry.status == "approved":
        matcher = Matcher([entry])
        # The same pass as terminology.reindex_entries, without writing the index rows.
        for revision in terminology._current_revisions(session, glossary):
            if matcher.find(normalize(terminology.article_text(revision)).text):
                matching.add(revision.article_id)
    affected = using | matching
    ordered = _newest_first(session, affected)
    return Impact(
        article_ids=tuple(article_id for article_id, _ in ordered),
        titles=tuple(ordered[:first]),
        using_now=len(using),
        would_match=len(matching),
    )


def _newest_first(session: Session, article_ids: Sequence[str] | set[str]) -> list[tuple[str, str]]:
    if not article_ids:
        return []
    rows = session.execute(
        select(Article.id, Revision.title)
        .join(
            Revision,
            (Revision.article_id == Article.id) & (Revision.number == Article.current_revision),
        )
        .where(Article.id.in_(sorted(article_ids)), Article.status == "published")
        .order_by(Revision.published_at.desc(), Article.id)
    ).tuples()
    return [(article_id, title) for article_id, title in rows]
