"""/v1/jobs: the status of one translation job; the operator's listing and retry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from service.articles import views as article_views
from service.jobs import admin as job_admin
from service.schemas import JobOut, JobPage
from service.settings import LANGUAGE_PATTERN
from service.web.deps import Admin, Reader, SessionDep

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
JobId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
JobState = Literal["queued", "running", "done", "waiting-for-model", "failed", "cancelled"]


@router.get("", response_model=JobPage, responses={400: {"description": "`before` names no job"}})
def list_jobs(
    session: SessionDep,
    _: Admin,
    state: Annotated[JobState | None, Query()] = None,
    lang: Annotated[str | None, Query(pattern=LANGUAGE_PATTERN)] = None,
    since: Annotated[datetime | None, Query(description="Changed at or after (ISO 8601).")] = None,
    before: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JobPage:
    """Jobs, newest change first, filtered by state, language and age (admin): where an
    operator finds what failed and why (`error`)."""
    return job_admin.list_jobs(
        session, state=state, lang=lang, since=since, before=before, limit=limit
    )


@router.get("/{job_id}", response_model=JobOut)
def get_job(session: SessionDep, principal: Reader, job_id: JobId) -> JobOut:
    """State of a job: queued, running, done, waiting-for-model, failed or cancelled."""
    return article_views.get_job(session, job_id, principal)


@router.post(
    "/{job_id}/retry",
    response_model=JobOut,
    status_code=202,
    responses={409: {"description": "the job has not failed"}},
)
def retry_job(session: SessionDep, _: Admin, job_id: JobId) -> JobOut:
    """Queue a failed job again (admin): a new job for the same revision and language; the
    failed one stays as the record. 409 when the job is not failed or the article retracted."""
    job, _new_id = job_admin.retry(session, job_id)
    return job
