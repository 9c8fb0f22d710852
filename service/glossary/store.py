"""Glossaries in the store of record: glossaries, entries, their history, search and export.

One mapping between the pure `glossaries.Entry` and its row (`to_entry`, `new_row`,
`assign`); the HTTP shape is built from the row by `schemas.EntryOut.of`. Changes that
re-index and re-translate articles live in `glossary_edits`; imports in `glossary_import`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import glossaries
from glossaries import Entry
from service.errors import Conflict, Invalid, NotFound, PreconditionFailed, PreconditionRequired
from service.schemas import GLOSSARY_NAME_PATTERN
from service.store.tables import EntryRow, GlossaryRow, HistoryRow, utcnow

_NAME = re.compile(GLOSSARY_NAME_PATTERN)
SHIPPED_ACTOR = "kakehashi (shipped)"


# --- conversions ---------------------------------------------------------------------------


def to_entry(row: EntryRow) -> Entry:
    return Entry(
        source=row.source,
        targets=dict(row.targets),
        aliases=tuple(row.aliases),
        do_not_translate=row.do_not_translate,
        case_sensitive=row.case_sensitive,
        note=row.note,
        status=row.status,
        id=row.id,
    )


def assign(row: EntryRow, entry: Entry) -> None:
    """Copy an entry's value (not its id) onto a row."""
    row.source = entry.source
    row.aliases = list(entry.aliases)
    row.targets = dict(entry.targets)
    row.do_not_translate = entry.do_not_translate
    row.case_sensitive = entry.case_sensitive
    row.note = entry.note
    row.status = entry.status


def new_row(glossary: GlossaryRow, entry: Entry) -> EntryRow:
    row = EntryRow(glossary_id=glossary.id)
    assign(row, entry)
    return row


def snapshot(row: EntryRow) -> dict[str, Any]:
    """An entry as its history records it."""
    return {
        "source": row.source,
        "aliases": list(row.aliases),
        "targets": dict(row.targets),
        "do_not_translate": row.do_not_translate,
        "case_sensitive": row.case_sensitive,
        "note": row.note,
        "status": row.status,
        "revision": row.revision,
    }


def entry_etag(row: EntryRow) -> str:
    return row.etag


# --- glossaries ----------------------------------------------------------------------------


def get_glossary(session: Session, name: str) -> GlossaryRow:
    row = session.scalars(select(GlossaryRow).where(GlossaryRow.name == name)).first()
    if row is None:
        raise NotFound(f"no glossary {name!r}")
    return row


def record(
    session: Session,
    glossary: GlossaryRow,
    actor: str,
    action: str,
    entry_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Write a history row; it names the glossary too, so it outlives the glossary's deletion."""
    session.add(
        HistoryRow(
            glossary_id=glossary.id,
            glossary_name=glossary.name,
            entry_id=entry_id,
            action=action,
            actor=actor,
            before=before,
            after=after,
        )
    )


def bump(glossary: GlossaryRow) -> None:
    """A new glossary version: every process's matcher cache rebuilds on it."""
    glossary.version += 1
    glossary.updated_at = utcnow()


def create_glossary(
    session: Session, *, name: str, description: str, categories: Sequence[str] | None, actor: str
) -> GlossaryRow:
    if not _NAME.match(name):
        raise Invalid("a glossary name is 1-100 of a-z, 0-9, '_' and '-'")
    if session.scalars(select(GlossaryRow.id).where(GlossaryRow.name == name)).first():
        raise Conflict(f"glossary {name!r} exists", code="exists")
    row = GlossaryRow(
        name=name, description=description, categories=list(categories) if categories else None
    )
    session.add(row)
    session.flush()
    record(
        session,
        row,
        actor,
        "create-glossary",
        after={"name": name, "description": description, "categories": row.categories},
    )
    return row


def list_glossaries(session: Session) -> list[GlossaryRow]:
    return list(session.scalars(select(GlossaryRow).order_by(GlossaryRow.name)))


def entries_of(session: Session, glossary: GlossaryRow) -> list[EntryRow]:
    return list(session.scalars(select(EntryRow).where(EntryRow.glossary_id == glossary.id)))


def seed_shipped(session: Session) -> int:
    """Load the shipped glossaries on first start (never again once any glossary existed).

    Rows go in with one flush per glossary (ids are generated client-side), not one per entry.
    """
    if session.scalar(select(func.count()).select_from(GlossaryRow)) or session.scalar(
        select(func.count()).select_from(HistoryRow)
    ):
        return 0
    added = 0
    for shipped in glossaries.shipped_glossaries():
        row = create_glossary(
            session,
            name=shipped.name,
            description=shipped.description,
            categories=None,
            actor=SHIPPED_ACTOR,
        )
        rows = [new_row(row, entry) for entry in shipped.entries]
        session.add_all(rows)
        session.flush()
        for entry_row in rows:
            record(session, row, SHIPPED_ACTOR, "create", entry_row.id, None, snapshot(entry_row))
        added += len(rows)
    return added


def entry_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(EntryRow.glossary_id, func.count()).group_by(EntryRow.glossary_id)
    ).tuples()
    return {glossary_id: count for glossary_id, count in rows}


def entry_count(session: Session, glossary: GlossaryRow) -> int:
    return entry_counts(session).get(glossary.id, 0)


# --- entries -------------------------------------------------------------------------------


def get_entry(session: Session, glossary: GlossaryRow, entry_id: str) -> EntryRow:
    row = session.get(EntryRow, entry_id)
    if row is None or row.glossary_id != glossary.id:
        raise NotFound(f"no entry {entry_id} in glossary {glossary.name!r}")
    return row


def check_entry(entry: Entry) -> None:
    if entry.status == "approved" and not entry.targets and not entry.do_not_translate:
        raise Invalid("an approved entry needs at least one rendering")


def check_unique_surfaces(
    session: Session, glossary: GlossaryRow, entry: Entry, own_id: str | None
) -> None:
    surfaces = set(entry.surfaces())
    for row in entries_of(session, glossary):
        if row.id == own_id:
            continue
        clash = surfaces & {row.source, *row.aliases}
        if clash:
            term = sorted(clash)[0]
            raise Conflict(
                f"{term!r} is already a term of entry {row.id} ({row.source})",
                code="duplicate_term",
                details={"entry_id": row.id, "entry_source": row.source, "term": term},
            )


def check_precondition(row: EntryRow, if_match: str | None) -> None:
    """Refuse a change made without, or against an older, version of the entry (its ETag)."""
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the entry's ETag so no concurrent edit is lost"
        )
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" not in tags and entry_etag(row) not in tags:
        raise PreconditionFailed(
            f"the entry changed since you read it (now {entry_etag(row)}); "
            "read it again and re-apply your edit",
            current=entry_etag(row),
        )


def search_entries(
    session: Session,
    glossary: GlossaryRow,
    *,
    q: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[EntryRow]]:
    """Entries by source, paged in SQL; a text query also looks inside aliases, renderings and
    notes, which are JSON (not portably searchable in SQL), so it filters in Python."""
    stmt = select(EntryRow).where(EntryRow.glossary_id == glossary.id)
    if status:
        stmt = stmt.where(EntryRow.status == status)
    stmt = stmt.order_by(EntryRow.source, EntryRow.id)
    if not q:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        return int(total or 0), list(session.scalars(stmt.offset(offset).limit(limit)))
    needle = q.casefold()
    rows = [
        r
        for r in session.scalars(stmt)
        if needle in r.source.casefold()
        or any(needle in a.casefold() for a in r.aliases)
        or any(needle in t.casefold() for t in r.targets.values())
        or needle in r.note.casefold()
    ]
    return len(rows), rows[offset : offset + limit]


def history(
    session: Session, glossary: GlossaryRow, entry_id: str | None = None, limit: int = 100
) -> list[HistoryRow]:
    stmt = select(HistoryRow).where(HistoryRow.glossary_id == glossary.id)
    if entry_id is not None:
        stmt = stmt.where(HistoryRow.entry_id == entry_id)
    rows = list(session.scalars(stmt.order_by(HistoryRow.id.desc()).limit(limit)))
    if entry_id is not None and not rows:
        raise NotFound(f"no history for entry {entry_id}")
    return rows


def glossary_value(session: Session, glossary: GlossaryRow) -> glossaries.Glossary:
    """The pure-core value of a stored glossary (for export)."""
    rows = session.scalars(
        select(EntryRow).where(EntryRow.glossary_id == glossary.id).order_by(EntryRow.source)
    )
    return glossaries.Glossary(
        name=glossary.name,
        description=glossary.description,
        source_lang=glossary.source_lang,
        entries=tuple(to_entry(r) for r in rows),
    )


def export(session: Session, name: str, *, format: str, target_lang: str | None) -> str:
    """A stored glossary as a TSV/CSV file of `format`."""
    value = glossary_value(session, get_glossary(session, name))
    try:
        return glossaries.export(value, format=format, target_lang=target_lang)
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
