"""The CMS's calls: publish, duplicate, revise, retract, and their status views."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.runtime import Runtime
from service.store.redis_keys import DRAMATIQ_NAMESPACE, TRANSLATE_QUEUE
from service.store.tables import Article, Job, Revision
from tests.service.conftest import article, auth


def _count(runtime: Runtime, table: type) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_publish_makes_one_job_per_target_language(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    response = client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["duplicate"] is False and body["created_revision"] is True
    jobs = body["article"]["jobs"]
    assert sorted(job["lang"] for job in jobs) == ["en", "fr"]
    assert all(job["state"] == "queued" and job["revision"] == 1 for job in jobs)
    assert set(body["article"]["languages"]) == {"en", "fr"}
    assert _count(runtime, Job) == 2
    # The POST wrote the jobs (the outbox) and nothing else; the relay, woken by the commit,
    # sends them to the real queue right after (issue 18: nothing more on the request path).
    deadline = time.monotonic() + 10
    while True:
        with runtime.sessions() as session:
            sent = session.scalars(select(Job.enqueued_at)).all()
        if all(at is not None for at in sent):
            break
        assert time.monotonic() < deadline, "the jobs were not relayed to the queue"
        time.sleep(0.02)
    payloads = runtime.redis.hvals(f"{DRAMATIQ_NAMESPACE}:{TRANSLATE_QUEUE}.msgs")
    assert {json.loads(p)["args"][0] for p in payloads} == {job["id"] for job in jobs}


def test_same_content_again_creates_no_work(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    first = client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    again = client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["duplicate"] is True
    assert [j["id"] for j in again.json()["article"]["jobs"]] == [
        j["id"] for j in first.json()["article"]["jobs"]
    ]
    put_same = client.put(
        "/v1/articles/a-1",
        json={k: v for k, v in article().items() if k != "id"},
        headers=auth(tokens["publisher"]),
    )
    assert put_same.status_code == 200 and put_same.json()["duplicate"] is True
    assert _count(runtime, Job) == 2 and _count(runtime, Revision) == 1


def test_post_with_other_content_is_a_conflict(client: TestClient, tokens: dict[str, str]) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    response = client.post(
        "/v1/articles", json=article(title="別の見出し"), headers=auth(tokens["publisher"])
    )
    assert response.status_code == 409
    assert "PUT" in response.json()["error"]["message"]


def test_put_with_changes_makes_a_new_revision_and_cancels_old_jobs(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    changed = {k: v for k, v in article(title="訂正: モスクワの遅延戦術").items() if k != "id"}
    response = client.put("/v1/articles/a-1", json=changed, headers=auth(tokens["publisher"]))
    assert response.status_code == 202, response.text
    out = response.json()["article"]
    assert out["revision"] == 2 and out["title"].startswith("訂正")
    assert all(job["revision"] == 2 and job["state"] == "queued" for job in out["jobs"])
    with runtime.sessions() as session:
        old_states = session.scalars(
            select(Job.state)
            .join(Revision, Revision.id == Job.revision_id)
            .where(Revision.number == 1)
        ).all()
    assert sorted(old_states) == ["cancelled", "cancelled"]


def test_put_creates_an_unknown_article(client: TestClient, tokens: dict[str, str]) -> None:
    body = {k: v for k, v in article("new-1").items() if k != "id"}
    response = client.put("/v1/articles/new-1", json=body, headers=auth(tokens["publisher"]))
    assert response.status_code == 202
    assert response.json()["article"]["id"] == "new-1"


def test_retract_and_republish(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    response = client.delete("/v1/articles/a-1", headers=auth(tokens["publisher"]))
    assert response.status_code == 200
    assert response.json()["status"] == "retracted"
    assert all(job["state"] == "cancelled" for job in response.json()["jobs"])
    again = client.post(
        "/v1/articles", json=article(title="再掲"), headers=auth(tokens["publisher"])
    )
    assert again.status_code == 409
    body = {k: v for k, v in article(title="再掲").items() if k != "id"}
    republished = client.put("/v1/articles/a-1", json=body, headers=auth(tokens["publisher"]))
    assert republished.status_code == 202
    assert republished.json()["article"]["status"] == "published"
    with runtime.sessions() as session:
        assert session.get(Article, "a-1").current_revision == 2  # type: ignore[union-attr]
    assert client.delete("/v1/articles/nope", headers=auth(tokens["publisher"])).status_code == 404


def test_status_views(client: TestClient, tokens: dict[str, str]) -> None:
    posted = client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    job_id = posted.json()["article"]["jobs"][0]["id"]
    job = client.get(f"/v1/jobs/{job_id}", headers=auth(tokens["partner"]))
    assert job.status_code == 200
    assert job.json()["state"] == "queued" and job.json()["created_at"]
    got = client.get("/v1/articles/a-1", headers=auth(tokens["editor"]))
    assert got.status_code == 200 and got.json()["languages"]["en"]["state"] == "queued"
    assert client.get("/v1/jobs/" + "0" * 32, headers=auth(tokens["partner"])).status_code == 404
    assert client.get("/v1/jobs/not-a-job", headers=auth(tokens["partner"])).status_code == 422
    assert client.get("/v1/articles/zzz", headers=auth(tokens["partner"])).status_code == 404
