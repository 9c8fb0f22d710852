"""Glossaries in the store of record: entries, history, the term index, and re-translation.

An edit to an entry bumps its revision (its ETag) and its glossary's version, writes a history
row, re-indexes the articles that use the term, and queues new jobs for exactly those articles;
the sentence cache then makes only the sentences containing the term miss.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

import glossaries
from glossaries import Entry, Matcher
from service.errors import ApiError
from service.tables import (
    Article,
    EntryRow,
    GlossaryRow,
    HistoryRow,
    Job,
    Revision,
    TermOccurrence,
    utcnow,
)
from translators.normalize import normalize

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,99}$"
_NAME = re.compile(NAME_PATTERN)


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


def snapshot(row: EntryRow) -> dict[str, Any]:
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
    return f'"{row.id}.{row.revision}"'


def article_text(revision: Revision) -> str:
    """The text an article's terms are matched in: title, summary and body, as plain text."""
    body = revision.body
    if revision.format == "html":
        from translators.markup import html_to_text

        body = html_to_text(body)
    return "\n\n".join(part for part in (revision.title, revision.summary or "", body) if part)


# --- glossaries ----------------------------------------------------------------------------


def get_glossary(session: Session, name: str) -> GlossaryRow:
    row = session.scalars(select(GlossaryRow).where(GlossaryRow.name == name)).first()
    if row is None:
        raise ApiError(404, "not_found", f"no glossary {name!r}")
    return row


def _history(
    session: Session,
    glossary: GlossaryRow,
    actor: str,
    action: str,
    entry_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        HistoryRow(
            glossary_id=glossary.id,
            entry_id=entry_id,
            action=action,
            actor=actor,
            before=before,
            after=after,
        )
    )


def _bump(glossary: GlossaryRow) -> None:
    glossary.version += 1
    glossary.updated_at = utcnow()


def create_glossary(
    session: Session, *, name: str, description: str, categories: Sequence[str] | None, actor: str
) -> GlossaryRow:
    if not _NAME.match(name):
        raise ApiError(422, "invalid", "a glossary name is 1-100 of a-z, 0-9, '_' and '-'")
    if session.scalars(select(GlossaryRow.id).where(GlossaryRow.name == name)).first():
        raise ApiError(409, "exists", f"glossary {name!r} exists")
    row = GlossaryRow(
        name=name, description=description, categories=list(categories) if categories else None
    )
    session.add(row)
    session.flush()
    _history(
        session,
        row,
        actor,
        "create-glossary",
        after={"name": name, "description": description, "categories": row.categories},
    )
    return row


def list_glossaries(session: Session) -> list[GlossaryRow]:
    return list(session.scalars(select(GlossaryRow).order_by(GlossaryRow.name)))


def _entries_of(session: Session, glossary: GlossaryRow) -> list[EntryRow]:
    return list(session.scalars(select(EntryRow).where(EntryRow.glossary_id == glossary.id)))


def _articles_using_any(session: Session, entry_ids: Iterable[str]) -> set[str]:
    ids = list(entry_ids)
    if not ids:
        return set()
    return set(
        session.scalars(select(TermOccurrence.article_id).where(TermOccurrence.entry_id.in_(ids)))
    )


def update_glossary(
    session: Session,
    glossary: GlossaryRow,
    changes: dict[str, Any],
    actor: str,
    targets: Sequence[str],
) -> list[str]:
    """Change a glossary's description or categories; returns the re-translation jobs.

    New categories change which articles the glossary applies to, so its terms are re-indexed
    and the articles that gain or lose them are translated again.
    """
    before = {"description": glossary.description, "categories": glossary.categories}
    for field, value in changes.items():
        setattr(glossary, field, value)
    after = {"description": glossary.description, "categories": glossary.categories}
    _history(session, glossary, actor, "update-glossary", None, before, after)
    _bump(glossary)
    if before["categories"] == after["categories"]:
        return []
    rows = _entries_of(session, glossary)
    affected = _articles_using_any(session, (r.id for r in rows))
    affected |= reindex_entries(session, glossary, [to_entry(r) for r in rows])
    return requeue(session, affected, targets, "glossary")


def delete_glossary(
    session: Session, glossary: GlossaryRow, actor: str, targets: Sequence[str]
) -> list[str]:
    """Delete a glossary and its entries; returns the re-translation jobs of its articles."""
    ids = [r.id for r in _entries_of(session, glossary)]
    affected = _articles_using_any(session, ids)
    if ids:
        session.execute(delete(TermOccurrence).where(TermOccurrence.entry_id.in_(ids)))
    session.delete(glossary)
    session.flush()
    del actor  # the glossary's history goes with it; the deletion is logged by the service
    return requeue(session, affected, targets, "glossary")


def seed_shipped(session: Session) -> int:
    """Load the shipped glossaries on first start (never again once any glossary existed)."""
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
            actor="kakehashi (shipped)",
        )
        for entry in shipped.entries:
            entry_row = _new_row(row, entry)
            session.add(entry_row)
            session.flush()
            _history(
                session,
                row,
                "kakehashi (shipped)",
                "create",
                entry_row.id,
                None,
                snapshot(entry_row),
            )
            added += 1
    return added


def _new_row(glossary: GlossaryRow, entry: Entry) -> EntryRow:
    return EntryRow(
        glossary_id=glossary.id,
        source=entry.source,
        aliases=list(entry.aliases),
        targets=dict(entry.targets),
        do_not_translate=entry.do_not_translate,
        case_sensitive=entry.case_sensitive,
        note=entry.note,
        status=entry.status,
    )


def entry_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(EntryRow.glossary_id, func.count()).group_by(EntryRow.glossary_id)
    ).tuples()
    return {glossary_id: count for glossary_id, count in rows}


# --- matchers ------------------------------------------------------------------------------


def applicable(glossary: GlossaryRow, categories: Sequence[str]) -> bool:
    return glossary.categories is None or bool(set(glossary.categories) & set(categories))


class MatcherCache:
    """One Matcher per set of applicable glossary versions, rebuilt only when one changes.

    Every process (API, each worker) keeps its own; a glossary's version number in the
    database tells all of them when to rebuild.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
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
            raise ApiError(422, "unknown_glossary", f"no glossary {missing[0]!r}")
        return self._matcher(session, [known[n] for n in names])

    def _matcher(self, session: Session, chosen_rows: Sequence[GlossaryRow]) -> Matcher:
        chosen = tuple((g.id, g.version) for g in chosen_rows)
        with self._lock:
            matcher = self._cache.get(chosen)
        if matcher is not None:
            return matcher
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


# --- the term index ------------------------------------------------------------------------


def index_article(
    session: Session, article_id: str, revision: Revision, matcher: Matcher
) -> list[str]:
    """Record which entries occur in the article's current revision; returns their ids."""
    counts: dict[str, int] = {}
    for match in matcher.find(normalize(article_text(revision)).text):
        counts[match.entry.id] = counts.get(match.entry.id, 0) + 1
    session.execute(delete(TermOccurrence).where(TermOccurrence.article_id == article_id))
    session.add_all(
        TermOccurrence(article_id=article_id, entry_id=entry_id, count=count)
        for entry_id, count in counts.items()
    )
    return list(counts)


def _current_revisions(
    session: Session, glossary: GlossaryRow, article_ids: Iterable[str] | None = None
) -> list[Revision]:
    stmt = (
        select(Revision)
        .join(
            Article,
            (Article.id == Revision.article_id) & (Article.current_revision == Revision.number),
        )
        .where(Article.status == "published")
    )
    if article_ids is not None:
        stmt = stmt.where(Article.id.in_(list(article_ids)))
    return [r for r in session.scalars(stmt) if applicable(glossary, r.categories)]


def reindex_entries(
    session: Session, glossary: GlossaryRow, entries: Sequence[Entry], stale_ids: Iterable[str] = ()
) -> set[str]:
    """Re-scan published articles for some entries, in one pass over the articles.

    Index rows of `entries` and `stale_ids` are replaced; returns the articles using `entries`.
    """
    ids = {e.id for e in entries} | set(stale_ids)
    if ids:
        session.execute(delete(TermOccurrence).where(TermOccurrence.entry_id.in_(ids)))
    live = [e for e in entries if e.status == "approved"]
    if not live:
        return set()
    matcher = Matcher(live)
    using: set[str] = set()
    for revision in _current_revisions(session, glossary):
        counts: dict[str, int] = {}
        for match in matcher.find(normalize(article_text(revision)).text):
            counts[match.entry.id] = counts.get(match.entry.id, 0) + 1
        session.add_all(
            TermOccurrence(article_id=revision.article_id, entry_id=entry_id, count=count)
            for entry_id, count in counts.items()
        )
        if counts:
            using.add(revision.article_id)
    return using


def articles_using(session: Session, entry_id: str) -> set[str]:
    return set(
        session.scalars(
            select(TermOccurrence.article_id).where(TermOccurrence.entry_id == entry_id)
        )
    )


def requeue(
    session: Session, article_ids: Iterable[str], targets: Sequence[str], reason: str
) -> list[str]:
    """New jobs for the current revision of each article, in every target language."""
    ids = sorted(set(article_ids))
    if not ids:
        return []
    rows = (
        session.execute(
            select(Article.id, Revision.id)
            .join(
                Revision,
                (Revision.article_id == Article.id) & (Revision.number == Article.current_revision),
            )
            .where(Article.id.in_(ids), Article.status == "published")
        )
        .tuples()
        .all()
    )
    jobs = [
        Job(article_id=article_id, revision_id=revision_id, target_lang=lang, reason=reason)
        for article_id, revision_id in rows
        for lang in targets
    ]
    session.add_all(jobs)
    session.flush()
    return [job.id for job in jobs]


# --- entries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryChange:
    row: EntryRow | None
    affected_articles: set[str]
    job_ids: list[str]


def get_entry(session: Session, glossary: GlossaryRow, entry_id: str) -> EntryRow:
    row = session.get(EntryRow, entry_id)
    if row is None or row.glossary_id != glossary.id:
        raise ApiError(404, "not_found", f"no entry {entry_id} in glossary {glossary.name!r}")
    return row


def _check_entry(entry: Entry) -> None:
    if entry.status == "approved" and not entry.targets and not entry.do_not_translate:
        raise ApiError(422, "invalid", "an approved entry needs at least one rendering")


def _duplicate_surface(
    session: Session, glossary: GlossaryRow, entry: Entry, own_id: str | None
) -> None:
    surfaces = set(entry.surfaces())
    for row in session.scalars(select(EntryRow).where(EntryRow.glossary_id == glossary.id)):
        if row.id == own_id:
            continue
        clash = surfaces & {row.source, *row.aliases}
        if clash:
            term = sorted(clash)[0]
            raise ApiError(
                409,
                "duplicate_term",
                f"{term!r} is already a term of entry {row.id} ({row.source})",
                {"entry_id": row.id, "entry_source": row.source, "term": term},
            )


def create_entry(
    session: Session, glossary: GlossaryRow, entry: Entry, actor: str, targets: Sequence[str]
) -> EntryChange:
    _check_entry(entry)
    _duplicate_surface(session, glossary, entry, None)
    row = _new_row(glossary, entry)
    session.add(row)
    session.flush()
    _history(session, glossary, actor, "create", row.id, None, snapshot(row))
    _bump(glossary)
    using = reindex_entries(session, glossary, [to_entry(row)])
    return EntryChange(row, using, requeue(session, using, targets, "glossary"))


def update_entry(
    session: Session,
    glossary: GlossaryRow,
    row: EntryRow,
    changes: dict[str, Any],
    if_match: str | None,
    actor: str,
    targets: Sequence[str],
) -> EntryChange:
    _precondition(row, if_match)
    before = snapshot(row)
    before_using = articles_using(session, row.id)
    for field, value in changes.items():
        setattr(row, field, list(value) if isinstance(value, tuple) else value)
    entry = to_entry(row)
    _check_entry(entry)
    _duplicate_surface(session, glossary, entry, row.id)
    row.revision += 1
    row.updated_at = utcnow()
    _history(session, glossary, actor, "update", row.id, before, snapshot(row))
    _bump(glossary)
    session.flush()
    using = reindex_entries(session, glossary, [entry])
    affected = using | before_using
    return EntryChange(row, affected, requeue(session, affected, targets, "glossary"))


def delete_entry(
    session: Session,
    glossary: GlossaryRow,
    row: EntryRow,
    if_match: str | None,
    actor: str,
    targets: Sequence[str],
) -> EntryChange:
    _precondition(row, if_match)
    affected = articles_using(session, row.id)
    _history(session, glossary, actor, "delete", row.id, snapshot(row), None)
    session.execute(delete(TermOccurrence).where(TermOccurrence.entry_id == row.id))
    session.delete(row)
    _bump(glossary)
    session.flush()
    return EntryChange(None, affected, requeue(session, affected, targets, "glossary"))


def _precondition(row: EntryRow, if_match: str | None) -> None:
    if if_match is None:
        raise ApiError(
            428,
            "precondition_required",
            "send If-Match with the entry's ETag so no concurrent edit is lost",
        )
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" not in tags and entry_etag(row) not in tags:
        raise ApiError(
            412,
            "precondition_failed",
            f"the entry changed since you read it (now {entry_etag(row)}); "
            "read it again and re-apply your edit",
            headers={"ETag": entry_etag(row)},
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
    return list(session.scalars(stmt.order_by(HistoryRow.id.desc()).limit(limit)))


# --- usage and suggestions -----------------------------------------------------------------


def usage(
    session: Session, glossary: GlossaryRow, row: EntryRow, limit: int = 100
) -> list[dict[str, Any]]:
    """The articles (current revisions) and the sentences in them where the term occurs."""
    from translators.segment import split_paragraphs, split_sentences

    matcher = Matcher([to_entry(row)], include_drafts=True)
    out = []
    ids = sorted(articles_using(session, row.id)) if row.status == "approved" else None
    for revision in _current_revisions(session, glossary, ids)[:limit]:
        sentences = [
            sentence
            for paragraph in split_paragraphs(normalize(article_text(revision)).text)
            for sentence in split_sentences(paragraph)
            if matcher.find(sentence)
        ]
        if sentences:
            out.append(
                {
                    "article_id": revision.article_id,
                    "revision": revision.number,
                    "title": revision.title,
                    "sentences": sentences,
                }
            )
    return out


def suggestions(
    session: Session, glossary: GlossaryRow, max_articles: int = 5000
) -> list[glossaries.Suggestion]:
    counts: dict[str, int] = {}
    for revision in _current_revisions(session, glossary)[:max_articles]:
        for word, n in glossaries.katakana_words(article_text(revision)).items():
            counts[word] = counts.get(word, 0) + n
    entries = [
        to_entry(r)
        for r in session.scalars(select(EntryRow).where(EntryRow.glossary_id == glossary.id))
    ]
    return glossaries.suggest_variants(entries, counts)


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


def find_entries_by_source(session: Session, glossary: GlossaryRow) -> dict[str, EntryRow]:
    return {
        r.source: r
        for r in session.scalars(select(EntryRow).where(EntryRow.glossary_id == glossary.id))
    }


@dataclass(frozen=True)
class ImportOutcome:
    format: str
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int
    applied: bool
    job_ids: list[str]


def import_entries(
    session: Session,
    glossary: GlossaryRow,
    text: str,
    *,
    format: str,
    target_lang: str | None,
    dry_run: bool,
    replace: bool,
    actor: str,
    targets: Sequence[str],
) -> ImportOutcome:
    """Validate every line first; apply nothing unless all lines are valid (and not dry_run).

    DeepL and AWS files carry renderings only: they merge into existing entries' renderings.
    Our own format carries whole entries: they replace existing ones of the same source.
    With `replace`, entries missing from the file are deleted.
    """
    try:
        parsed = glossaries.parse(
            text, format=format, source_lang=glossary.source_lang, target_lang=target_lang
        )
    except ValueError as exc:
        raise ApiError(422, "invalid", str(exc)) from exc
    if parsed.errors:
        raise ApiError(
            422,
            "invalid_import",
            f"{len(parsed.errors)} invalid line(s); nothing was imported",
            [{"line": e.line, "message": e.message} for e in parsed.errors],
        )
    existing = find_entries_by_source(session, glossary)
    whole = parsed.format.startswith("kakehashi")
    added: list[Entry] = []
    changed: list[tuple[EntryRow, Entry]] = []
    unchanged = 0
    for entry in parsed.entries:
        row = existing.get(entry.source)
        if row is None:
            added.append(entry)
            continue
        old = to_entry(row)
        new = (
            entry
            if whole
            else Entry(
                source=old.source,
                targets={**old.targets, **entry.targets},
                aliases=old.aliases,
                do_not_translate=old.do_not_translate,
                case_sensitive=old.case_sensitive,
                note=old.note,
                status=old.status,
                id=old.id,
            )
        )
        new = Entry(
            source=new.source,
            targets=new.targets,
            aliases=new.aliases,
            do_not_translate=new.do_not_translate,
            case_sensitive=new.case_sensitive,
            note=new.note,
            status=new.status,
            id=row.id,
        )
        if new.canonical() == old.canonical():
            unchanged += 1
        else:
            changed.append((row, new))
    seen = {e.source for e in parsed.entries}
    removed = [row for source, row in existing.items() if replace and source not in seen]
    outcome = ImportOutcome(
        parsed.format,
        [e.source for e in added],
        [r.source for r, _ in changed],
        [r.source for r in removed],
        unchanged,
        False,
        [],
    )
    if dry_run or not (added or changed or removed):
        return outcome
    affected: set[str] = set()
    for row in removed:
        affected |= articles_using(session, row.id)
        _history(session, glossary, actor, "import-delete", row.id, snapshot(row), None)
        session.delete(row)
    fresh: list[Entry] = []
    for row, new in changed:
        affected |= articles_using(session, row.id)
        before = snapshot(row)
        row.targets, row.aliases = dict(new.targets), list(new.aliases)
        row.do_not_translate, row.case_sensitive = new.do_not_translate, new.case_sensitive
        row.note, row.status = new.note, new.status
        row.revision += 1
        row.updated_at = utcnow()
        _history(session, glossary, actor, "import-update", row.id, before, snapshot(row))
        fresh.append(to_entry(row))
    for entry in added:
        row = _new_row(glossary, entry)
        session.add(row)
        session.flush()
        _history(session, glossary, actor, "import-create", row.id, None, snapshot(row))
        fresh.append(to_entry(row))
    _bump(glossary)
    session.flush()
    affected |= reindex_entries(session, glossary, fresh, [r.id for r in removed])
    jobs = requeue(session, affected, targets, "glossary")
    return ImportOutcome(
        outcome.format, outcome.added, outcome.changed, outcome.removed, unchanged, True, jobs
    )
