"""The review desk: what partners may see of a translation, the queue of translations that
need an editor, and approval (as is, or with corrected segments that become memory).

`published_translations` holds one partner-visible snapshot per article and language. It is
written when a translation finishes needing no review (`publish_clean`) and when an editor
approves one (`approve`); it is removed when the article is retracted (`withdraw`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.errors import Conflict, Invalid, NotFound, PreconditionFailed, PreconditionRequired
from service.jobs import notices
from service.review import memory as memory_store
from service.review import queue as review_queue
from service.review.html_corrections import MarkupSplit, apply_html
from service.review.queue import ReviewItem, review_etag
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
from translators.corrections import (
    Corrected,
    Correction,
    CorrectionError,
    apply_corrections,
    approved,
    rejected,
)
from translators.report import Report, ReportError, decode, encode

__all__ = ["Correction", "ReviewItem", "approve", "history", "publish", "reject", "withdraw"]


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
class Approval:
    item: ReviewItem
    corrected: int
    remembered: int
    published_updated_at: datetime


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


def _report(t: Translation) -> Report:
    """The stored report, read once through the codec."""
    try:
        return decode(t.report, t.route)
    except ReportError as exc:  # stored by a newer kakehashi: never rewrite it with less
        raise Conflict(str(exc), code="report_version") from exc


def _corrected(
    t: Translation, report: Report, corrections: Sequence[Correction]
) -> tuple[Corrected, str | None]:
    """The corrections applied (pure), with the HTML body's new markup; the desk's 422 when
    some cannot be."""
    try:
        if t.format == "html":
            return apply_html(report, corrections, t.body)
        return apply_corrections(report, corrections), None
    except CorrectionError as exc:
        details = [
            {"segment": p.position, "index": p.index, "message": p.message} for p in exc.problems
        ]
        raise Invalid("some corrections cannot be applied", details=details) from exc
    except MarkupSplit as exc:
        details = [{"index": exc.index, "message": exc.message}]
        raise Invalid("some corrections cannot be applied", details=details) from exc


def _apply(session: Session, actor: str, t: Translation, done: Corrected, html: str | None) -> None:
    """Write the corrected texts into the translation; the corrected sentences become memory."""
    if not done.changes:
        return
    title, summary, body = done.report.texts()
    t.title, t.summary = title, summary
    t.body = body if html is None else html  # an HTML body's text is its markup
    for change in done.changes:
        terms = tuple((term.entry_id, term.target) for term in change.terms if term.entry_id)
        memory_store.remember(
            session,
            memory_store.MemoryEntry(
                lang=t.lang,
                source=change.source,
                translation=change.after,
                terms=terms,
                created_by=actor,
            ),
        )


def _history(
    t: Translation, r: Revision, actor: str, action: str, at: datetime, **details: object
) -> TranslationHistoryRow:
    return TranslationHistoryRow(
        translation_id=t.id,
        article_id=t.article_id,
        lang=t.lang,
        action=action,
        actor=actor,
        at=at,
        details={"revision": r.number, **details},
    )


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
    done, html = _corrected(t, _report(t), corrections)
    now = utcnow()
    _apply(session, actor, t, done, html)
    report = approved(done.report, by=actor, at=now.isoformat())
    t.report = encode(report)
    t.needs_review = False
    if done.changes:
        t.updated_at = now
    changes = [
        {"index": c.index, "part": c.part, "source": c.source, "before": c.before, "after": c.after}
        for c in done.changes
    ]
    reasons = list(done.report.review_reasons)  # what it needed review for, kept in the approval
    action = "correct" if changes else "approve"
    session.add(_history(t, r, actor, action, now, reasons=reasons, corrections=changes))
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
        remembered=len(changes),
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
    report = rejected(_report(t), by=actor, at=now.isoformat(), note=note)
    t.report = encode(report)
    reasons = list(report.review_reasons)
    session.add(_history(t, r, actor, "reject", now, reasons=reasons, note=note))
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
