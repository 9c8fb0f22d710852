"""The review desk: what partners may see of a translation, the queue of translations that
need an editor, and approval (as is, or with corrected segments that become memory).

`published_translations` holds one partner-visible snapshot per article and language. It is
written when a translation finishes needing no review (`publish_clean`) and when an editor
approves one (`approve`); it is removed when the article is retracted (`withdraw`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.errors import Conflict, Invalid, NotFound, PreconditionFailed, PreconditionRequired
from service.jobs import notices
from service.review import memory as memory_store
from service.review import queue as review_queue
from service.review.html_corrections import SentenceNotFound, correct_html
from service.review.queue import PARTS, ReviewItem, flat_segments, review_etag
from service.settings import Settings
from service.store.tables import (
    Article,
    PublishedTranslation,
    Revision,
    Translation,
    TranslationHistoryRow,
    utcnow,
)
from service.syndication import versions as feed_versions
from translators.pipeline import Segment, TranslationResult

__all__ = ["PARTS", "ReviewItem", "approve", "flat_segments", "history", "publish", "reject"]


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


def _under_review(
    session: Session, article_id: str, lang: str, if_match: str | None
) -> tuple[Translation, Revision]:
    """The translation awaiting review, if the editor read this version of it (If-Match)."""
    found = review_queue.one(session, article_id, lang)
    if found is None:
        if session.get(Article, article_id) is None:
            raise NotFound(f"no article {article_id}")
        raise Conflict(
            f"no {lang} translation of article {article_id} awaits review",
            code="nothing_to_review",
        )
    t, _ = found
    if if_match is None:
        raise PreconditionRequired(
            "send If-Match with the ETag of the translation you reviewed, "
            "so that another editor's decision or a re-translation is not overwritten"
        )
    tags = [tag.strip() for tag in if_match.split(",")]
    current = review_etag(t)
    if "*" not in tags and current not in tags:
        raise PreconditionFailed(
            f"the translation changed since you read it (now {current}): another editor "
            "decided, or it was translated again; read it again and re-apply your corrections",
            current=current,
        )
    return found


def _problems(
    t: Translation, segments: list[dict[str, Any]], corrections: list[Correction]
) -> list[dict[str, Any]]:
    problems: list[dict[str, Any]] = []
    seen: set[int] = set()
    for n, correction in enumerate(corrections):
        message = None
        if not 0 <= correction.index < len(segments):
            message = "no segment with this index"
        elif correction.index in seen:
            message = "corrected twice"
        elif not correction.translation.strip():
            message = "empty text"
        if message:
            problems.append({"segment": n, "index": correction.index, "message": message})
        seen.add(correction.index)
    return problems


def _html_body(
    t: Translation, report: dict[str, Any], before: list[str], changed: dict[int, str]
) -> None:
    """The HTML body with its corrected sentences, markup kept (`before`: the body's sentences
    before the corrections, `changed`: body-local index -> new text)."""
    try:
        t.body = correct_html(t.body, before, changed)
    except SentenceNotFound as exc:
        first = next(s["index"] for s in flat_segments(report) if s["part"] == "body")
        raise Invalid(
            "some corrections cannot be applied",
            details=[
                {
                    "index": first + exc.index,
                    "message": "this sentence is split by the markup in a way the desk "
                    "cannot follow; correct it in the CMS",
                }
            ],
        ) from exc


def _apply(
    session: Session,
    actor: str,
    t: Translation,
    report: dict[str, Any],
    corrections: list[Correction],
) -> tuple[list[dict[str, Any]], int]:
    """Write the corrections into the report and the text; remember them."""
    segments = flat_segments(report)
    body_before = [
        str(s.get("translation", "")) for s in report.get("body", {}).get("segments", [])
    ]
    body_changed: dict[int, str] = {}
    changes = []
    for correction in corrections:
        flat = segments[correction.index]
        part = report[flat["part"]]
        local = flat["index"] - next(s["index"] for s in segments if s["part"] == flat["part"])
        stored = part["segments"][local]
        before = stored["translation"]
        text = correction.translation.strip()
        stored.update(translation=text, flags=[], strategy="editor")
        if flat["part"] == "body":
            body_changed[local] = text
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
                lang=t.lang, source=flat["source"], translation=text, terms=terms, created_by=actor
            ),
        )
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
        if t.format == "html":
            _html_body(t, report, body_before, body_changed)
        else:
            t.body = "\n\n".join(_paragraphs(route, report["body"]["segments"]))
    return changes, len(changes)


def _close(report: dict[str, Any]) -> list[str]:
    """Clear the report's review marks; returns the reasons it had."""
    reasons = list(report.get("review_reasons", []))
    for name in PARTS:
        if isinstance(report.get(name), dict):
            report[name]["needs_review"] = False
            report[name]["review_reasons"] = []
    report["review_reasons"] = []
    return reasons


def approve(
    session: Session,
    settings: Settings,
    actor: str,
    article_id: str,
    lang: str,
    corrections: list[Correction],
    if_match: str | None = None,
) -> Approval:
    """Approve the translation awaiting review, as is or with `corrections` (segment index,
    new text): the text is rebuilt (an HTML body keeps its markup), partners see it, the
    corrected sentences become memory, the history says who did what, and the CMS is told."""
    t, r = _under_review(session, article_id, lang, if_match)
    report: dict[str, Any] = json.loads(json.dumps(t.report))  # a copy we may change
    problems = _problems(t, flat_segments(report), corrections)
    if problems:
        raise Invalid("some corrections cannot be applied", details=problems)
    now = utcnow()
    changes, remembered = _apply(session, actor, t, report, corrections)
    reasons = _close(report)
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
        item=review_queue.item(t, r),
        corrected=len(changes),
        remembered=remembered,
        published_updated_at=snapshot.updated_at,
    )


def reject(
    session: Session, actor: str, article_id: str, lang: str, note: str, if_match: str | None
) -> ReviewItem:
    """Reject the translation awaiting review: it leaves the queue and partners keep the last
    published text (it is never published); it stays marked as needing review for keys that
    read drafts. A later re-translation joins the queue again."""
    t, r = _under_review(session, article_id, lang, if_match)
    now = utcnow()
    report: dict[str, Any] = json.loads(json.dumps(t.report))
    report["rejected"] = {"by": actor, "at": now.isoformat(), "note": note}
    t.report = report
    session.add(
        TranslationHistoryRow(
            translation_id=t.id,
            article_id=article_id,
            lang=lang,
            action="reject",
            actor=actor,
            at=now,
            details={
                "revision": r.number,
                "reasons": list(report.get("review_reasons", [])),
                "note": note,
            },
        )
    )
    session.flush()
    return review_queue.item(t, r)


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
