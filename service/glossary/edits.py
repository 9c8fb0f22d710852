"""Changes to glossaries and entries that re-index articles and re-translate the ones concerned.

Each change runs inside the caller's session: it checks the entry's version (ETag), writes
the history, bumps the glossary's version, re-indexes and queues jobs; the jobs are sent to the
queue by the outbox relay once the session commits (`service.store.unit_of_work`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from glossaries import Entry
from service.errors import Conflict, Invalid
from service.glossary.store import (
    bump,
    check_entry,
    check_precondition,
    check_unique_surfaces,
    entries_of,
    entry_etag,
    get_entry,
    get_glossary,
    new_row,
    record,
    snapshot,
    to_entry,
)
from service.glossary.term_index import articles_using, forget_entries, reindex_entries, requeue
from service.review import memory as memory_store
from service.store.tables import EntryRow, GlossaryRow, utcnow

NOT_NULL = ("source", "targets", "aliases", "status")


@dataclass(frozen=True)
class Editing:
    """Who makes a change and the languages articles are translated into (new jobs are sent
    by the outbox relay once the change is committed: `service.store.unit_of_work`).

    `routes` gives, per target, the languages its translation goes through (`["ja", "en",
    "fr"]` for a pivot); None when unknown, and then every target is assumed to pivot through
    English.
    """

    actor: str
    targets: Sequence[str]
    routes: Mapping[str, Sequence[str] | None] | None = None


# Fields that change which text an entry matches: every language is concerned.
MATCHING = ("source", "aliases", "case_sensitive", "status")


def changed_languages(editing: Editing, before: Entry, after: Entry) -> list[str]:
    """The target languages whose translations an entry change can alter.

    A change to what the entry matches concerns them all; otherwise only the languages whose
    rendering changed (its target text, or do-not-translate falling back to the source), and
    the targets reached through one of those by a pivot. A note alone concerns none.
    """
    if any(getattr(before, f) != getattr(after, f) for f in MATCHING):
        return list(editing.targets)
    langs = {
        lang
        for lang in {*before.targets, *after.targets, *editing.targets}
        if before.rendering(lang) != after.rendering(lang)
    }
    concerned = []
    for target in editing.targets:
        route = editing.routes.get(target) if editing.routes is not None else None
        through = set(route) if route else {"en", target}
        if through & langs:
            concerned.append(target)
    return concerned


@dataclass(frozen=True)
class EntryChange:
    glossary: GlossaryRow
    row: EntryRow | None
    affected_articles: set[str]
    job_ids: list[str]


def retranslate(
    session: Session,
    editing: Editing,
    article_ids: Iterable[str],
    langs: Sequence[str] | None = None,
) -> list[str]:
    """Queue new jobs for these articles (in `langs`, default every target); the outbox
    relay sends them once the session commits (`service.store.unit_of_work`)."""
    return requeue(session, article_ids, editing.targets if langs is None else langs, "glossary")


def update_glossary(
    session: Session, editing: Editing, name: str, changes: dict[str, Any]
) -> GlossaryRow:
    """Change a glossary's description or categories.

    New categories change which articles the glossary applies to, so its terms are re-indexed
    and the articles that gain or lose them are translated again.
    """
    glossary = get_glossary(session, name)
    before = {"description": glossary.description, "categories": glossary.categories}
    for field, value in changes.items():
        setattr(glossary, field, value)
    after = {"description": glossary.description, "categories": glossary.categories}
    record(session, glossary, editing.actor, "update-glossary", None, before, after)
    bump(glossary)
    if before["categories"] != after["categories"]:
        rows = entries_of(session, glossary)
        affected = articles_using(session, (r.id for r in rows))
        affected |= reindex_entries(session, glossary, [to_entry(r) for r in rows])
        retranslate(session, editing, affected)
    return glossary


def delete_glossary(session: Session, editing: Editing, name: str) -> list[str]:
    """Delete a glossary and its entries; its history stays (naming it), and the articles that
    used its terms are translated again without them. Returns the jobs queued."""
    glossary = get_glossary(session, name)
    ids = [r.id for r in entries_of(session, glossary)]
    affected = articles_using(session, ids)
    forget_entries(session, ids)
    record(
        session,
        glossary,
        editing.actor,
        "delete-glossary",
        before={"name": glossary.name, "entries": len(ids), "version": glossary.version},
    )
    session.flush()
    session.delete(glossary)
    session.flush()
    return retranslate(session, editing, affected)


def create_entry(session: Session, editing: Editing, name: str, entry: Entry) -> EntryChange:
    glossary = get_glossary(session, name)
    check_entry(entry)
    check_unique_surfaces(session, glossary, entry, None)
    row = new_row(glossary, entry)
    session.add(row)
    session.flush()
    record(session, glossary, editing.actor, "create", row.id, None, snapshot(row))
    bump(glossary)
    using = reindex_entries(session, glossary, [to_entry(row)])
    return EntryChange(glossary, row, using, retranslate(session, editing, using))


def update_entry(
    session: Session,
    editing: Editing,
    name: str,
    entry_id: str,
    changes: dict[str, Any],
    if_match: str | None,
) -> EntryChange:
    if any(changes.get(k) is None for k in NOT_NULL if k in changes):
        raise Invalid("source, targets, aliases and status cannot be null")
    glossary = get_glossary(session, name)
    row = get_entry(session, glossary, entry_id)
    return _update(session, editing, glossary, row, changes, if_match)


def _update(
    session: Session,
    editing: Editing,
    glossary: GlossaryRow,
    row: EntryRow,
    changes: dict[str, Any],
    if_match: str | None,
) -> EntryChange:
    check_precondition(row, if_match)
    before = snapshot(row)
    before_entry = to_entry(row)
    before_using = articles_using(session, [row.id])
    for field, value in changes.items():
        setattr(row, field, list(value) if isinstance(value, tuple) else value)
    entry = to_entry(row)
    check_entry(entry)
    check_unique_surfaces(session, glossary, entry, row.id)
    row.revision += 1
    row.updated_at = utcnow()
    record(session, glossary, editing.actor, "update", row.id, before, snapshot(row))
    memory_store.mark_stale(session, row.id, entry.rendering)
    bump(glossary)
    session.flush()
    affected = reindex_entries(session, glossary, [entry]) | before_using
    langs = changed_languages(editing, before_entry, entry)
    if not langs:
        affected = set()
    return EntryChange(glossary, row, affected, retranslate(session, editing, affected, langs))


def delete_entry(
    session: Session, editing: Editing, name: str, entry_id: str, if_match: str | None
) -> EntryChange:
    glossary = get_glossary(session, name)
    row = get_entry(session, glossary, entry_id)
    check_precondition(row, if_match)
    affected = articles_using(session, [row.id])
    record(session, glossary, editing.actor, "delete", row.id, snapshot(row), None)
    memory_store.mark_stale(session, row.id, None)
    forget_entries(session, [row.id])
    session.delete(row)
    bump(glossary)
    session.flush()
    return EntryChange(glossary, None, affected, retranslate(session, editing, affected))


def accept_suggestion(
    session: Session, editing: Editing, name: str, entry_id: str, spelling: str
) -> EntryChange:
    """Make a suggested spelling an alias of its entry."""
    glossary = get_glossary(session, name)
    row = get_entry(session, glossary, entry_id)
    if spelling in (row.source, *row.aliases):
        raise Conflict(f"{spelling!r} is already a spelling of it", code="exists")
    changes = {"aliases": [*row.aliases, spelling]}
    return _update(session, editing, glossary, row, changes, entry_etag(row))
