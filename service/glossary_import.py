"""Importing a TSV/CSV glossary file into a stored glossary, all or nothing.

The pure core parses the file (`glossaries.parse`) and compares old and new entries
(`glossaries.diff`); this module decides what the new entries are and applies the difference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

import glossaries
from glossaries import Entry
from service import memory_store
from service.errors import Invalid
from service.glossary_edits import Editing, retranslate
from service.glossary_store import (
    assign,
    bump,
    entries_of,
    get_glossary,
    new_row,
    record,
    snapshot,
    to_entry,
)
from service.tables import EntryRow, GlossaryRow, utcnow
from service.term_index import articles_using, reindex_entries


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did (or, for a dry run, would do); `jobs` counts re-translations."""

    format: str
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int
    applied: bool
    jobs: int


def _incoming(parsed: glossaries.ImportResult, existing: dict[str, Entry]) -> list[Entry]:
    """The entries the file asks for, keeping stored ids so unchanged entries compare equal.

    Our own format carries whole entries; DeepL and AWS files carry renderings only, which
    merge into the stored entry's renderings.
    """
    whole = parsed.format.startswith("kakehashi")
    out = []
    for entry in parsed.entries:
        old = existing.get(entry.source)
        if old is None:
            out.append(entry)
        elif whole:
            out.append(dataclasses.replace(entry, id=old.id))
        else:
            out.append(dataclasses.replace(old, targets={**old.targets, **entry.targets}))
    return out


def import_entries(
    session: Session,
    editing: Editing,
    name: str,
    text: str,
    *,
    format: str,
    target_lang: str | None,
    dry_run: bool,
    replace: bool,
) -> ImportOutcome:
    """Validate every line first; apply nothing unless all lines are valid (and not dry_run).

    With `replace`, entries missing from the file are deleted.
    """
    glossary = get_glossary(session, name)
    try:
        parsed = glossaries.parse(
            text, format=format, source_lang=glossary.source_lang, target_lang=target_lang
        )
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    if parsed.errors:
        raise Invalid(
            f"{len(parsed.errors)} invalid line(s); nothing was imported",
            code="invalid_import",
            details=[{"line": e.line, "message": e.message} for e in parsed.errors],
        )
    rows = {r.source: r for r in entries_of(session, glossary)}
    existing = {source: to_entry(row) for source, row in rows.items()}
    change = glossaries.diff(list(existing.values()), _incoming(parsed, existing))
    removed = change.removed if replace else ()
    outcome = ImportOutcome(
        format=parsed.format,
        added=[e.source for e in change.added],
        changed=[old.source for old, _ in change.changed],
        removed=[e.source for e in removed],
        unchanged=len(change.unchanged),
        applied=False,
        jobs=0,
    )
    if dry_run or not (change.added or change.changed or removed):
        return outcome
    gone = [rows[e.source] for e in removed]
    jobs = _apply(session, editing, glossary, change, rows, gone)
    return dataclasses.replace(outcome, applied=True, jobs=len(jobs))


def _apply(
    session: Session,
    editing: Editing,
    glossary: GlossaryRow,
    change: glossaries.GlossaryDiff,
    rows: dict[str, EntryRow],
    gone: Sequence[EntryRow],
) -> list[str]:
    actor = editing.actor
    affected = articles_using(session, [r.id for r in gone])
    affected |= articles_using(session, [old.id for old, _ in change.changed])
    for row in gone:
        record(session, glossary, actor, "import-delete", row.id, snapshot(row), None)
        memory_store.mark_stale(session, row.id, None)
        session.delete(row)
    fresh: list[Entry] = []
    for old, new in change.changed:
        row = rows[old.source]
        before = snapshot(row)
        assign(row, new)
        row.revision += 1
        row.updated_at = utcnow()
        record(session, glossary, actor, "import-update", row.id, before, snapshot(row))
        fresh.append(to_entry(row))
        memory_store.mark_stale(session, row.id, fresh[-1].rendering)
    added = [new_row(glossary, entry) for entry in change.added]
    session.add_all(added)
    session.flush()
    for row in added:
        record(session, glossary, actor, "import-create", row.id, None, snapshot(row))
        fresh.append(to_entry(row))
    bump(glossary)
    session.flush()
    affected |= reindex_entries(session, glossary, fresh, [r.id for r in gone])
    return retranslate(session, editing, affected)
