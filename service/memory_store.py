"""The translation memory in the database: editors' corrected sentences, recalled by the
pipeline before the engine (`translators.pipeline.TranslationMemory`), marked stale when a
glossary change touches their terms, exported and imported as TMX."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session, sessionmaker

from service.db import session_scope
from service.errors import Invalid, NotFound
from service.tables import MemoryRow, utcnow
from translators import tmx
from translators.normalize import normalize

Terms = tuple[tuple[str, str], ...]


def source_hash(sentence: str) -> str:
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()


def terms_key(terms: Iterable[tuple[str, str]]) -> str:
    blob = json.dumps(sorted({(a, b) for a, b in terms}), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def normalized_sentence(source: str) -> str:
    """The memory's key text: the sentence as the pipeline sees it (NFKC, trimmed)."""
    return normalize(source).text.strip()


@dataclass(frozen=True)
class MemoryEntry:
    lang: str
    source: str
    translation: str
    terms: Terms
    stale: bool = False
    created_by: str = ""
    id: int | None = None  # the stored row's, when read back (to edit or delete it)


def remember(session: Session, entry: MemoryEntry) -> MemoryRow:
    """Store (or replace) the entry for its sentence, language and terms; fresh again."""
    source = normalized_sentence(entry.source)
    terms = tuple(sorted(set(entry.terms)))
    key = terms_key(terms)
    row = session.scalars(
        select(MemoryRow).where(
            MemoryRow.lang == entry.lang,
            MemoryRow.source_hash == source_hash(source),
            MemoryRow.terms_key == key,
        )
    ).first()
    now = utcnow()
    if row is None:
        row = MemoryRow(
            lang=entry.lang,
            source_hash=source_hash(source),
            source=source,
            terms_key=key,
            created_at=now,
        )
        session.add(row)
    row.terms = [list(pair) for pair in terms]
    row.translation = entry.translation
    row.stale = entry.stale
    row.created_by = entry.created_by
    row.updated_at = now
    session.flush()
    return row


def entries(session: Session, lang: str | None = None, q: str | None = None) -> list[MemoryEntry]:
    """Memory entries, by language and sentence; `q`: only those whose sentence or
    translation contains it."""
    stmt = select(MemoryRow).order_by(MemoryRow.lang, MemoryRow.source, MemoryRow.id)
    if lang is not None:
        stmt = stmt.where(MemoryRow.lang == lang)
    if q:
        stmt = stmt.where(MemoryRow.source.contains(q) | MemoryRow.translation.contains(q))
    return [
        MemoryEntry(
            lang=row.lang,
            source=row.source,
            translation=row.translation,
            terms=tuple((str(a), str(b)) for a, b in row.terms),
            stale=row.stale,
            created_by=row.created_by,
            id=row.id,
        )
        for row in session.scalars(stmt)
    ]


def _row(session: Session, entry_id: int) -> MemoryRow:
    row = session.get(MemoryRow, entry_id)
    if row is None:
        raise NotFound(f"no memory entry {entry_id}")
    return row


def edit(session: Session, entry_id: int, translation: str, actor: str) -> MemoryEntry:
    """An editor's new translation for an entry: fresh again, applied from now on."""
    row = _row(session, entry_id)
    row.translation, row.stale, row.created_by, row.updated_at = translation, False, actor, utcnow()
    session.flush()
    terms = tuple((str(a), str(b)) for a, b in row.terms)
    return MemoryEntry(row.lang, row.source, row.translation, terms, row.stale, actor, row.id)


def delete(session: Session, entry_id: int) -> None:
    session.delete(_row(session, entry_id))
    session.flush()


def mark_stale(
    session: Session, entry_id: str, rendering: Callable[[str], str | None] | None
) -> int:
    """A glossary entry changed (`rendering`: its rendering per language now; None: deleted):
    memory entries recorded under another rendering of it are no longer applied (a changed
    rendering would not match them anyway; stale says so to whoever reads the memory).
    Returns how many were marked."""
    marked = 0
    rows = session.scalars(
        select(MemoryRow).where(
            MemoryRow.stale.is_(False), cast(MemoryRow.terms, String).contains(entry_id)
        )
    )
    for row in rows:
        for recorded_id, recorded in row.terms:
            if recorded_id != entry_id:
                continue
            if rendering is None or rendering(row.lang) != recorded:
                row.stale = True
                row.updated_at = utcnow()
                marked += 1
                break
    return marked


class DatabaseMemory:
    """`translators.pipeline.TranslationMemory` backed by the `translation_memory` table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def recall(self, target: str, queries: Sequence[tuple[str, Terms]]) -> list[str | None]:
        if not queries:
            return []
        wanted = {(source_hash(text.strip()), terms_key(terms)) for text, terms in queries}
        with session_scope(self.sessions) as session:
            rows = session.execute(
                select(MemoryRow.source_hash, MemoryRow.terms_key, MemoryRow.translation).where(
                    MemoryRow.lang == target,
                    MemoryRow.stale.is_(False),
                    MemoryRow.source_hash.in_(sorted({h for h, _ in wanted})),
                )
            ).tuples()
            found = {(h, k): text for h, k, text in rows}
        return [found.get((source_hash(text.strip()), terms_key(terms))) for text, terms in queries]


# --- TMX in and out ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    """What a TMX import did (or, for a dry run, would do)."""

    added: int
    changed: int
    unchanged: int
    applied: bool


def export_tmx(session: Session, version: str) -> bytes:
    return tmx.write_tmx(
        (
            tmx.TmxUnit(e.source, e.lang, e.translation, e.terms, e.stale, e.created_by)
            for e in entries(session)
        ),
        tool_version=version,
    )


def import_tmx(session: Session, data: bytes, *, dry_run: bool) -> ImportOutcome:
    """Check every unit first; apply nothing unless all are valid (and not `dry_run`)."""
    parsed = tmx.parse_tmx(data)
    if parsed.errors:
        raise Invalid(
            f"{len(parsed.errors)} problem(s) in the TMX file; nothing was imported",
            code="invalid_import",
            details=[{"line": e.line, "message": e.message} for e in parsed.errors],
        )
    current = {(e.lang, e.source, e.terms): e for e in entries(session)}
    added = changed = unchanged = 0
    incoming = []
    for unit in parsed.units:
        entry = MemoryEntry(
            lang=unit.lang,
            source=normalized_sentence(unit.source),
            translation=unit.translation,
            terms=unit.terms,
            stale=unit.stale,
            created_by=unit.creator,
        )
        old = current.get((entry.lang, entry.source, entry.terms))
        if old is None:
            added += 1
        elif old != entry:
            changed += 1
        else:
            unchanged += 1
            continue
        incoming.append(entry)
    if not dry_run:
        for entry in incoming:
            remember(session, entry)
    return ImportOutcome(added, changed, unchanged, applied=not dry_run and bool(incoming))
