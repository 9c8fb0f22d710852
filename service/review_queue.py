"""The review queue: which translations await an editor, paged and filtered in SQL.

`review_queue` has one row per translation that needs review and was not rejected, and
`review_tags` its filter values (`reason:<code>`, `category:<name>`). A flush hook keeps them
in step with `translations` whoever writes a translation (the job that stores it, an
approval, a rejection), so no writer has to remember the queue. Pages walk the queue's
(updated_at, translation_id) index, oldest first; filters are EXISTS on the tag table, so a
page of a rare reason costs the same as any other at archive scale (bench/review_queue.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    delete,
    event,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session, UOWTransaction

from service.errors import Malformed
from service.tables import Article, ReviewQueueRow, ReviewTagRow, Revision, Translation

PARTS = ("title", "summary", "body")
_Row = TypeVarTuple("_Row")
REASON = "reason:"
CATEGORY = "category:"


def flat_segments(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every segment of a stored report, title then summary then body, numbered from 0."""
    out: list[dict[str, Any]] = []
    for part in PARTS:
        section = report.get(part)
        if not isinstance(section, dict):
            continue
        for segment in section.get("segments", []):
            out.append({"index": len(out), "part": part, **segment})
    return out


def review_etag(t: Translation) -> str:
    """The version of a translation under review, as an HTTP entity tag: approving or
    rejecting needs it in If-Match, so a re-translation or another editor's decision since the
    page was read is a 412, never a silent overwrite."""
    raw = json.dumps([t.id, t.title, t.body, t.report], sort_keys=True, default=str)
    return f'"r{t.id}.{hashlib.sha256(raw.encode()).hexdigest()[:16]}"'


# --- keeping the queue in step -------------------------------------------------------------


def _tags(connection: Connection, t: Translation) -> set[str]:
    categories = connection.scalar(select(Revision.categories).where(Revision.id == t.revision_id))
    tags = {f"{REASON}{r}" for r in t.report.get("review_reasons", [])}
    tags |= {f"{CATEGORY}{c}" for c in categories or []}
    return {tag[:200] for tag in tags}


def sync(connection: Connection, t: Translation) -> None:
    """Put `t` in the queue (with its tags) or take it out, as its state says."""
    connection.execute(delete(ReviewTagRow).where(ReviewTagRow.translation_id == t.id))
    connection.execute(delete(ReviewQueueRow).where(ReviewQueueRow.translation_id == t.id))
    if not t.needs_review or (t.report or {}).get("rejected"):
        return
    connection.execute(
        insert(ReviewQueueRow).values(
            translation_id=t.id, article_id=t.article_id, lang=t.lang, updated_at=t.updated_at
        )
    )
    tags = sorted(_tags(connection, t))
    if tags:
        connection.execute(
            insert(ReviewTagRow), [{"tag": tag, "translation_id": t.id} for tag in tags]
        )


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    # The session's new/dirty sets still hold what this flush wrote (SQLAlchemy documents
    # after_flush as seeing the pre-flush state), and ids are assigned by now.
    written = [o for o in (*session.new, *session.dirty) if isinstance(o, Translation)]
    if written:
        connection = session.connection()
        for t in written:
            sync(connection, t)


# --- reading it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewItem:
    article_id: str
    lang: str
    revision: int
    title: str
    source_title: str
    categories: list[str]
    format: str
    reasons: list[str]
    updated_at: datetime
    segments: list[dict[str, Any]]
    flagged: list[int]
    route: list[str]
    etag: str
    url: str


@dataclass(frozen=True)
class ReviewPage:
    items: list[ReviewItem]
    next_cursor: str | None = None


@dataclass(frozen=True)
class Filters:
    lang: str | None = None
    category: str | None = None
    reason: str | None = None


def _encode(when: datetime, translation_id: int) -> str:
    raw = json.dumps([when.isoformat(), translation_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, ident = json.loads(raw)
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None or not isinstance(ident, int):
            raise ValueError("incomplete cursor")
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise Malformed("the cursor is not one this service made", code="bad_cursor") from exc
    return when, ident


def _live() -> ColumnElement[bool]:
    """The queued translation is of the current revision of a published article. An EXISTS
    per queue row, so that the queue's own index drives the page: as a join, PostgreSQL
    misjudges the correlated article/revision keys (one row expected for 10,000) and sorts
    every waiting translation for each page (bench/review_queue.py)."""
    return exists(
        select(Translation.id)
        .join(Revision, Revision.id == Translation.revision_id)
        .join(Article, Article.id == ReviewQueueRow.article_id)
        .where(
            Translation.id == ReviewQueueRow.translation_id,
            Revision.number == Article.current_revision,
            Article.status == "published",
        )
    )


def awaiting() -> Select[int]:
    """The ids of queued translations of current revisions of published articles."""
    return select(ReviewQueueRow.translation_id).where(_live())


def _rows(session: Session, ids: list[int]) -> list[tuple[Translation, Revision]]:
    """The translations (with their revisions) of `ids`, in that order."""
    found = {
        t.id: (t, r)
        for t, r in session.execute(
            select(Translation, Revision)
            .join(Revision, Revision.id == Translation.revision_id)
            .where(Translation.id.in_(ids))
        ).tuples()
    }
    return [found[i] for i in ids if i in found]


def _tagged(tag: str) -> Any:
    return exists().where(
        ReviewTagRow.translation_id == ReviewQueueRow.translation_id, ReviewTagRow.tag == tag
    )


def _filtered(stmt: Select[*_Row], filters: Filters) -> Select[*_Row]:
    if filters.lang is not None:
        stmt = stmt.where(ReviewQueueRow.lang == filters.lang)
    if filters.reason is not None:
        stmt = stmt.where(_tagged(REASON + filters.reason))
    if filters.category is not None:
        stmt = stmt.where(_tagged(CATEGORY + filters.category))
    return stmt


def _pivots(session: Session, rows: list[tuple[Translation, Revision]]) -> dict[int, list[str]]:
    """For each pivoted translation (ja→en→fr), the sentences of the step between (the same
    revision's translation into that language, when it exists sentence for sentence)."""
    wanted = {(t.revision_id, t.route[1]): t.id for t, _ in rows if len(t.route) > 2}
    if not wanted:
        return {}
    found = session.scalars(
        select(Translation).where(
            Translation.revision_id.in_({rev for rev, _ in wanted}),
            Translation.lang.in_({lang for _, lang in wanted}),
        )
    )
    out: dict[int, list[str]] = {}
    for middle in found:
        target = wanted.get((middle.revision_id, middle.lang))
        if target is not None:
            out[target] = [str(s.get("translation", "")) for s in flat_segments(middle.report)]
    return out


def item(t: Translation, r: Revision, pivot: list[str] | None = None) -> ReviewItem:
    segments = flat_segments(t.report)
    if pivot is not None and len(pivot) == len(segments):
        segments = [{**s, "pivot": p} for s, p in zip(segments, pivot, strict=True)]
    return ReviewItem(
        article_id=t.article_id,
        lang=t.lang,
        revision=r.number,
        title=t.title,
        source_title=r.title,
        categories=list(r.categories),
        format=t.format,
        reasons=list(t.report.get("review_reasons", [])),
        updated_at=t.updated_at,
        segments=segments,
        flagged=[s["index"] for s in segments if s.get("flags")],
        route=list(t.route),
        etag=review_etag(t),
        url=r.url,
    )


def page(
    session: Session, filters: Filters, *, cursor: str | None = None, limit: int = 20
) -> ReviewPage:
    """Translations awaiting review, oldest first, `limit` per page (one indexed query)."""
    stmt = _filtered(awaiting(), filters)
    if cursor is not None:
        when, ident = _decode(cursor)
        stmt = stmt.where(
            (ReviewQueueRow.updated_at > when)
            | ((ReviewQueueRow.updated_at == when) & (ReviewQueueRow.translation_id > ident))
        )
    stmt = stmt.order_by(ReviewQueueRow.updated_at, ReviewQueueRow.translation_id)
    ids = list(session.scalars(stmt.limit(limit + 1)))
    more = len(ids) > limit
    rows = _rows(session, ids[:limit])
    pivots = _pivots(session, rows)
    items = [item(t, r, pivots.get(t.id)) for t, r in rows]
    last = rows[-1][0] if rows else None
    next_cursor = _encode(last.updated_at, last.id) if more and last is not None else None
    return ReviewPage(items=items, next_cursor=next_cursor)


def one(session: Session, article_id: str, lang: str) -> tuple[Translation, Revision] | None:
    ids = list(
        session.scalars(
            awaiting().where(ReviewQueueRow.article_id == article_id, ReviewQueueRow.lang == lang)
        )
    )
    rows = _rows(session, ids[:1])
    return rows[0] if rows else None


def one_item(session: Session, t: Translation, r: Revision) -> ReviewItem:
    return item(t, r, _pivots(session, [(t, r)]).get(t.id))


@dataclass(frozen=True)
class Facets:
    total: int
    langs: dict[str, int]
    reasons: dict[str, int]
    categories: dict[str, int]


def facets(session: Session, lang: str | None = None) -> Facets:
    """How many translations await review, per language, and per reason and category (within
    `lang` when given): the desk's filter choices with their counts."""
    base = awaiting()
    by_lang = base.with_only_columns(ReviewQueueRow.lang, func.count()).group_by(
        ReviewQueueRow.lang
    )
    langs = {lang: count for lang, count in session.execute(by_lang).tuples()}
    by_tag = (
        select(ReviewTagRow.tag, func.count())
        .join(ReviewQueueRow, ReviewQueueRow.translation_id == ReviewTagRow.translation_id)
        .where(_live())
        .group_by(ReviewTagRow.tag)
    )
    if lang is not None:
        by_tag = by_tag.where(ReviewQueueRow.lang == lang)
    tags = session.execute(by_tag).tuples()
    reasons: dict[str, int] = {}
    categories: dict[str, int] = {}
    for tag, count in tags:
        if tag.startswith(REASON):
            reasons[tag.removeprefix(REASON)] = count
        elif tag.startswith(CATEGORY):
            categories[tag.removeprefix(CATEGORY)] = count
    return Facets(total=sum(langs.values()), langs=langs, reasons=reasons, categories=categories)
