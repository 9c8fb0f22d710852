"""Read models: articles and jobs as the API shows them, within the reading key's scope.

A key with languages or sections (a scoped partner) reads only articles in its sections, only
its languages' jobs and translations; a partner without `include_needs_review` never reads a
translation flagged for review (as in its feeds). Outside the scope: `Forbidden`, naming why.
"""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from feeds import sanitize_html
from service.access.api_keys import Principal
from service.articles import embargo
from service.articles.revisions import current_revision
from service.errors import Forbidden, Malformed, NotFound
from service.schemas import ArticleOut, ArticlePage, JobOut, LanguageStatus, TranslationOut
from service.store.tables import (
    Article,
    Delivery,
    Job,
    PublishedTranslation,
    Revision,
    Translation,
)


def job_out(job: Job, revision_number: int) -> JobOut:
    return JobOut(
        id=job.id,
        article_id=job.article_id,
        revision=revision_number,
        lang=job.target_lang,
        state=job.state,
        attempts=job.attempts,
        error=job.error,
        created_at=job.created_at,
        updated_at=job.updated_at,
        enqueued_at=job.enqueued_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _check_language(reader: Principal | None, lang: str) -> None:
    if reader is not None and not reader.may_read_language(lang):
        raise Forbidden(f"this key does not cover language {lang!r}")


def _check_sections(reader: Principal | None, categories: list[str]) -> None:
    if reader is None or reader.role == "admin" or reader.sections is None:
        return
    if not any(reader.may_read_section(c) for c in categories):
        raise Forbidden("this key does not cover the article's sections")


def get_job(session: Session, job_id: str, reader: Principal | None = None) -> JobOut:
    row = session.execute(
        select(Job, Revision.number, Revision.categories)
        .join(Revision, Revision.id == Job.revision_id)
        .where(Job.id == job_id)
    ).first()
    if row is None:
        raise NotFound(f"no job {job_id}")
    job, number, categories = row
    _check_embargo(reader, session.get(Article, job.article_id))
    _check_language(reader, job.target_lang)
    _check_sections(reader, list(categories))
    return job_out(job, number)


def _check_embargo(reader: Principal | None, article: Article | None) -> None:
    """A partner learns nothing of an article under embargo, not even that it exists."""
    if (
        article is not None
        and reader is not None
        and reader.role == "partner"
        and embargo.under_embargo(article)
    ):
        raise NotFound(f"no article {article.id}")


def article_out(session: Session, article: Article, reader: Principal | None = None) -> ArticleOut:
    _check_embargo(reader, article)
    revision = current_revision(session, article)
    _check_sections(reader, list(revision.categories))
    jobs = [
        job
        for job in session.scalars(
            select(Job).where(Job.revision_id == revision.id).order_by(Job.target_lang)
        )
        if reader is None or reader.may_read_language(job.target_lang)
    ]
    translations = {
        t.lang: (t, number)
        for t, number in session.execute(
            select(Translation, Revision.number)
            .join(Revision, Revision.id == Translation.revision_id)
            .where(Translation.article_id == article.id)
            .order_by(Revision.number)
        ).tuples()
    }
    languages: dict[str, LanguageStatus] = {}
    for job in jobs:
        done = translations.get(job.target_lang)
        languages[job.target_lang] = LanguageStatus(
            state=job.state,
            job_id=job.id,
            updated_at=job.updated_at,
            translated_revision=done[1] if done else None,
            needs_review=done[0].needs_review if done else None,
        )
    return ArticleOut(
        id=article.id,
        status=article.status,
        revision=revision.number,
        title=revision.title,
        url=revision.url,
        published_at=revision.published_at,
        created_at=article.created_at,
        updated_at=article.updated_at,
        retracted_at=article.retracted_at,
        languages=languages,
        jobs=[job_out(job, revision.number) for job in jobs],
        embargoed_until=article.embargoed_until,
        embargo=embargo.state(article),
    )


def list_articles(
    session: Session,
    *,
    status: str | None,
    updated_since: datetime | None,
    cursor: str | None,
    limit: int,
) -> ArticlePage:
    """Articles by id, with their per-language states, for a CMS reconciling its view:
    `updated_since` keeps those whose article or any job changed at or after it."""
    stmt = select(Article).order_by(Article.id).limit(limit + 1)
    if status is not None:
        stmt = stmt.where(Article.status == status)
    if updated_since is not None:
        changed_jobs = select(Job.article_id).where(Job.updated_at >= updated_since)
        stmt = stmt.where(or_(Article.updated_at >= updated_since, Article.id.in_(changed_jobs)))
    if cursor is not None:
        stmt = stmt.where(Article.id > _decode_article_cursor(cursor))
    rows = list(session.scalars(stmt))
    page = rows[:limit]
    more = len(rows) > limit
    next_cursor = (
        base64.urlsafe_b64encode(page[-1].id.encode()).decode().rstrip("=")
        if more and page
        else None
    )
    return ArticlePage(items=[article_out(session, a) for a in page], next_cursor=next_cursor)


def _decode_article_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("the cursor is not one this service made", code="bad_cursor") from exc
    if not raw:
        raise Malformed("the cursor is not one this service made", code="bad_cursor")
    return raw


def get_article(session: Session, article_id: str, reader: Principal | None = None) -> ArticleOut:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    return article_out(session, article, reader)


def translation_for(
    session: Session, article_id: str, lang: str, reader: Principal | None = None
) -> TranslationOut:
    """The translation a key may read, in its language and sections: the newest one, or for a
    partner without `include_needs_review` the last good (or approved) one, as in its feeds."""
    _check_language(reader, lang)
    _check_embargo(reader, session.get(Article, article_id))
    include_review = reader is None or reader.role != "partner" or reader.include_needs_review
    found = visible_translation(session, article_id, lang, include_review=include_review)
    if found is None:
        if include_review:
            raise NotFound(f"no {lang} translation of article {article_id}")
        raise NotFound(
            f"no reviewed {lang} translation of article {article_id} yet (this key does not "
            "see translations flagged for review)"
        )
    _check_sections(reader, found.categories)
    return found


def visible_translation(
    session: Session, article_id: str, lang: str, *, include_review: bool
) -> TranslationOut | None:
    """The translation a key may read: the newest one when it includes items needing review,
    else the published snapshot (None when there never was a good one)."""
    if include_review:
        return latest_translation(session, article_id, lang)
    row = session.execute(
        select(PublishedTranslation, Translation, Revision)
        .join(Translation, Translation.id == PublishedTranslation.translation_id)
        .join(
            Revision,
            (Revision.article_id == PublishedTranslation.article_id)
            & (Revision.number == PublishedTranslation.revision),
        )
        .join(Article, Article.id == PublishedTranslation.article_id)
        .where(
            PublishedTranslation.article_id == article_id,
            PublishedTranslation.lang == lang,
            Article.status == "published",
        )
    ).first()
    if row is None:
        return None
    p, t, r = row.tuple()
    # The snapshot's own text (an editor's corrections included), the translation's report.
    return _translation_out(p, t, r, needs_review=False)


def latest_translation(session: Session, article_id: str, lang: str) -> TranslationOut | None:
    row = session.execute(
        select(Translation, Revision)
        .join(Revision, Revision.id == Translation.revision_id)
        .join(Article, Article.id == Translation.article_id)
        .where(
            Translation.article_id == article_id,
            Translation.lang == lang,
            Article.status == "published",
        )
        .order_by(Revision.number.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    t, r = row
    return _translation_out(t, t, r, needs_review=t.needs_review)


def _translation_out(
    text: Translation | PublishedTranslation,
    translation: Translation,
    revision: Revision,
    *,
    needs_review: bool,
) -> TranslationOut:
    """A translation as the API shows it: `text` gives title, summary, body and date (the
    translation itself, or its published snapshot), `translation` the route, model and report."""
    html = text.format == "html"
    return TranslationOut(
        article_id=translation.article_id,
        lang=translation.lang,
        revision=revision.number,
        title=text.title,
        summary=text.summary,
        # The feeds' own sanitizer, so the API never serves markup a feed would strip.
        body=sanitize_html(text.body) if html else text.body,
        format="html" if html else "text",
        needs_review=needs_review,
        route=list(translation.route),
        model=translation.model,
        url=revision.url,
        categories=list(revision.categories),
        updated_at=text.updated_at,
        report=translation.report,
        correction=text.correction,
        change="correction" if revision.change == "correction" else "update",
    )


def job_counts(session: Session) -> dict[tuple[str, str], int]:
    """(state, language) -> number of jobs."""
    rows = session.execute(
        select(Job.state, Job.target_lang, func.count()).group_by(Job.state, Job.target_lang)
    ).tuples()
    return {(state, lang): count for state, lang, count in rows}


def translation_counts(session: Session) -> dict[tuple[str, bool], int]:
    """(language, needs_review) -> number of stored translations."""
    rows = session.execute(
        select(Translation.lang, Translation.needs_review, func.count()).group_by(
            Translation.lang, Translation.needs_review
        )
    ).tuples()
    return {(lang, review): count for lang, review, count in rows}


def article_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Article.status, func.count()).group_by(Article.status)).tuples()
    return {status: count for status, count in rows}


def queue_ages(session: Session, states: tuple[str, ...]) -> dict[str, tuple[int, datetime]]:
    """language -> (jobs in these states, the oldest one's creation time)."""
    rows = session.execute(
        select(Job.target_lang, func.count(), func.min(Job.created_at))
        .where(Job.state.in_(states))
        .group_by(Job.target_lang)
    ).tuples()
    return {lang: (count, oldest) for lang, count, oldest in rows}


def recent_durations(session: Session, since: datetime) -> dict[str, list[float]]:
    """language -> run times in seconds (claim to finish) of the jobs done since `since`."""
    rows = session.execute(
        select(Job.target_lang, Job.started_at, Job.finished_at).where(
            Job.state == "done", Job.finished_at >= since, Job.started_at.is_not(None)
        )
    ).tuples()
    out: dict[str, list[float]] = {}
    for lang, started, finished in rows:
        if started is not None and finished is not None:
            out.setdefault(lang, []).append((finished - started).total_seconds())
    return out


def delivery_counts(session: Session) -> dict[tuple[str, str], int]:
    """(target, state) -> notices."""
    rows = session.execute(
        select(Delivery.target, Delivery.state, func.count()).group_by(
            Delivery.target, Delivery.state
        )
    ).tuples()
    return {(target, state): count for target, state, count in rows}
