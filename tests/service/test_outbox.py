"""Nothing a publisher sends is lost: with Redis unreachable the article is accepted and its jobs
wait in the database; a sweep sends them once Redis is back, and a job runs once however often
its message is delivered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.jobs.outbox import Relay
from service.jobs.translate_job import run_job
from service.runtime import Runtime
from service.settings import Settings
from service.store.tables import Job, Translation
from service.web.app import create_app
from tests.service.conftest import article, auth


@pytest.fixture
def redis_down_runtime(settings: Settings) -> Iterator[Runtime]:
    dead = settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})
    rt = Runtime.start(dead)
    yield rt
    rt.close()


def test_article_survives_a_dead_redis(
    redis_down_runtime: Runtime, runtime: Runtime, tokens: dict[str, str], installed_en: None
) -> None:
    with TestClient(create_app(runtime=redis_down_runtime)) as client:
        response = client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
        assert response.status_code == 202, response.text
        assert all(job["enqueued_at"] is None for job in response.json()["article"]["jobs"])
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["redis"]["ok"] is False

    # Redis is back (the healthy runtime shares the same database): the sweep sends the jobs.
    report = Relay(runtime.outbox).sweep()
    assert report.sent == 2
    with runtime.sessions() as session:
        jobs = session.scalars(select(Job).order_by(Job.target_lang)).all()
    assert all(job.enqueued_at is not None for job in jobs)
    assert Relay(runtime.outbox).sweep().sent == 0  # sent jobs are not sent again at once

    en = next(job for job in jobs if job.target_lang == "en")
    run_job(runtime.jobs, en.id)
    run_job(runtime.jobs, en.id)  # a second delivery of the same message does nothing
    with runtime.sessions() as session:
        job = session.get(Job, en.id)
        assert job is not None and job.state == "done" and job.attempts == 1
        assert len(session.scalars(select(Translation)).all()) == 1


def test_expired_lease_is_sent_again(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    """A worker that died mid-job leaves a running job whose lease runs out: it is re-sent."""
    from datetime import timedelta

    from service.store.tables import utcnow

    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    Relay(runtime.outbox).sweep()  # the first sweep on a fresh Redis writes its sentinel
    with runtime.sessions() as session:
        job = session.scalars(select(Job)).first()
        assert job is not None
        job.state = "running"
        job.lease_until = utcnow() - timedelta(seconds=1)
        session.commit()
    assert Relay(runtime.outbox).sweep().sent == 1
