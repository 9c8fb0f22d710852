"""What an operator does with jobs: list them by state, language and age, and retry failed ones.

A retry writes a new job for the failed job's revision and language (the failed row stays as
the record of what happened) and supersedes any queued or waiting job of that article and
language, exactly as a new revision would; it leaves the new row unsent, for the outbox's
sweep (or the caller's after-commit send) to put on the queue.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.articles.views import job_out
from service.errors import Conflict, Malformed, NotFound
from service.jobs.states import JobState
from service.jobs.translate_job import supersede
from service.schemas import JobOut, JobPage
from service.store import unit_of_work
from service.store.tables import Article, Job, Revision

RETRYABLE = (JobState.FAILED,)


def list_jobs(
    session: Session,
    *,
    state: str | None = None,
    lang: str | None = None,
    since: datetime | None = None,
    before: str | None = None,
    limit: int = 100,
) -> JobPage:
    """Jobs newest change first (`updated_at`, then id), filtered; `before` is the id of the
    last job of the previous page."""
    if state is not None and state not in set(JobState):
        raise Malformed(f"unknown job state {state!r}; one of {', '.join(JobState)}")
    stmt = select(Job, Revision.number).join(Revision, Revision.id == Job.revision_id)
    if state is not None:
        stmt = stmt.where(Job.state == state)
    if lang is not None:
        stmt = stmt.where(Job.target_lang == lang)
    if since is not None:
        stmt = stmt.where(Job.updated_at >= since)
    if before is not None:
        last = session.get(Job, before)
        if last is None:
            raise Malformed("`before` names no job", code="bad_cursor")
        stmt = stmt.where(
            (Job.updated_at < last.updated_at)
            | ((Job.updated_at == last.updated_at) & (Job.id < last.id))
        )
    rows = session.execute(stmt.order_by(Job.updated_at.desc(), Job.id.desc()).limit(limit + 1))
    page = [job_out(job, number) for job, number in rows.tuples()]
    more = len(page) > limit
    return JobPage(items=page[:limit], next_before=page[limit - 1].id if more else None)


def retry(session: Session, job_id: str) -> tuple[JobOut, str]:
    """A new queued job for a failed job's revision and language: (the new job, its id)."""
    failed = session.get(Job, job_id)
    if failed is None:
        raise NotFound(f"no job {job_id}")
    if failed.state not in RETRYABLE:
        raise Conflict(
            f"job {job_id} is {failed.state}; only failed jobs are retried", code="not_failed"
        )
    article = session.get(Article, failed.article_id)
    if article is None or article.status != "published":
        raise Conflict(f"article {failed.article_id} is no longer published", code="retracted")
    supersede(session, [failed.article_id], [failed.target_lang], f"superseded (retry {job_id})")
    job = Job(
        article_id=failed.article_id,
        revision_id=failed.revision_id,
        target_lang=failed.target_lang,
        reason="retry",
    )
    session.add(job)
    session.flush()
    unit_of_work.jobs_recorded(session, [job.id])
    number = session.scalar(select(Revision.number).where(Revision.id == job.revision_id))
    return job_out(job, number or 0), job.id
