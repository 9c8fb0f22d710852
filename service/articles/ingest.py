"""Articles in: create, revise and retract, writing jobs in the same transaction (the outbox)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.articles.revisions import current_revision, published_current_ids
from service.errors import Conflict, NotFound
from service.jobs.translate_job import CANCELLED, OPEN_STATES, RUNNING
from service.schemas import ArticleContent
from service.store import unit_of_work
from service.store.tables import Article, ArticleCategory, Job, Revision, Translation, utcnow


@dataclass(frozen=True)
class IngestResult:
    article: Article
    revision: Revision
    jobs: list[Job]
    created_revision: bool


def content_hash(content: ArticleContent) -> str:
    data = content.model_dump(mode="json")
    # Left out when unused, so revisions stored before corrections existed keep their hash.
    for name, default in (("correction", None), ("change", "update")):
        if data.get(name) == default:
            data.pop(name, None)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def revision_jobs(session: Session, revision: Revision) -> list[Job]:
    return list(
        session.scalars(select(Job).where(Job.revision_id == revision.id).order_by(Job.target_lang))
    )


def _new_revision(
    session: Session,
    article: Article,
    number: int,
    content: ArticleContent,
    digest: str,
    targets: tuple[str, ...],
) -> tuple[Revision, list[Job]]:
    revision = Revision(
        article_id=article.id,
        number=number,
        content_hash=digest,
        title=content.title,
        body=content.body,
        format=content.format,
        summary=content.summary,
        url=str(content.url),
        author=content.author,
        categories=list(content.categories),
        published_at=content.published_at,
        correction=content.correction,
        change=content.change,
    )
    session.add(revision)
    session.flush()
    session.add_all(
        ArticleCategory(revision_id=revision.id, category=c)
        for c in sorted(set(revision.categories))
    )
    jobs = [
        Job(article_id=article.id, revision_id=revision.id, target_lang=lang) for lang in targets
    ]
    session.add_all(jobs)
    session.flush()
    unit_of_work.jobs_recorded(session, [job.id for job in jobs])
    return revision, jobs


def _cancel_open_jobs(session: Session, article_id: str, reason: str) -> None:
    now = utcnow()
    session.execute(
        update(Job)
        .where(Job.article_id == article_id, Job.state.in_(OPEN_STATES), Job.state != RUNNING)
        .values(state=CANCELLED, error=reason, finished_at=now, updated_at=now)
    )


def create(
    session: Session, article_id: str, content: ArticleContent, targets: tuple[str, ...]
) -> IngestResult:
    """POST: a new article; the same content again is a no-op, other content a conflict."""
    digest = content_hash(content)
    article = session.get(Article, article_id)
    if article is not None:
        revision = current_revision(session, article)
        if article.status == "published" and revision.content_hash == digest:
            return IngestResult(article, revision, revision_jobs(session, revision), False)
        if article.status == "retracted":
            raise Conflict(
                f"article {article_id} was retracted; PUT it to publish it again", code="retracted"
            )
        raise Conflict(
            f"article {article_id} exists with other content; "
            f"send changes with PUT /v1/articles/{article_id}",
            code="exists",
        )
    return _create_new(session, article_id, content, digest, targets)


def _create_new(
    session: Session,
    article_id: str,
    content: ArticleContent,
    digest: str,
    targets: tuple[str, ...],
) -> IngestResult:
    now = utcnow()
    article = Article(
        id=article_id, status="published", current_revision=1, created_at=now, updated_at=now
    )
    session.add(article)
    session.flush()
    revision, jobs = _new_revision(session, article, 1, content, digest, targets)
    return IngestResult(article, revision, jobs, True)


def replace(
    session: Session, article_id: str, content: ArticleContent, targets: tuple[str, ...]
) -> IngestResult:
    """PUT: a new revision when the content changed (or the article was retracted)."""
    digest = content_hash(content)
    article = session.get(Article, article_id)
    if article is None:
        return _create_new(session, article_id, content, digest, targets)
    current = current_revision(session, article)
    if article.status == "published" and current.content_hash == digest:
        return IngestResult(article, current, revision_jobs(session, current), False)
    _cancel_open_jobs(session, article_id, "superseded by a newer revision")
    number = (
        session.scalar(select(func.max(Revision.number)).where(Revision.article_id == article_id))
        or 0
    ) + 1
    revision, jobs = _new_revision(session, article, number, content, digest, targets)
    article.current_revision = number
    article.status = "published"
    article.retracted_at = None
    article.updated_at = utcnow()
    return IngestResult(article, revision, jobs, True)


def retract(session: Session, article_id: str) -> Article:
    """DELETE: the article leaves every feed; its history stays in the database."""
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    if article.status != "retracted":
        now = utcnow()
        article.status = "retracted"
        article.retracted_at = now
        article.updated_at = now
        _cancel_open_jobs(session, article_id, "article retracted")
    return article


def backfill(
    session: Session,
    targets: tuple[str, ...],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Jobs for every published article's current revision that lacks a translation in a
    target language and has no open job for it; returns how many were created."""
    rows = session.execute(published_current_ids()).tuples().all()
    created = 0
    for done, (article_id, revision_id) in enumerate(rows, start=1):
        have = set(
            session.scalars(select(Translation.lang).where(Translation.revision_id == revision_id))
        )
        have |= set(
            session.scalars(
                select(Job.target_lang).where(
                    Job.revision_id == revision_id, Job.state.in_(OPEN_STATES)
                )
            )
        )
        missing = [lang for lang in targets if lang not in have]
        added = [
            Job(article_id=article_id, revision_id=revision_id, target_lang=lang, reason="backfill")
            for lang in missing
        ]
        session.add_all(added)
        session.flush()
        unit_of_work.jobs_recorded(session, [job.id for job in added])
        created += len(missing)
        if progress is not None:
            progress(done, len(rows))
    return created
