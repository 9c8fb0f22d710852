"""The translate job: thin. Claim the job, look the article up, call the pipeline, store the result.

Job states: queued -> running -> done | failed | waiting-for-model | cancelled.
A job is claimed with one conditional UPDATE, so a message delivered twice (the outbox re-sends
whenever it cannot prove a message is still queued) is run once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import dramatiq
from sqlalchemy import and_, or_, select, update

from service.constants import TRANSLATE_ACTOR, TRANSLATE_QUEUE
from service.db import session_scope
from service.tables import Article, Job, Revision, Translation, utcnow
from translators.engine import Engine
from translators.markup import translate_html
from translators.pipeline import Route, translate_texts

if TYPE_CHECKING:
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


class RetryableJobError(Exception):
    """Raised to let the broker retry the job later with back-off."""


def declare_actor(runtime: Runtime) -> None:
    """Register the translate actor on this runtime's broker, bound to this runtime."""

    def translate_job(job_id: str) -> None:
        run_job(runtime, job_id)

    translate_job.__module__ = __name__
    dramatiq.Actor(
        translate_job,
        broker=runtime.broker,
        actor_name=TRANSLATE_ACTOR,
        queue_name=TRANSLATE_QUEUE,
        priority=0,
        options={
            "max_retries": runtime.settings.max_attempts - 1,
            "min_backoff": 1_000,
            "max_backoff": 60_000,
            "time_limit": runtime.settings.job_lease_seconds * 1000,
            "retry_when": lambda _retries, exc: isinstance(exc, RetryableJobError),
        },
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
            return
        _finish(runtime, job_id, QUEUED, f"attempt {attempts} failed: {type(exc).__name__}: {exc}")
        raise RetryableJobError(str(exc)) from exc


def _translate(runtime: Runtime, job_id: str) -> None:
    with session_scope(runtime.sessions) as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        article = session.get(Article, job.article_id)
        revision = session.get(Revision, job.revision_id)
        if article is None or revision is None:
            return
        stale = article.status != "published" or article.current_revision != revision.number
        lang = job.target_lang
        texts = [revision.title, revision.summary or ""]
        body_source, body_format = revision.body, revision.format
        matcher = runtime.matchers.for_categories(session, revision.categories)
        article_id = article.id
        revision_id = revision.id
    if stale:
        _finish(runtime, job_id, CANCELLED, "superseded by a newer revision or retracted")
        return
    engine = runtime.engines.engine(lang)
    if engine is None:
        _finish(runtime, job_id, WAITING, f"no model installed for ja:{lang}")
        return
    cache, policy = runtime.sentence_cache, runtime.settings.review_policy
    if body_format == "html":
        html = translate_html(
            body_source, engine=engine, matcher=matcher, cache=cache, policy=policy
        )
        title, summary = translate_texts(
            texts, engine=engine, matcher=matcher, cache=cache, policy=policy
        )
        body, body_text = html.result, html.html
    else:
        title, summary, body = translate_texts(
            [*texts, body_source], engine=engine, matcher=matcher, cache=cache, policy=policy
        )
        body_text = "\n\n".join(body.paragraphs())
    parts = (title, summary, body)
    hits, misses = sum(p.cache_hits for p in parts), sum(p.cache_misses for p in parts)
    reasons = sorted({r for p in parts for r in p.review_reasons})
    report = {
        "review_reasons": reasons,
        "title": title.to_dict(),
        "summary": summary.to_dict(),
        "body": body.to_dict(),
        "cache": {"hits": hits, "misses": misses},
    }
    runtime.count_cache(hits, misses)
    needs_review = any(p.needs_review for p in parts)
    now = utcnow()
    with session_scope(runtime.sessions) as session:
        row = session.scalars(
            select(Translation).where(
                Translation.revision_id == revision_id, Translation.lang == lang
            )
        ).first()
        if row is None:
            row = Translation(article_id=article_id, revision_id=revision_id, lang=lang)
            session.add(row)
        row.title = " ".join(title.paragraphs())
        row.summary = "\n\n".join(summary.paragraphs()) or None
        row.body = body_text
        row.format = body_format
        row.report = report
        row.needs_review = needs_review
        row.route = list(body.route)
        row.model = _model_name(engine)
        row.updated_at = now
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state=DONE, finished_at=now, updated_at=now, lease_until=None, error=None)
        )
    runtime.feeds_changed(lang)
    log.info("job %s done: %s -> %s (review=%s)", job_id, article_id, lang, needs_review)


def _model_name(engine: Engine | Route) -> str:
    steps = engine.engines if isinstance(engine, Route) else (engine,)
    return " + ".join(f"{e.package}@{e.version}" for e in steps)
