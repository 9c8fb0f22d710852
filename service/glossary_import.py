"""Importing a TSV/CSV glossary file into a stored glossary, all or nothing.

The pure core parses the file (`glossaries.parse`) and compares old and new entries
(`glossaries.diff`); this module decides what the new entries are and applies the difference.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.orm import Session

import glossaries
from glossaries import Entry
from service import memory_store
from service.errors import Conflict, Invalid
from service.glossary_edits import Editing, retranslate
from service.glossary_store import entries_of, get_glossary, snapshot, to_entry
from service.tables import EntryRow, GlossaryRow, HistoryRow, new_entry_id, utcnow
from service.term_index import apply_index, articles_using, plan_index


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


def _columns(entry: Entry) -> dict[str, Any]:
    """An entry's value as column values (and, with its revision, as history records it)."""
    return {
        "source": entry.source,
        "aliases": list(entry.aliases),
        "targets": dict(entry.targets),
        "do_not_translate": entry.do_not_translate,
        "case_sensitive": entry.case_sensitive,
        "note": entry.note,
        "status": entry.status,
    }


def _apply(
    session: Session,
    editing: Editing,
    glossary: GlossaryRow,
    change: glossaries.GlossaryDiff,
    rows: dict[str, EntryRow],
    gone: Sequence[EntryRow],
) -> list[str]:
    """Compute every row first (history, entries, the term index: matching every article is
    the slow part), then write them with bulk statements in one short stretch.

    SQLite has one writer at a time and its write lock is held from the first write to the
    commit: written row by row with the articles matched in between, a 60,000-row import held
    it for 87 s and every publish meanwhile failed "database is locked" (issue 11). The import
    stays one transaction (all or nothing); only its writes hold the lock.
    """
    actor, now, seen = editing.actor, utcnow(), glossary.version
    history: list[dict[str, Any]] = []

    def log(action: str, entry_id: str, before: Any, after: Any) -> None:
        history.append(
            {
                "glossary_id": glossary.id,
                "glossary_name": glossary.name,
                "entry_id": entry_id,
                "action": action,
                "actor": actor,
                "at": now,
                "before": before,
                "after": after,
            }
        )

    affected = articles_using(
        session, [r.id for r in gone] + [rows[old.source].id for old, _ in change.changed]
    )
    for row in gone:
        log("import-delete", row.id, snapshot(row), None)
    updates: list[dict[str, Any]] = []
    fresh: list[Entry] = []
    changed_ids: set[str] = set()
    for old, new in change.changed:
        row = rows[old.source]
        changed_ids.add(row.id)
        values = {**_columns(new), "revision": row.revision + 1}
        updates.append({"id": row.id, **values, "updated_at": now})
        log("import-update", row.id, snapshot(row), values)
        fresh.append(dataclasses.replace(new, id=row.id))
    inserts: list[dict[str, Any]] = []
    for entry in change.added:
        values = {**_columns(entry), "revision": 1}
        entry_id = new_entry_id()
        inserts.append(
            {
                "id": entry_id,
                "glossary_id": glossary.id,
                **values,
                "created_at": now,
                "updated_at": now,
            }
        )
        log("import-create", entry_id, None, values)
        fresh.append(dataclasses.replace(entry, id=entry_id))
    plan = plan_index(session, glossary, fresh)
    # The writes. The first one takes the write lock and checks that nobody changed the
    # glossary since it was read (an editor's save meanwhile: refuse rather than overwrite).
    bumped = session.execute(
        update(GlossaryRow)
        .where(GlossaryRow.id == glossary.id, GlossaryRow.version == seen)
        .values(version=seen + 1, updated_at=now)
    )
    if bumped.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            "the glossary changed while the file was being imported; nothing was imported, "
            "import it again",
            code="changed",
        )
    gone_ids = [row.id for row in gone]
    for start in range(0, len(gone_ids), 500):
        session.execute(
            delete(EntryRow).where(EntryRow.id.in_(gone_ids[start : start + 500])),
            execution_options={"synchronize_session": False},
        )
    if updates:
        session.execute(update(EntryRow), updates)
    if inserts:
        session.execute(insert(EntryRow), inserts)
    session.execute(insert(HistoryRow), history)
    affected |= apply_index(session, glossary, plan, gone_ids)
    # Translation memory recorded under a rendering that changed (or of a deleted entry) is
    # no longer applied.
    for entry_id in gone_ids:
        memory_store.mark_stale(session, entry_id, None)
    for entry in fresh:
        if entry.id in changed_ids:
            memory_store.mark_stale(session, entry.id, entry.rendering)
    return retranslate(session, editing, affected)
