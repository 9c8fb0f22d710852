"""Operators' processes, for real: `serve` and `worker` started at the same moment on one empty
database both come up (they migrate and seed in turn, once), `serve --workers 2` shares one
port and one embedded Redis, and `kakehashi healthcheck` tells a live worker from a dead one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from service.store.tables import EntryRow, GlossaryRow, HistoryRow
from tests.service.processes import (
    KAKEHASHI,
    answers,
    free_port,
    kakehashi_env,
    running,
    wait_until,
)

pytestmark = pytest.mark.slow


def _url(env: dict[str, str]) -> str:
    return env.get("KAKEHASHI_DATABASE_URL") or (
        f"sqlite:///{env['KAKEHASHI_DATA_DIR']}/kakehashi.sqlite3"
    )


def _seeded_once(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(GlossaryRow)) == 1
            entries = connection.scalar(select(func.count()).select_from(EntryRow))
            creates = connection.scalar(
                select(func.count()).select_from(HistoryRow).where(HistoryRow.action == "create")
            )
    finally:
        engine.dispose()
    assert entries is not None and entries > 100
    assert creates == entries  # one history row per shipped entry: seeded exactly once


def test_serve_and_workers_start_together_on_an_empty_database(
    tmp_path: Path, empty_database_url: str, clean_redis: object
) -> None:
    env = kakehashi_env(tmp_path / "data", empty_database_url, KAKEHASHI_TARGET_LANGUAGES="en")
    port = free_port()
    beats = [tmp_path / "w1.alive", tmp_path / "w2.alive"]
    with (
        running(["serve", "--port", str(port)], env, tmp_path / "serve.log") as api,
        running(["worker", "--heartbeat-file", str(beats[0])], env, tmp_path / "w1.log") as w1,
        running(["worker", "--heartbeat-file", str(beats[1])], env, tmp_path / "w2.log") as w2,
    ):
        wait_until(
            answers(f"http://127.0.0.1:{port}/healthz"), "serve up", api, tmp_path / "serve.log"
        )
        for beat, process, log in zip(beats, (w1, w2), ("w1.log", "w2.log"), strict=True):
            wait_until(beat.exists, "worker heartbeat", process, tmp_path / log)
        healthy = subprocess.run(
            [*KAKEHASHI, "healthcheck", "--heartbeat-file", str(beats[0]), "--max-age", "30"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert healthy.returncode == 0, healthy.stderr
        assert w1.poll() is None and w2.poll() is None and api.poll() is None
    for log in ("serve.log", "w1.log", "w2.log"):
        text = (tmp_path / log).read_text()
        assert "Traceback" not in text
        # One clear warning per configured language without a model, on every start.
        assert text.count("no model reaches ja:en") == 1, text
    _seeded_once(_url(env))
    stale = subprocess.run(
        [*KAKEHASHI, "healthcheck", "--heartbeat-file", str(tmp_path / "none.alive")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert stale.returncode == 1 and "no heartbeat" in stale.stderr


def test_migrate_twice_at_once(tmp_path: Path, empty_database_url: str) -> None:
    # An empty database (on PostgreSQL the seeded template's copy left nothing to seed).
    env = kakehashi_env(tmp_path / "data", empty_database_url)
    runs = [
        subprocess.Popen(
            [*KAKEHASHI, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err.decode()
        assert b"database at revision" in out
    assert sum(b"loaded" in out for out, _ in outputs) == 1  # only one of them seeded
    _seeded_once(_url(env))


def test_serve_with_two_processes_shares_the_port(
    tmp_path: Path, database_url: str, clean_redis: object
) -> None:
    env = kakehashi_env(tmp_path / "data", database_url, KAKEHASHI_TARGET_LANGUAGES="en")
    port = free_port()
    log = tmp_path / "serve.log"
    with running(["serve", "--port", str(port), "--workers", "2"], env, log) as api:
        wait_until(answers(f"http://127.0.0.1:{port}/healthz"), "serve up", api, log)
        wait_until(
            lambda: log.read_text().count("Application startup complete") == 2,
            "both processes started",
            api,
            log,
        )
        for _ in range(20):
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()
            assert ready["redis"]["ok"] and ready["database"]["ok"]
    text = log.read_text()
    assert "Traceback" not in text, text
    assert text.count("embedded redis at") <= 1  # started once, by the parent
