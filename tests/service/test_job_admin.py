"""An operator finds what failed and puts it right: `GET /v1/jobs?state=failed` and
`kakehashi jobs list --state failed` show a failed job with its error; `jobs retry` (or
`POST /v1/jobs/{id}/retry`) queues it again and it finishes; only failed jobs are retried,
and only admins list or retry."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from service.cli import app as cli_app
from service.jobs.translate_job import run_job
from service.runtime import Runtime
from service.settings import Settings
from service.store.tables import Job, Translation
from service.web.app import create_app
from tests.service.conftest import article, auth


@pytest.fixture
def one_attempt(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.start(settings.model_copy(update={"max_attempts": 1}))
    yield rt
    rt.close()


def _cli_env(settings: Settings) -> dict[str, str]:
    return {
        "KAKEHASHI_DATABASE_URL": settings.resolved_database_url,
        "KAKEHASHI_DATA_DIR": str(settings.data_dir),
    }


def _en_job(rt: Runtime) -> Job:
    with rt.sessions() as session:
        return session.scalars(select(Job).where(Job.target_lang == "en")).one()


def test_a_failed_job_is_listed_and_a_retry_finishes_it(
    one_attempt: Runtime, tokens: dict[str, str], installed_en: None
) -> None:
    rt = one_attempt
    model = next(rt.settings.resolved_models_dir.rglob("model.bin"))
    with TestClient(create_app(runtime=rt)) as client:
        posted = client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
        assert posted.status_code == 202, posted.text
        # The model file goes missing: loading the engine fails, and with one attempt allowed
        # the job is failed for real by the job runner.
        hidden = model.with_suffix(".away")
        model.rename(hidden)
        failed = _en_job(rt)
        run_job(rt.jobs, failed.id)
        hidden.rename(model)

        listed = client.get("/v1/jobs", params={"state": "failed"}, headers=auth(tokens["admin"]))
        assert listed.status_code == 200, listed.text
        [item] = listed.json()["items"]
        assert item["id"] == failed.id and item["state"] == "failed" and item["error"]
        partner = client.get("/v1/jobs", headers=auth(tokens["partner"]))
        assert partner.status_code == 403

    runner = CliRunner()
    env = _cli_env(rt.settings)
    shown = runner.invoke(cli_app, ["jobs", "list", "--state", "failed", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    assert [job["id"] for job in json.loads(shown.output)] == [failed.id]

    retried = runner.invoke(cli_app, ["jobs", "retry", failed.id], env=env)
    assert retried.exit_code == 0, retried.output
    with rt.sessions() as session:
        new = session.scalars(select(Job).where(Job.reason == "retry")).one()
    assert new.state == "queued" and new.revision_id == failed.revision_id
    run_job(rt.jobs, new.id)
    with rt.sessions() as session:
        states = dict(session.execute(select(Job.id, Job.state)).tuples().all())
        assert states[new.id] == "done" and states[failed.id] == "failed"  # the record stays
        assert session.scalars(select(Translation).where(Translation.lang == "en")).one()

    again = runner.invoke(cli_app, ["jobs", "retry", new.id], env=env)
    assert again.exit_code == 2 and "only failed jobs" in again.output


def test_retry_over_http_is_admin_only_and_refuses_a_job_that_did_not_fail(
    client: TestClient, tokens: dict[str, str]
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    jobs = client.get("/v1/jobs", headers=auth(tokens["admin"])).json()["items"]
    assert {job["lang"] for job in jobs} == {"en", "fr"}
    job_id = jobs[0]["id"]
    denied = client.post(f"/v1/jobs/{job_id}/retry", headers=auth(tokens["publisher"]))
    assert denied.status_code == 403
    refused = client.post(f"/v1/jobs/{job_id}/retry", headers=auth(tokens["admin"]))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_failed"
    bad = client.get("/v1/jobs", params={"state": "broken"}, headers=auth(tokens["admin"]))
    assert bad.status_code == 422


def test_jobs_are_paged_newest_change_first(client: TestClient, tokens: dict[str, str]) -> None:
    for n in range(3):
        client.post("/v1/articles", json=article(f"a-{n}"), headers=auth(tokens["publisher"]))
    admin = auth(tokens["admin"])
    first = client.get("/v1/jobs", params={"limit": 4}, headers=admin).json()
    assert len(first["items"]) == 4 and first["next_before"] == first["items"][-1]["id"]
    rest = client.get(
        "/v1/jobs", params={"limit": 4, "before": first["next_before"]}, headers=admin
    ).json()
    assert len(rest["items"]) == 2 and rest["next_before"] is None
    ids = [job["id"] for job in first["items"] + rest["items"]]
    assert len(set(ids)) == 6
