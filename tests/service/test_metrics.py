"""/metrics read by Prometheus's own parser: queue depth and the oldest waiting job's age per
language, recent run times of done jobs, deliveries by state, all from the store of record."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from service.jobs.translate_job import run_job
from service.runtime import Runtime
from service.store.tables import Job
from tests.service.conftest import article, auth


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_queue_depth_age_and_run_times_per_language(
    client: TestClient, runtime: Runtime, tokens: dict[str, str], installed_en: None
) -> None:
    for n in range(3):
        client.post("/v1/articles", json=article(f"m-{n}"), headers=auth(tokens["publisher"]))
    before = _samples(client)
    assert before[("kakehashi_queue_depth", (("lang", "en"),))] == 3
    assert before[("kakehashi_queue_depth", (("lang", "fr"),))] == 3  # fr waits for a model
    assert before[("kakehashi_queue_oldest_age_seconds", (("lang", "fr"),))] >= 0
    assert before[("kakehashi_models_missing", ())] == 1

    with runtime.sessions() as session:
        en_jobs = session.scalars(select(Job.id).where(Job.target_lang == "en")).all()
    for job_id in en_jobs:
        run_job(runtime.jobs, job_id)
    after = _samples(client)
    assert ("kakehashi_queue_depth", (("lang", "en"),)) not in after
    assert after[("kakehashi_jobs", (("lang", "en"), ("state", "done")))] == 3
    assert after[("kakehashi_jobs_done_recent", (("lang", "en"),))] == 3
    median = after[("kakehashi_job_run_seconds", (("lang", "en"), ("quantile", "0.5")))]
    assert 0 < median < 600
    assert after[("kakehashi_redis_up", ())] == 1
