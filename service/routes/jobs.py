"""/v1/jobs: the status of one translation job."""

from __future__ import annotations

from fastapi import APIRouter, Path

from service import article_views
from service.deps import Reader, SessionDep
from service.schemas import JobOut

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get("/{job_id}", response_model=JobOut)
def get_job(
    session: SessionDep, principal: Reader, job_id: str = Path(pattern=r"^[0-9a-f]{32}$")
) -> JobOut:
    """State of a job: queued, running, done, waiting-for-model, failed or cancelled."""
    return article_views.get_job(session, job_id, principal)
