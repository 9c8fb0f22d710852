"""What saving a change to a glossary entry would re-translate, found without changing anything.

Saving an entry re-translates the articles that use it now (the term index) and the articles
the changed entry would match; this module answers that question before the save, so that an
editor sees the cost of a change to a term used in hundreds of articles before making it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from glossaries import Entry, Matcher
from service.articles.revisions import published_current
from service.errors import Invalid
from service.glossary.edits import NOT_NULL, Editing, changed_languages
from service.glossary.store import get_entry, get_glossary, snapshot, to_entry
from service.glossary.term_index import article_text, articles_using, current_revisions
from service.store.tables import EntryRow, Revision
from translators.normalize import normalize

__all__ = ["Impact", "entry_impact"]


@dataclass(frozen=True)
class Impact:
    article_ids: tuple[str, ...]  # every article a save re-translates, newest first
    titles: tuple[tuple[str, str], ...]  # (article id, title) of the first few of them
    using_now: int  # how many of them use the entry as it is stored
    would_match: int  # how many the changed entry would match
    languages: tuple[str, ...]  # the languages whose translations the change can alter


def _changed(row: EntryRow, changes: Mapping[str, Any]) -> Entry:
    values = {**snapshot(row), **changes}
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
    editing: Editing,
    name: str,
    entry_id: str,
    changes: Mapping[str, Any],
    *,
    first: int = 5,
) -> Impact:
    """The articles `glossary_edits.update_entry` would re-queue for these changes (read only)."""
    if any(changes.get(k) is None for k in NOT_NULL if k in changes):
        raise Invalid("source, targets, aliases and status cannot be null")
    glossary = get_glossary(session, name)
    row = get_entry(session, glossary, entry_id)
    using = articles_using(session, [row.id])
    entry = _changed(row, changes)
    matching: set[str] = set()
    if entry.status == "approved":
        matcher = Matcher([entry])
        # The same pass as term_index.reindex_entries, without writing the index rows.
        for revision in current_revisions(session, glossary):
            if matcher.find(normalize(article_text(revision)).text):
                matching.add(revision.article_id)
    languages = tuple(changed_languages(editing, to_entry(row), entry))
    ordered = _newest_first(session, using | matching) if languages else []
    return Impact(
        article_ids=tuple(article_id for article_id, _ in ordered),
        titles=tuple(ordered[:first]),
        using_now=len(using),
        would_match=len(matching),
        languages=languages,
    )


def _newest_first(session: Session, article_ids: Collection[str]) -> list[tuple[str, str]]:
    if not article_ids:
        return []
    revisions = session.scalars(
        published_current(sorted(article_ids)).order_by(
            Revision.published_at.desc(), Revision.article_id
        )
    )
    return [(r.article_id, r.title) for r in revisions]
