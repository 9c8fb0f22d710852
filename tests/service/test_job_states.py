"""Job states are a StrEnum whose values are what the `jobs.state` column has always held, so
rows written before the enum read back as members and no migration was needed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import String, text

from service.jobs.states import FINISHED_STATES, OPEN_STATES, JobState
from service.jobs.translate_job import run_job
from service.runtime import Runtime
from service.store.db import session_scope
from service.store.tables import Job
from tests.service.conftest import article, auth


def test_the_values_are_the_stored_strings() -> None:
    # Written out on purpose: a changed value would strand every row holding the old one.
    assert {state.name: state.value for state in JobState} == {
        "QUEUED": "queued",
        "RUNNING": "running",
        "DONE": "done",
        "FAILED": "failed",
        "WAITING": "waiting-for-model",
        "CANCELLED": "cancelled",
    }
    column = Job.__table__.c.state.type
    assert isinstance(column, String) and column.length is not None
    assert all(len(state) <= column.length for state in JobState)
    assert set(OPEN_STATES) | set(FINISHED_STATES) == set(JobState)
    assert not set(OPEN_STATES) & set(FINISHED_STATES)


def test_a_job_without_a_model_is_stored_as_the_plain_string(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    """No model is installed, so the job runs and waits; the row holds the same text as before
    the enum existed, and what the API lists reads back as the member."""
    posted = client.post(
        "/v1/articles", json=article("states-1"), headers=auth(tokens["publisher"])
    )
    assert posted.status_code == 202, posted.text
    with session_scope(runtime.sessions) as session:
        ids = list(session.scalars(text("SELECT id FROM jobs WHERE article_id = 'states-1'")))
    assert len(ids) == 2  # en and fr
    for job_id in ids:
        run_job(runtime.jobs, job_id)
    with session_scope(runtime.sessions) as session:
        stored = sorted(
            session.scalars(text("SELECT state FROM jobs WHERE article_id = 'states-1'"))
        )
    assert stored == ["waiting-for-model", "waiting-for-model"]
    listed = client.get(
        "/v1/jobs", params={"state": "waiting-for-model"}, headers=auth(tokens["admin"])
    )
    assert listed.status_code == 200, listed.text
    states = [JobState(item["state"]) for item in listed.json()["items"]]
    assert states == [JobState.WAITING, JobState.WAITING]
    refused = client.get("/v1/jobs", params={"state": "waiting"}, headers=auth(tokens["admin"]))
    assert refused.status_code == 422
    assert "waiting-for-model" in refused.text
