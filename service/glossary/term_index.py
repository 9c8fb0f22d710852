"""The term index: which glossary entries occur in which published article, and what follows.

Matchers are cached per set of glossary versions; articles are indexed on ingest and
re-indexed when an entry changes; the articles concerned get new translation jobs (the
sentence cache then makes only the sentences containing the term miss).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

import glossaries
from glossaries import Entry, Matcher
from service.articles.revisions import published_current, published_current_ids
from service.glossary.matchers import applicable
from service.glossary.store import entries_of, to_entry
from service.jobs.translate_job import supersede
from service.store import unit_of_work
from service.store.tables import EntryRow, GlossaryRow, Job, Revision, TermOccurrence
from translators.normalize import normalize


def article_text(revision: Revision) -> str:
    """The text an article's terms are matched in: title, summary and body, as plain text."""
    body = revision.body
    if revision.format == "html":
        from translators.markup import html_to_text

        body = html_to_text(body)
    return "\n\n".join(part for part in (revision.title, revision.summary or "", body) if part)


def _counts(matcher: Matcher, revision: Revision) -> dict[str, int]:
    counts: dict[str, int] = {}
    for match in matcher.find(normalize(article_text(revision)).text):
        counts[match.entry.id] = counts.get(match.entry.id, 0) + 1
    return counts


def index_article(
    session: Session, article_id: str, revision: Revision, matcher: Matcher
) -> list[str]:
    """Record which entries occur in the article's current revision; returns their ids."""
    counts = _counts(matcher, revision)
    session.execute(delete(TermOccurrence).where(TermOccurrence.article_id == article_id))
    session.add_all(
        TermOccurrence(article_id=article_id, entry_id=entry_id, count=count)
        for entry_id, count in counts.items()
    )
    return list(counts)


def current_revisions(
    session: Session, glossary: GlossaryRow, article_ids: Iterable[str] | None = None
) -> list[Revision]:
    """Current revisions of published articles the glossary applies to."""
    revisions = session.scalars(published_current(article_ids))
    return [r for r in revisions if applicable(glossary, r.categories)]


@dataclass
class IndexPlan:
    """Index rows of some entries, matched in every published article without writing: the
    matching is the slow part, so it runs before a transaction takes any write lock."""

    entries: list[Entry]
    rows: list[dict[str, Any]] = field(default_factory=list)
    using: set[str] = field(default_factory=set)
    through_revision: int = 0
    """The newest revision when the articles were read: later ones are matched in `apply`."""


def _match_into(plan: IndexPlan, matcher: Matcher, revisions: Iterable[Revision]) -> None:
    for revision in revisions:
        counts = _counts(matcher, revision)
        plan.rows.extend(
            {"article_id": revision.article_id, "entry_id": entry_id, "count": count}
            for entry_id, count in counts.items()
        )
        if counts:
            plan.using.add(revision.article_id)


def plan_index(session: Session, glossary: GlossaryRow, entries: Sequence[Entry]) -> IndexPlan:
    """Match `entries` in the published articles the glossary applies to; writes nothing."""
    plan = IndexPlan(entries=list(entries))
    plan.through_revision = session.scalar(select(func.max(Revision.id))) or 0
    live = [e for e in entries if e.status == "approved"]
    if live:
        _match_into(plan, Matcher(live), current_revisions(session, glossary))
    return plan


def _chunks(ids: Sequence[str], size: int = 500) -> Iterable[list[str]]:
    # Bounded IN lists: SQLite and PostgreSQL both cap the parameters of one statement.
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def apply_index(
    session: Session, glossary: GlossaryRow, plan: IndexPlan, stale_ids: Iterable[str] = ()
) -> set[str]:
    """Replace the index rows of the plan's entries and `stale_ids` with the plan's rows, with
    bulk statements; articles revised since the plan was made are matched again here. Returns
    the articles using the plan's entries."""
    ids = sorted({e.id for e in plan.entries} | set(stale_ids))
    for chunk in _chunks(ids):
        session.execute(
            delete(TermOccurrence).where(TermOccurrence.entry_id.in_(chunk)),
            execution_options={"synchronize_session": False},
        )
    live = [e for e in plan.entries if e.status == "approved"]
    if not live:
        return set()
    late = [
        r
        for r in session.scalars(published_current().where(Revision.id > plan.through_revision))
        if applicable(glossary, r.categories)
    ]
    if late:
        revised = {r.article_id for r in late}
        plan.rows = [row for row in plan.rows if row["article_id"] not in revised]
        plan.using -= revised
        _match_into(plan, Matcher(live), late)
    if plan.rows:
        session.execute(insert(TermOccurrence), plan.rows)
    return set(plan.using)


def reindex_entries(
    session: Session, glossary: GlossaryRow, entries: Sequence[Entry], stale_ids: Iterable[str] = ()
) -> set[str]:
    """Re-scan published articles for some entries, in one pass over the articles.

    Index rows of `entries` and `stale_ids` are replaced; returns the articles using `entries`.
    """
    return apply_index(session, glossary, plan_index(session, glossary, entries), stale_ids)


def articles_using(session: Session, entry_ids: Iterable[str]) -> set[str]:
    ids = list(entry_ids)
    if not ids:
        return set()
    return set(
        session.scalars(select(TermOccurrence.article_id).where(TermOccurrence.entry_id.in_(ids)))
    )


def forget_entries(session: Session, entry_ids: Iterable[str]) -> None:
    ids = list(entry_ids)
    if ids:
        session.execute(delete(TermOccurrence).where(TermOccurrence.entry_id.in_(ids)))


def requeue(
    session: Session, article_ids: Iterable[str], targets: Sequence[str], reason: str
) -> list[str]:
    """New jobs for the current revision of each article, in every target language."""
    ids = sorted(set(article_ids))
    if not ids:
        return []
    rows = session.execute(published_current_ids(ids)).tuples().all()
    supersede(session, [article_id for article_id, _ in rows], targets, f"superseded ({reason})")
    jobs = [
        Job(article_id=article_id, revision_id=revision_id, target_lang=lang, reason=reason)
        for article_id, revision_id in rows
        for lang in targets
    ]
    session.add_all(jobs)
    session.flush()
    unit_of_work.jobs_recorded(session, [job.id for job in jobs])
    return [job.id for job in jobs]


def usage(
    session: Session, glossary: GlossaryRow, row: EntryRow, limit: int = 100
) -> list[dict[str, Any]]:
    """The articles (current revisions) and the sentences in them where the term occurs."""
    from translators.segment import split_paragraphs, split_sentences

    matcher = Matcher([to_entry(row)], include_drafts=True)
    out = []
    ids = sorted(articles_using(session, [row.id])) if row.status == "approved" else None
    for revision in current_revisions(session, glossary, ids)[:limit]:
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
    for revision in current_revisions(session, glossary)[:max_articles]:
        for word, n in glossaries.katakana_words(article_text(revision)).items():
            counts[word] = counts.get(word, 0) + n
    entries = [to_entry(r) for r in entries_of(session, glossary)]
    return glossaries.suggest_variants(entries, counts)
