"""The translate job: thin. Claim the job, look the article up, call the pipeline, store the result.

Job states: queued -> running -> done | failed | waiting-for-model | cancelled.
A job is claimed with one conditional UPDATE, so a message delivered twice (the outbox re-sends
whenever it cannot prove a message is still queued) is run once (`service.jobs.claims`); its
work is bounded in time and big ones share the threads (`service.jobs.limits`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.articles import corrections
from service.jobs import notices
from service.jobs.claims import (
    QUEUED,
    RUNNING,
    WAITING,
    LeaseKeeper,
    RetryableJobError,
    claim,
    mine,
    translate_message,
)
from service.jobs.limits import (
    BIG_JOB_CHARS,
    Budget,
    OverBudget,
    PoolShare,
    Stopping,
    bounded,
    defer,
    source_chars,
)
from service.jobs.states import OPEN_STATES, JobState
from service.review import desk as reviews
from service.store.db import session_scope
from service.store.tables import Article, Job, Revision, Translation, utcnow
from service.syndication import versions as feed_versions
from translators.article import ArticleTranslation, BodyFormat, translate_article
from translators.engine import Engine

if TYPE_CHECKING:
    from glossaries import Matcher
    from service.jobs.context import JobContext

__all__ = [
    "CANCELLED",
    "DONE",
    "FAILED",
    "OPEN_STATES",
    "QUEUED",
    "RUNNING",
    "STATES",
    "WAITING",
    "RetryableJobError",
    "StoredText",
    "record_translation",
    "run_job",
    "supersede",
    "text_hash",
    "translate_message",
]

log = logging.getLogger(__name__)

DONE = JobState.DONE
FAILED = JobState.FAILED
CANCELLED = JobState.CANCELLED
STATES = tuple(JobState)


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


def _finish(
    ctx: JobContext,
    job_id: str,
    attempt: int,
    state: str,
    error: str | None = None,
    *,
    counted: bool = True,
) -> None:
    now = utcnow()
    with session_scope(ctx.sessions) as session:
        values: dict[str, object] = {"state": state, "updated_at": now, "lease_until": None}
        if state in (DONE, FAILED, CANCELLED):
            values["finished_at"] = now
        if error is not None:
            values["error"] = error[:2000]
        if state == WAITING or not counted:
            values["attempts"] = Job.attempts - 1  # waiting for a model is not a failed attempt
        session.execute(update(Job).where(mine(job_id, attempt)).values(**values))


def run_job(ctx: JobContext, job_id: str, pool: PoolShare | None = None) -> None:
    """Run one job; in a worker pool (`pool`), a big job only in a free bulk slot, else it is
    deferred (see `service.jobs.limits`)."""
    slot = False
    if pool is not None and source_chars(ctx, job_id) > BIG_JOB_CHARS:
        if not pool.slots.try_take():
            defer(ctx, job_id)
            return
        slot = True
    try:
        _run(ctx, job_id, pool.stopping if pool is not None else None)
    finally:
        if slot and pool is not None:
            pool.slots.give_back()


def _run(ctx: JobContext, job_id: str, stopping: threading.Event | None) -> None:
    attempt = claim(ctx, job_id)
    if attempt is None:
        log.info("job %s is not claimable (done, cancelled or taken); skipping", job_id)
        return
    budget = Budget(ctx.settings.job_time_budget_seconds, stopping)
    try:
        with LeaseKeeper(ctx, job_id, attempt):
            _translate(ctx, job_id, attempt, budget)
    except OverBudget as exc:  # running it again would take as long: failed, and said why
        log.warning("job %s failed: %s", job_id, exc)
        _finish(ctx, job_id, attempt, FAILED, f"OverBudget: {exc}")
        _notify_failed(ctx, job_id, f"OverBudget: {exc}")
    except Stopping as exc:  # not the job's fault: back to the queue, not an attempt
        _finish(ctx, job_id, attempt, QUEUED, str(exc), counted=False)
        raise RetryableJobError(str(exc)) from exc
    except Exception as exc:
        log.exception("job %s failed", job_id)
        if attempt >= ctx.settings.max_attempts:
            _finish(ctx, job_id, attempt, FAILED, f"{type(exc).__name__}: {exc}")
            _notify_failed(ctx, job_id, f"{type(exc).__name__}: {exc}")
            return
        _finish(
            ctx,
            job_id,
            attempt,
            QUEUED,
            f"attempt {attempt} failed: {type(exc).__name__}: {exc}",
        )
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
    correction: str | None = None


def _load(ctx: JobContext, job_id: str) -> _Work | str | None:
    """What the job translates; a reason to cancel it when stale; None when it is gone."""
    with session_scope(ctx.sessions) as session:
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
            matcher=ctx.matchers.for_categories(session, revision.categories),
            correction=revision.correction,
        )


def _translate(ctx: JobContext, job_id: str, attempt: int, budget: Budget) -> None:
    work = _load(ctx, job_id)
    if work is None:
        return
    if isinstance(work, str):
        _finish(ctx, job_id, attempt, CANCELLED, work)
        return
    engine = ctx.engines.engine(work.lang)
    if engine is None:
        _finish(ctx, job_id, attempt, WAITING, f"no model installed for ja:{work.lang}")
        return
    done = translate_article(
        work.title,
        work.summary,
        work.body,
        work.body_format,
        engine=bounded(engine, budget),
        matcher=work.matcher,
        cache=ctx.sentence_cache,
        policy=ctx.settings.review_policy,
        memory=ctx.memory,
    )
    ctx.count_cache(done.cache_hits, done.cache_misses)
    note = corrections.translate_note(
        work.correction,
        engine,
        work.matcher,
        cache=ctx.sentence_cache,
        policy=ctx.settings.review_policy,
        memory=ctx.memory,
    )
    changed = _store(ctx, job_id, attempt, work, done, _model_name(engine), note)
    if changed is None:
        log.warning("job %s: lease lost while translating; its result is dropped", job_id)
        return
    log.info(
        "job %s done: %s -> %s (review=%s)", job_id, work.article_id, work.lang, done.needs_review
    )


def text_hash(title: str, summary: str | None, body: str, correction: str | None = None) -> str:
    """What decides whether a translation changed: a new hash is a new `updated` time (a new
    correction note too; without one the hash is what it was before notes existed)."""
    parts = [title, summary, body] if correction is None else [title, summary, body, correction]
    canonical = json.dumps(parts, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _store(
    ctx: JobContext,
    job_id: str,
    attempt: int,
    work: _Work,
    done: ArticleTranslation,
    model: str,
    note: str | None = None,
) -> tuple[str, ...] | None:
    """Store the translation and finish the job in one transaction, only if the job is still
    this run's (None when not: the job row's update comes first, as the fence, and on SQLite
    it takes the write lock); returns the languages whose feeds changed."""
    now = utcnow()
    with session_scope(ctx.sessions) as session:
        fenced = session.execute(
            update(Job)
            .where(mine(job_id, attempt))
            .values(state=DONE, finished_at=now, updated_at=now, lease_until=None, error=None)
        )
        if fenced.rowcount != 1:  # type: ignore[attr-defined]
            return None
        changed = record_translation(
            session,
            ctx.settings.target_languages,
            StoredText(
                article_id=work.article_id,
                revision_id=work.revision_id,
                lang=work.lang,
                title=done.title,
                summary=done.summary,
                body=done.body,
                body_format=done.body_format,
                report=done.report(),
                needs_review=done.needs_review,
                route=list(done.route),
                model=model,
                correction=note,
            ),
            now,
        )
        row = session.scalars(
            select(Translation).where(
                Translation.revision_id == work.revision_id, Translation.lang == work.lang
            )
        ).one()
        number = session.scalar(select(Revision.number).where(Revision.id == work.revision_id))
        if row.current and not done.needs_review:
            # Else default partners keep the last good one until an editor approves this one.
            reviews.publish(session, row, number or 1, now=now)
        notices.record(
            session,
            ctx.settings,
            event=notices.NEEDS_REVIEW if done.needs_review else notices.DONE,
            article_id=work.article_id,
            lang=work.lang,
            details={"revision": number, "reasons": list(done.review_reasons)},
        )
    return changed


@dataclass(frozen=True)
class StoredText:
    """A finished translation of one revision into one language, as it is stored."""

    article_id: str
    revision_id: int
    lang: str
    title: str
    summary: str | None
    body: str
    body_format: str
    report: dict[str, Any]
    needs_review: bool
    route: list[str]
    model: str
    correction: str | None = None


def record_translation(
    session: Session, targets: Sequence[str], text: StoredText, now: datetime
) -> tuple[str, ...]:
    """Store a translation and mark it current when its revision is the newest translated one;
    bump the feed versions of the languages whose feeds change and return them.

    Honest dates: when the text is the same as the current translation's (a glossary edit that
    did not touch it, a revision that changed only a link), `updated_at` stays, and so does
    the item's place in the feed.
    """
    digest = text_hash(text.title, text.summary, text.body, text.correction)
    # One writer per article at a time, so two revisions' jobs finishing together cannot both
    # mark themselves current (PostgreSQL; SQLite has one writer anyway).
    session.execute(select(Article.id).where(Article.id == text.article_id).with_for_update())
    number = session.scalars(select(Revision.number).where(Revision.id == text.revision_id)).one()
    siblings = (
        session.execute(
            select(Translation, Revision.number)
            .join(Revision, Revision.id == Translation.revision_id)
            .where(Translation.article_id == text.article_id, Translation.lang == text.lang)
        )
        .tuples()
        .all()
    )
    previous = next((t for t, _ in siblings if t.current), None)
    row = next((t for t, _ in siblings if t.revision_id == text.revision_id), None)
    newest = number >= max((n for _, n in siblings), default=number)
    if row is None:
        row = Translation(article_id=text.article_id, revision_id=text.revision_id, lang=text.lang)
        session.add(row)
    same_text = (
        previous is not None
        and previous.text_hash == digest
        and previous.format == text.body_format
    )
    unchanged = (
        same_text
        and previous is row
        and previous is not None
        and previous.needs_review == text.needs_review
    )
    _fill(row, text, digest, previous.updated_at if same_text and previous is not None else now)
    if not newest:
        return ()
    for other, _ in siblings:
        if other is not row:
            other.current = False
    row.current = True
    if unchanged:
        return ()
    # A first translation in a language adds an alternate link to every feed's item.
    changed = ("ja", *targets) if not siblings else (text.lang,)
    feed_versions.bump(session, changed)
    return changed


def _fill(row: Translation, text: StoredText, digest: str, updated_at: datetime) -> None:
    row.title = text.title
    row.summary = text.summary
    row.body = text.body
    row.format = text.body_format
    row.report = text.report
    row.needs_review = text.needs_review
    row.route = text.route
    row.model = text.model
    row.correction = text.correction
    row.text_hash = digest
    row.updated_at = updated_at


def _notify_failed(ctx: JobContext, job_id: str, error: str) -> None:
    with session_scope(ctx.sessions) as session:
        row = session.execute(
            select(Job, Revision.number)
            .join(Revision, Revision.id == Job.revision_id)
            .where(Job.id == job_id)
        ).first()
        if row is None:
            return
        job, number = row.tuple()
        notices.record(
            session,
            ctx.settings,
            event=notices.FAILED,
            article_id=job.article_id,
            lang=job.target_lang,
            details={"revision": number, "error": error[:500], "job_id": job_id},
        )


def _model_name(engine: Engine) -> str:
    return " + ".join(f"{e.package}@{e.version}" for e in engine.steps)
