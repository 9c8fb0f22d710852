"""Importing a TSV/CSV glossary file into a stored glossary, all or nothing.

The pure core parses the file (`glossaries.parse`) and compares old and new entries
(`glossaries.diff`); this module decides what the new entries are, works out what the import
would re-translate (the same impact a single edit shows, `service.impact`), and applies the
difference. A dry run does all of it but the writes, so its preview is exactly what applying
would do (`service.import_preview` is the answer's shape).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, delete, insert, update
from sqlalchemy.orm import Session

import glossaries
from glossaries import Entry
from glossaries.exchange import MissingTargetLang
from service import memory_store
from service.errors import Conflict, Invalid
from service.glossary_edits import Editing, changed_languages, retranslate
from service.glossary_store import entries_of, get_glossary, snapshot, to_entry
from service.import_preview import (
    Counts,
    EntrySummary,
    ImpactArticleOut,
    ImportImpact,
    Page,
    summaries,
)
from service.revisions import published_current
from service.tables import EntryRow, GlossaryRow, HistoryRow, Revision, new_entry_id, utcnow
from service.term_index import IndexPlan, apply_index, articles_using, forget_entries, plan_index

# Rows per write statement and entries per matching pass: big enough to be fast, small enough
# that no statement's parameters (or one pass's automaton) grow with the file.
WRITE_CHUNK = 1_000
MATCH_CHUNK = 20_000
FIRST_ARTICLES = 5
# Inserts go to the Core tables: SQLAlchemy's ORM bulk-insert path costs ~0.25 ms a row in
# Python (20 s of a 40,000-row import), the Core executemany a fraction of that.
ENTRIES: Table = EntryRow.__table__  # type: ignore[assignment]
HISTORY: Table = HistoryRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did (or, for a dry run, would do): counts, one page of each list of
    entries with their fields before → after, and the re-translation impact; `jobs` counts
    the jobs queued (0 for a dry run, where `impact.jobs` says how many it would queue)."""

    format: str
    dry_run: bool
    applied: bool
    counts: Counts
    added: list[EntrySummary]
    changed: list[EntrySummary]
    removed: list[EntrySummary]
    unchanged: int
    page: Page
    impact: ImportImpact
    jobs: int


@dataclass
class _Plan:
    """Everything the import would write, worked out before any write."""

    change: glossaries.GlossaryDiff
    removed: tuple[Entry, ...]
    fresh: list[Entry]  # changed and added entries with their ids, to index
    changed_ids: set[str]
    languages: list[str]
    using: set[str]  # articles using a changed or removed entry now
    index: list[IndexPlan]
    added_ids: list[str]

    @property
    def affected(self) -> set[str]:
        matched: set[str] = set().union(*(p.using for p in self.index)) if self.index else set()
        return self.using | matched


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


def _parse(
    text: str, glossary: GlossaryRow, format: str, target_lang: str | None, target_lang_name: str
) -> glossaries.ImportResult:
    try:
        parsed = glossaries.parse(
            text,
            format=format,
            source_lang=glossary.source_lang,
            target_lang=target_lang,
            target_lang_name=target_lang_name,
        )
    except MissingTargetLang as exc:
        details = {"field": "target_lang"}
        raise Invalid(str(exc), code="target_lang_required", details=details) from exc
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    if parsed.errors:
        raise Invalid(
            f"{len(parsed.errors)} invalid line(s); nothing was imported",
            code="invalid_import",
            details=[{"line": e.line, "message": e.message, "text": e.text} for e in parsed.errors],
        )
    return parsed


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
    offset: int = 0,
    limit: int = 100,
    target_lang_name: str = "the target_lang parameter",
) -> ImportOutcome:
    """Validate every line first; apply nothing unless all lines are valid (and not dry_run).

    With `replace`, entries missing from the file are deleted. `offset` and `limit` choose the
    page of entries listed; `target_lang_name` is how the caller's user sets the target
    language (the API's parameter, the CLI's flag), for the message asking for it.
    """
    glossary = get_glossary(session, name)
    parsed = _parse(text, glossary, format, target_lang, target_lang_name)
    rows = {r.source: r for r in entries_of(session, glossary)}
    existing = {source: to_entry(row) for source, row in rows.items()}
    change = glossaries.diff(list(existing.values()), _incoming(parsed, existing))
    plan = _plan(session, editing, glossary, change, change.removed if replace else (), rows)
    anything = bool(change.added or change.changed or plan.removed)
    jobs = 0
    if not dry_run and anything:
        jobs = len(_apply(session, editing, glossary, plan, rows))
    outcome = _outcome(session, parsed.format, plan, offset, limit)
    return dataclasses.replace(
        outcome, dry_run=dry_run, applied=not dry_run and anything, jobs=jobs
    )


def _plan(
    session: Session,
    editing: Editing,
    glossary: GlossaryRow,
    change: glossaries.GlossaryDiff,
    removed: Sequence[Entry],
    rows: dict[str, EntryRow],
) -> _Plan:
    """What to re-index and re-translate: an entry counts when a single edit making the same
    change would (`changed_languages`: a note alone changes no translation)."""
    languages: set[str] = set()
    fresh: list[Entry] = []
    changed_ids: set[str] = set()
    concerned: list[str] = []
    for old, new in change.changed:
        row = rows[old.source]
        changed_ids.add(row.id)
        langs = changed_languages(editing, old, new)
        if langs:
            languages.update(langs)
            concerned.append(row.id)
            fresh.append(dataclasses.replace(new, id=row.id))
    added_ids = [new_entry_id() for _ in change.added]
    fresh += [dataclasses.replace(e, id=i) for e, i in zip(change.added, added_ids, strict=True)]
    if change.added or removed:  # what an entry matches changes: every language
        languages.update(editing.targets)
    concerned += [rows[e.source].id for e in removed]
    using: set[str] = set()
    for chunk in _chunks(concerned, 500):
        using |= articles_using(session, chunk)
    # Matching every article is the slow part: done here, before the transaction writes.
    index = [plan_index(session, glossary, chunk) for chunk in _chunks(fresh, MATCH_CHUNK)]
    ordered = [lang for lang in editing.targets if lang in languages]
    return _Plan(change, tuple(removed), fresh, changed_ids, ordered, using, index, added_ids)


def _outcome(session: Session, format: str, plan: _Plan, offset: int, limit: int) -> ImportOutcome:
    change = plan.change
    counts = Counts(
        len(change.added), len(change.changed), len(plan.removed), len(change.unchanged)
    )
    longest = max(counts.added, counts.changed, counts.removed)
    affected = plan.affected
    impact = ImportImpact(
        articles=len(affected),
        languages=plan.languages if affected else [],
        jobs=len(affected) * len(plan.languages),
        first=[ImpactArticleOut(a, t) for a, t in _newest_first(session, affected)],
        using_now=len(plan.using),
        would_match=len(affected - plan.using),
    )
    return ImportOutcome(
        format=format,
        dry_run=True,
        applied=False,
        counts=counts,
        added=summaries([(None, e) for e in change.added], offset, limit),
        changed=summaries(list(change.changed), offset, limit),
        removed=summaries([(e, None) for e in plan.removed], offset, limit),
        unchanged=counts.unchanged,
        page=Page(offset, limit, offset + limit if offset + limit < longest else None),
        impact=impact,
        jobs=0,
    )


def _newest_first(session: Session, article_ids: set[str]) -> list[tuple[str, str]]:
    """(id, title) of the newest few affected articles, as the single-edit impact lists."""
    found: list[Revision] = []
    for chunk in _chunks(sorted(article_ids), 500):
        stmt = published_current(chunk).order_by(Revision.published_at.desc(), Revision.article_id)
        found.extend(session.scalars(stmt.limit(FIRST_ARTICLES)))
    found.sort(key=lambda r: (-r.published_at.timestamp(), r.article_id))
    return [(r.article_id, r.title) for r in found[:FIRST_ARTICLES]]


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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


def _history(
    glossary: GlossaryRow, actor: str, now: Any, action: str, entry_id: str, before: Any, after: Any
) -> dict[str, Any]:
    return {
        "glossary_id": glossary.id,
        "glossary_name": glossary.name,
        "entry_id": entry_id,
        "action": action,
        "actor": actor,
        "at": now,
        "before": before,
        "after": after,
    }


def _apply(
    session: Session,
    editing: Editing,
    glossary: GlossaryRow,
    plan: _Plan,
    rows: dict[str, EntryRow],
) -> list[str]:
    """Write the plan with bulk statements of WRITE_CHUNK rows, in one short stretch.

    SQLite has one writer at a time and its write lock is held from the first write to the
    commit: written row by row with the articles matched in between, a 60,000-row import held
    it for 87 s and every publish meanwhile failed "database is locked" (issue 11); so all the
    matching is in the plan, done before. The import stays one transaction (all or nothing);
    the statements are chunked so that no list of 200k parameter sets is ever built (issue
    19.8: a 200k-row import grew the API's RSS by 800 MB).
    """
    # The first write takes the write lock and checks that nobody changed the glossary since
    # it was read (an editor's save meanwhile: refuse rather than overwrite).
    now, seen = utcnow(), glossary.version
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
    gone = [rows[e.source] for e in plan.removed]
    for chunk in _chunks(gone, WRITE_CHUNK):
        history = [
            _history(glossary, editing.actor, now, "import-delete", r.id, snapshot(r), None)
            for r in chunk
        ]
        session.execute(insert(HISTORY), history)
        session.execute(
            delete(EntryRow).where(EntryRow.id.in_([r.id for r in chunk])),
            execution_options={"synchronize_session": False},
        )
    _write_changed(session, editing, glossary, plan, rows, now)
    _write_added(session, editing, glossary, plan, now)
    gone_ids = [r.id for r in gone]
    for chunk in _chunks(gone_ids, 500):
        forget_entries(session, chunk)
    affected = set(plan.using)
    for index in plan.index:
        affected |= apply_index(session, glossary, index)
    # Translation memory recorded under a rendering that changed (or of a deleted entry) is
    # no longer applied.
    for entry_id in gone_ids:
        memory_store.mark_stale(session, entry_id, None)
    for entry in plan.fresh:
        if entry.id in plan.changed_ids:
            memory_store.mark_stale(session, entry.id, entry.rendering)
    return retranslate(session, editing, affected, plan.languages)


def _write_changed(
    session: Session,
    editing: Editing,
    glossary: GlossaryRow,
    plan: _Plan,
    rows: dict[str, EntryRow],
    now: Any,
) -> None:
    for chunk in _chunks(plan.change.changed, WRITE_CHUNK):
        updates, history = [], []
        for old, new in chunk:
            row = rows[old.source]
            values = {**_columns(new), "revision": row.revision + 1}
            updates.append({"id": row.id, **values, "updated_at": now})
            history.append(
                _history(
                    glossary, editing.actor, now, "import-update", row.id, snapshot(row), values
                )
            )
        session.execute(update(EntryRow), updates)
        session.execute(insert(HISTORY), history)


def _write_added(
    session: Session, editing: Editing, glossary: GlossaryRow, plan: _Plan, now: Any
) -> None:
    pairs = list(zip(plan.change.added, plan.added_ids, strict=True))
    for chunk in _chunks(pairs, WRITE_CHUNK):
        inserts, history = [], []
        for entry, entry_id in chunk:
            values = {**_columns(entry), "revision": 1}
            inserts.append(
                {
                    "id": entry_id,
                    "glossary_id": glossary.id,
                    **values,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            history.append(
                _history(glossary, editing.actor, now, "import-create", entry_id, None, values)
            )
        session.execute(insert(ENTRIES), inserts)
        session.execute(insert(HISTORY), history)
