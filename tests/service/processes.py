"""Real `kakehashi` processes for tests: an environment, a free port, start and stop, and a
cluster of API and worker processes over one database, Redis and models folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select

from service.access.api_keys import create_key
from service.store import db
from service.store.tables import Job, Translation
from translators.package import install

KAKEHASHI = [sys.executable, "-m", "service.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kakehashi_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """This process's environment without KAKEHASHI_*, then a data dir and, in CI's
    PostgreSQL run, the test's fresh database and the external Redis."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KAKEHASHI_")}
    environment["KAKEHASHI_DATA_DIR"] = str(data_dir)
    environment["KAKEHASHI_ARGOS_PACKAGES_DIR"] = str(data_dir / "no-argos")
    if os.environ.get("KAKEHASHI_DATABASE_URL"):
        environment["KAKEHASHI_DATABASE_URL"] = database_url
    if os.environ.get("KAKEHASHI_REDIS_URL"):
        environment["KAKEHASHI_REDIS_URL"] = os.environ["KAKEHASHI_REDIS_URL"]
    environment.update(extra)
    return environment


def wait_until(
    check: Callable[[], bool],
    what: str,
    process: subprocess.Popen[bytes],
    log: Path,
    timeout: float = 90,
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen:\n{log.read_text()}")
        time.sleep(0.2)


def answers(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    return check


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`kakehashi ARGS` in the background, its output in `log`; stopped (SIGTERM) at the end."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [*KAKEHASHI, *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Cluster:
    """Real `kakehashi serve` (no worker threads) and `kakehashi worker` processes sharing one
    database, one Redis and one models folder."""

    tmp: Path
    env: dict[str, str]
    database: Engine
    stack: ExitStack
    port: int = field(default_factory=free_port)
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    apis: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start_api(self, name: str, port: int | None = None) -> str:
        port = port or self.port
        log = self.tmp / f"{name}.log"
        process = self.stack.enter_context(running(["serve", "--port", str(port)], self.env, log))
        wait_until(answers(f"http://127.0.0.1:{port}/healthz"), f"{name} up", process, log)
        self.apis[name] = process
        return f"http://127.0.0.1:{port}"

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        log = self.tmp / f"{name}.log"
        process = self.stack.enter_context(running(["worker", "--threads", "2"], self.env, log))
        self.workers[name] = process
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        process.terminate()
        process.wait(timeout=60)

    def jobs(self) -> list[tuple[str, str, str, int]]:
        with self.database.connect() as connection:
            rows = connection.execute(select(Job.id, Job.article_id, Job.state, Job.attempts))
            return [tuple(row) for row in rows]  # type: ignore[misc]

    def translations_per_article(self) -> dict[tuple[str, str], int]:
        with self.database.connect() as connection:
            rows = connection.execute(
                select(Translation.article_id, Translation.lang, func.count()).group_by(
                    Translation.article_id, Translation.lang
                )
            )
            return {(a, lang): n for a, lang, n in rows}

    def wait_all_done(self, article_ids: set[str], timeout: float) -> float:
        """Seconds until every job of these articles is done (raises after `timeout`)."""
        start = time.monotonic()
        while True:
            open_jobs = [j for j in self.jobs() if j[1] in article_ids and j[2] != "done"]
            if not open_jobs:
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise AssertionError(f"after {timeout} s still open: {open_jobs[:5]}")
            time.sleep(0.5)


@contextmanager
def cluster(
    tmp_path: Path, database_url: str, redis_url: str, tiny_package_zip: Path, **extra: str
) -> Iterator[Cluster]:
    data = tmp_path / "data"
    install(tiny_package_zip, data / "models")
    env = kakehashi_env(
        data,
        database_url,
        KAKEHASHI_DATABASE_URL=database_url,
        KAKEHASHI_REDIS_URL=redis_url,
        **{"KAKEHASHI_TARGET_LANGUAGES": "en", "KAKEHASHI_WORKER_THREADS": "0", **extra},
    )
    assert "KAKEHASHI_JOB_LEASE_SECONDS" not in env  # the default lease, as shipped
    database = db.make_engine(database_url)
    with ExitStack() as stack:
        yield Cluster(tmp_path, env, database, stack)
    database.dispose()


def publisher_token(database_url: str) -> str:
    engine = db.make_engine(database_url)
    try:
        with db.session_scope(db.make_sessionmaker(engine)) as session:
            return create_key(session, name="cms", role="publisher")[1]
    finally:
        engine.dispose()
