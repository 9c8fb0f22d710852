"""The review desk: what partners may see of a translation, the queue of translations that
need an editor, and approval (as is, or with corrected segments that become memory).

`published_translations` holds one partner-visible snapshot per article and language. It is
written when a translation finishes needing no review (`publish_clean`) and when an editor
approves one (`approve`); it is removed when the article is retracted (`withdraw`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from service import feed_versions, memory_store, notices
from service.errors import Conflict, Invalid, Malformed, NotFound
from service.revisions import IS_CURRENT
from service.settings import Settings
from service.tables import (
    Article,
    PublishedTranslation,
    Revision,
    Translation,
    TranslationHistoryRow,
    utcnow,
)
from translators.pipeline import Segment, TranslationResult

PARTS = ("title", "summary", "body")


def publish(
    session: Session,
    translation: Translation,
    revision: int,
    *,
    approved_by: str | None = None,
    now: datetime | None = None,
) -> PublishedTranslation:
    """Make `translation` what default partners see. `updated_at` moves only when the text
    changed (an unchanged re-translation keeps its date and feed position)."""
    now = now or utcnow()
    row = session.get(PublishedTranslation, (translation.article_id, translation.lang))
    text = (translation.title, translation.summary, translation.body, translation.format)
    if row is None:
        row = PublishedTranslation(
            article_id=translation.article_id, lang=translation.lang, published_at=now
        )
        session.add(row)
        changed = True
    else:
        changed = (row.title, row.summary, row.body, row.format) != text or (
            row.correction != translation.correction
        )
    row.translation_id = translation.id
    row.correction = translation.correction
    row.revision = revision
    row.title, row.summary, row.body, row.format = text
    if changed:
        row.updated_at = now
    row.approved_by = approved_by
    row.approved_at = now if approved_by else None
    # What default partners see changed (or its approval did): their cached feeds are stale.
    feed_versions.bump(session, [translation.lang])
    return row


def withdraw(session: Session, article_id: str) -> None:
    """A retracted article leaves default partners' view (its tombstone says so)."""
    session.execute(
        delete(PublishedTranslation).where(PublishedTranslation.article_id == article_id)
    )


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


# --- the queue -----------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ReviewPage:
    items: list[ReviewItem]
    next_cursor: str | None = None


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


def _awaiting() -> Select[Translation, Revision]:
    """Translations of current revisions of published articles that still need review."""
    return (
        select(Translation, Revision)
        .join(Revision, Revision.id == Translation.revision_id)
        .join(Article, Article.id == Translation.article_id)
        .where(IS_CURRENT, Article.status == "published", Translation.needs_review.is_(True))
    )


def _item(t: Translation, r: Revision) -> ReviewItem:
    segments = flat_segments(t.report)
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
    )


def queue(
    session: Session,
    *,
    lang: str | None = None,
    category: str | None = None,
    reason: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> ReviewPage:
    """Translations awaiting review, oldest first, `limit` per page.

    Category and reason live in JSON columns, so they are filtered here while the rows stream
    in date order; a review queue is short-lived work (hundreds of rows, not the archive).
    """
    stmt = _awaiting().order_by(Translation.updated_at, Translation.id)
    if lang is not None:
        stmt = stmt.where(Translation.lang == lang)
    if cursor is not None:
        when, ident = _decode(cursor)
        stmt = stmt.where(
            (Translation.updated_at > when)
            | ((Translation.updated_at == when) & (Translation.id > ident))
        )
    items: list[ReviewItem] = []
    last: Translation | None = None
    more = False
    for t, r in session.execute(stmt).tuples():
        if category is not None and category not in r.categories:
            continue
        if reason is not None and reason not in t.report.get("review_reasons", []):
            continue
        if len(items) == limit:
            more = True
            break
        items.append(_item(t, r))
        last = t
    next_cursor = _encode(last.updated_at, last.id) if more and last is not None else None
    return ReviewPage(items=items, next_cursor=next_cursor)


# --- approval ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    index: int
    translation: str


@dataclass(frozen=True)
class Approval:
    item: ReviewItem
    corrected: int
    remembered: int
    published_updated_at: datetime


def _segment(data: dict[str, Any]) -> Segment:
    return Segment(
        paragraph=int(data.get("paragraph", 0)),
        source=str(data.get("source", "")),
        translation=str(data.get("translation", "")),
        flags=tuple(data.get("flags", [])),
        terms=(),
    )


def _paragraphs(route: list[str], segments: list[dict[str, Any]]) -> list[str]:
    """The part's paragraphs, glued as the pipeline glues them."""
    result = TranslationResult(
        segments=tuple(_segment(s) for s in segments),
        route=tuple(route),
        needs_review=False,
        cache_hits=0,
        cache_misses=0,
    )
    return result.paragraphs()


def approve(
    session: Session,
    settings: Settings,
    actor: str,
    article_id: str,
    lang: str,
    corrections: list[Correction],
) -> Approval:
    """Approve the translation awaiting review, as is or with `corrections` (segment index,
    new text): the text is rebuilt, partners see it, the corrected sentences become memory,
    the history says who did what, and the CMS is told (a `done` notice)."""
    found = session.execute(
        _awaiting().where(Translation.article_id == article_id, Translation.lang == lang)
    ).first()
    if found is None:
        if session.get(Article, article_id) is None:
            raise NotFound(f"no article {article_id}")
        raise Conflict(
            f"no {lang} translation of article {article_id} awaits review",
            code="nothing_to_review",
        )
    t, r = found.tuple()
    report: dict[str, Any] = json.loads(json.dumps(t.report))  # a copy we may change
    segments = flat_segments(report)
    problems = []
    seen: set[int] = set()
    for n, correction in enumerate(corrections):
        if not 0 <= correction.index < len(segments):
            problems.append(
                {"segment": n, "index": correction.index, "message": "no segment with this index"}
            )
        elif correction.index in seen:
            problems.append({"segment": n, "index": correction.index, "message": "corrected twice"})
        elif segments[correction.index]["part"] == "body" and t.format == "html":
            problems.append(
                {
                    "segment": n,
                    "index": correction.index,
                    "message": "segments of an HTML body cannot be corrected here yet",
                }
            )
        elif not correction.translation.strip():
            problems.append({"segment": n, "index": correction.index, "message": "empty text"})
        seen.add(correction.index)
    if problems:
        raise Invalid("some corrections cannot be applied", details=problems)
    now = utcnow()
    changes = []
    remembered = 0
    for correction in corrections:
        flat = segments[correction.index]
        part = report[flat["part"]]
        local = flat["index"] - next(s["index"] for s in segments if s["part"] == flat["part"])
        stored = part["segments"][local]
        before = stored["translation"]
        text = correction.translation.strip()
        stored.update(translation=text, flags=[], strategy="editor")
        changes.append(
            {
                "index": correction.index,
                "part": flat["part"],
                "source": flat["source"],
                "before": before,
                "after": text,
            }
        )
        terms = tuple(
            (str(term["entry_id"]), str(term["target"]))
            for term in stored.get("terms", [])
            if term.get("entry_id")
        )
        memory_store.remember(
            session,
            memory_store.MemoryEntry(
                lang=lang, source=flat["source"], translation=text, terms=terms, created_by=actor
            ),
        )
        remembered += 1
    reasons = list(report.get("review_reasons", []))
    if changes:
        route = list(t.route)
        for name in PARTS:
            part = report.get(name)
            if isinstance(part, dict):
                paragraphs = _paragraphs(route, part.get("segments", []))
                part["text"] = "\n\n".join(p for p in paragraphs if p)
        t.title = " ".join(_paragraphs(route, report["title"]["segments"]))
        summary = "\n\n".join(_paragraphs(route, report["summary"]["segments"]))
        t.summary = summary or None
        if t.format != "html":
            t.body = "\n\n".join(_paragraphs(route, report["body"]["segments"]))
    for name in PARTS:
        if isinstance(report.get(name), dict):
            report[name]["needs_review"] = False
            report[name]["review_reasons"] = []
    report["review_reasons"] = []
    report["approved"] = {"by": actor, "at": now.isoformat(), "reasons": reasons}
    t.report = report
    t.needs_review = False
    if changes:
        t.updated_at = now
    session.add(
        TranslationHistoryRow(
            translation_id=t.id,
            article_id=article_id,
            lang=lang,
            action="correct" if changes else "approve",
            actor=actor,
            at=now,
            details={"revision": r.number, "reasons": reasons, "corrections": changes},
        )
    )
    session.flush()
    snapshot = publish(session, t, r.number, approved_by=actor, now=now)
    notices.record(
        session,
        settings,
        event=notices.DONE,
        article_id=article_id,
        lang=lang,
        details={"revision": r.number, "approved_by": actor},
    )
    return Approval(
        item=_item(t, r),
        corrected=len(changes),
        remembered=remembered,
        published_updated_at=snapshot.updated_at,
    )


def history(session: Session, article_id: str, lang: str) -> list[TranslationHistoryRow]:
    if session.get(Article, article_id) is None:
        raise NotFound(f"no article {article_id}")
    return list(
        session.scalars(
            select(TranslationHistoryRow)
            .where(
                TranslationHistoryRow.article_id == article_id, TranslationHistoryRow.lang == lang
            )
            .order_by(TranslationHistoryRow.at, TranslationHistoryRow.id)
        )
    )
