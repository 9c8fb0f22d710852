"""Faults against real processes under the DEFAULT lease settings (issue 11, row 4): a worker
SIGKILLed mid-job, Redis losing its data (FLUSHDB), the API restarted. Nothing is lost, nothing
runs twice at once, and recovery takes seconds to a minute, not the lease of old (900 s).

The recovery times are printed (`-s`); the waits below are generous upper bounds, which the
old 900 s lease and a FLUSHALL nobody noticed could not meet."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
import redis

from tests.service.conftest import article
from tests.service.processes import cluster, publisher_token

pytestmark = [pytest.mark.slow, pytest.mark.fault]

# Long enough that a job takes a while on the tiny model, so a kill lands mid-job.
BODY = "\n\n".join(
    f"第{i}段落。拒否的抑止力が問われている。マスカロフカは古い戦術だ。" for i in range(60)
)


def post(base: str, token: str, article_id: str) -> None:
    response = httpx.post(
        f"{base}/v1/articles",
        json=article(article_id, body=BODY),
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert response.status_code == 202, response.text


def test_worker_killed_redis_flushed_api_restarted(
    tmp_path: Path,
    database_url: str,
    redis_url: str,
    clean_redis: redis.Redis[bytes],
    tiny_package_zip: Path,
) -> None:
    token = publisher_token(database_url)
    with cluster(tmp_path, database_url, redis_url, tiny_package_zip) as c:
        c.start_api("api")
        first = c.start_worker("w1")

        # 1. A worker SIGKILLed mid-job: its jobs run again once their lease runs out.
        batch = {f"kill-{n}" for n in range(12)}
        for article_id in sorted(batch):
            post(c.base, token, article_id)
        deadline = time.monotonic() + 120
        while not (running_jobs := [j for j in c.jobs() if j[2] == "running"]):
            assert time.monotonic() < deadline, "no job started"
            time.sleep(0.05)
        c.kill(first)
        killed_at = time.monotonic()
        c.start_worker("w2")
        orphaned = {job_id for job_id, *_ in running_jobs}
        while any(j[2] != "done" for j in c.jobs() if j[0] in orphaned):
            assert time.monotonic() - killed_at < 120, c.jobs()
            time.sleep(0.5)
        recovered = time.monotonic() - killed_at
        c.wait_all_done(batch, timeout=120)
        everything_after = time.monotonic() - killed_at
        retried = {j[0]: j[3] for j in c.jobs() if j[0] in orphaned}
        assert all(attempts == 2 for attempts in retried.values()), retried
        print(
            f"\nworker SIGKILL: its {len(orphaned)} running job(s) done {recovered:.1f} s after, "
            f"all {len(batch)} jobs {everything_after:.1f} s after"
        )

        # 2. Redis loses its data with messages queued (no worker running): seen, re-sent.
        c.stop(c.workers["w2"])
        lost = {f"flush-{n}" for n in range(6)}
        for article_id in sorted(lost):
            post(c.base, token, article_id)
        assert any(clean_redis.scan_iter(match="kakehashi:dramatiq*"))  # queued in Redis ...
        clean_redis.flushdb()  # ... and are gone
        flushed_at = time.monotonic()
        c.start_worker("w3")
        c.wait_all_done(lost, timeout=90)
        print(f"Redis FLUSHDB: queued jobs done {time.monotonic() - flushed_at:.1f} s after")

        # 3. The API restarted (SIGKILL, then started again): what it accepted is done.
        restarted = {f"restart-{n}" for n in range(4)}
        for article_id in sorted(restarted):
            post(c.base, token, article_id)
        c.kill(c.apis["api"])
        down_at = time.monotonic()
        c.start_api("api2")
        c.wait_all_done(restarted, timeout=90)
        print(f"API SIGKILL + restart: jobs done {time.monotonic() - down_at:.1f} s after")

        everything = batch | lost | restarted
        assert c.translations_per_article() == {(a, "en"): 1 for a in everything}
        done = [j for j in c.jobs() if j[2] == "done"]
        assert sorted(j[1] for j in done) == sorted(everything)  # one done job per article
