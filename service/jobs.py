"""The translate job: thin. Claim the job, look the article up, call the pipeline, store the result.

Job states: queued -> running -> done | failed | waiting-for-model | cancelled.
A job is claimed with one conditional UPDATE, so a message delivered twice (the outbox re-sends
whenever it cannot prove a message is still queued) is run once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import dramatiq
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from service import db, notices, reviews
from service.db import session_scope
from service.redis_keys import TRANSLATE_ACTOR, TRANSLATE_QUEUE
from service.tables import Article, Job, Revision, Translation, utcnow
from translators.article import ArticleTranslation, BodyFormat, translate_article
from translators.engine import Engine
from translators.pipeline import Route

if TYPE_CHECKING:
    from glossaries import Matcher
    from service.runtime import Runtime

log = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
WAITING = "waiting-for-model"
CANCELLED = "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, WAITING, CANCELLED)
OPEN_STATES = (QUEUED, RUNNING, WAITING)


def supersede(
    session: Session, article_ids: Collection[str], langs: Collection[str], reason: str
) -> None:
    """Cancel the queued and waiting jobs of these articles in these languages.

    Called before new jobs for them are written, so an article has at most one job waiting in a
    language however often it is edited (a job waiting for a model would otherwise pile up with
    every glossary change). A running job is left to finish; its successor runs after it.
    """
    if not article_ids or not langs:
        return
    now = utcnow()
    session.execute(
        update(Job)
        .where(
            Job.article_id.in_(list(article_ids)),
            Job.target_lang.in_(list(langs)),
            Job.state.in_((QUEUED, WAITING)),
        )
        .values(state=CANCELLED, error=reason, finished_at=now, updated_at=now, lease_until=None)
    )


class RetryableJobError(Exception):
    """Raised to let the broker retry the job later with back-off."""


def translate_message(job_id: str) -> dramatiq.Message[None]:
    """The queue message asking a worker to run a job (what `actor.send` would build; senders
    need no actor, only workers declare one: see `service.worker`)."""
    return dramatiq.Message(
        queue_name=TRANSLATE_QUEUE,
        actor_name=TRANSLATE_ACTOR,
        args=(job_id,),
        kwargs={},
        options={},
    )


def _claim(runtime: Runtime, job_id: str) -> bool:
    now = utcnow()
    lease = now + timedelta(seconds=runtime.settings.job_lease_seconds)
    with session_scope(runtime.sessions) as session:
        result = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                or_(
                    Job.state.in_((QUEUED, WAITING)),
                    and_(Job.state == RUNNING, Job.lease_until < now),
                ),
            )
            .values(
                state=RUNNING,
                started_at=now,
                updated_at=now,
                lease_until=lease,
                attempts=Job.attempts + 1,
                error=None,
            )
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _finish(runtime: Runtime, job_id: str, state: str, error: str | None = None) -> None:
    now = utcnow()
    with session_scope(runtime.sessions) as session:
        values: dict[str, object] = {"state": state, "updated_at": now, "lease_until": None}
        if state in (DONE, FAILED, CANCELLED):
            values["finished_at"] = now
        if error is not None:
            values["error"] = error[:2000]
        if state == WAITING:
            values["attempts"] = Job.attempts - 1  # waiting for a model is not a failed attempt
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def run_job(runtime: Runtime, job_id: str) -> None:
    if not _claim(runtime, job_id):
        log.info("job %s is not claimable (done, cancelled or taken); skipping", job_id)
        return
    try:
        _translate(runtime, job_id)
    except Exception as exc:
        log.exception("job %s failed", job_id)
        with session_scope(runtime.sessions) as session:
            job = session.get(Job, job_id)
            attempts = job.attempts if job else runtime.settings.max_attempts
        if attempts >= runtime.settings.max_attempts:
            _finish(runtime, job_id, FAILED, f"{type(exc).__name__}: {exc}")
            _notify_failed(runtime, job_id, f"{type(exc).__name__}: {exc}")
            return
        _finish(runtime, job_id, QUEUED, f"attempt {attempts} failed: {type(exc).__name__}: {exc}")
        raise RetryableJobError(str(exc)) from exc


@dataclass(frozen=True)
class _Work:
    article_id: str
    revision_id: int
    lang: str
    title: str
    summary: str | None
    body: str
    body_format: BodyFormat
    matcher: Matcher


def _load(runtime: Runtime, job_id: str) -> _Work | str | None:
    """What the job translates; a reason to cancel it when stale; None when it is gone."""
    with session_scope(runtime.sessions) as session:
        job = session.get(Job, job_id)
        article = session.get(Article, job.article_id) if job else None
        revision = session.get(Revision, job.revision_id) if job else None
        if job is None or article is None or revision is None:
            return None
        if article.status != "published" or article.current_revision != revision.number:
            return "superseded by a newer revision or retracted"
        return _Work(
            article_id=article.id,
            revision_id=revision.id,
            lang=job.target_lang,
            title=revision.title,
            summary=revision.summary,
            body=revision.body,
            body_format="html" if revision.format == "html" else "text",
            matcher=runtime.matchers.for_categories(session, revision.categories),
        )


def _translate(runtime: Runtime, job_id: str) -> None:
    work = _load(runtime, job_id)
    if work is None:
        return
    if isinstance(work, str):
        _finish(runtime, job_id, CANCELLED, work)
        return
    engine = runtime.engines.engine(work.lang)
    if engine is None:
        _finish(runtime, job_id, WAITING, f"no model installed for ja:{work.lang}")
        return
    done = translate_article(
        work.title,
        work.summary,
        work.body,
        work.body_format,
        engine=engine,
        matcher=work.matcher,
        cache=runtime.sentence_cache,
        policy=runtime.settings.review_policy,
        memory=runtime.memory,
    )
    runtime.count_cache(done.cache_hits, done.cache_misses)
    _store(runtime, job_id, work, done, _model_name(engine))
    runtime.feeds_changed(work.lang)
    log.info(
        "job %s done: %s -> %s (review=%s)", job_id, work.article_id, work.lang, done.needs_review
    )


def _store(
    runtime: Runtime, job_id: str, work: _Work, done: ArticleTranslation, model: str
) -> None:
    now = utcnow()
    with session_scope(runtime.sessions) as session:
        row = session.scalars(
            select(Translation).where(
                Translation.revision_id == work.revision_id, Translation.lang == work.lang
            )
        ).first()
        if row is None:
            row = Translation(
                article_id=work.article_id, revision_id=work.revision_id, lang=work.lang
            )
            session.add(row)
        row.title = done.title
        row.summary = done.summary
        row.body = done.body
        row.format = done.body_format
        row.report = done.report()
        row.needs_review = done.needs_review
        row.route = list(done.route)
        row.model = model
        row.updated_at = now
        session.flush()
        number = session.scalar(select(Revision.number).where(Revision.id == work.revision_id))
        if not done.needs_review:  # else partners keep the last good one until approved
            reviews.publish(session, row, number or 1, now=now)
        told = notices.record(
            session,
            runtime.settings,
            event=notices.NEEDS_REVIEW if done.needs_review else notices.DONE,
            article_id=work.article_id,
            lang=work.lang,
            details={"revision": number, "reasons": list(done.review_reasons)},
        )
        if told:
            db.after_commit(session, runtime.notifier.wake)
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state=DONE, finished_at=now, updated_at=now, lease_until=None, error=None)
        )


def _notify_failed(runtime: Runtime, job_id: str, error: str) -> None:
    with session_scope(runtime.sessions) as session:
        row = session.execute(
            select(Job, Revision.number)
            .join(Revision, Revision.id == Job.revision_id)
            .where(Job.id == job_id)
        ).first()
        if row is None:
            return
        job, number = row.tuple()
        told = notices.record(
            session,
            runtime.settings,
            event=notices.FAILED,
            article_id=job.article_id,
            lang=job.target_lang,
            details={"revision": number, "error": error[:500], "job_id": job_id},
        )
        if told:
            db.after_commit(session, runtime.notifier.wake)


def _model_name(engine: Engine | Route) -> str:
    steps = engine.engines if isinstance(engine, Route) else (engine,)
    return " + ".join(f"{e.package}@{e.version}" for e in steps)
