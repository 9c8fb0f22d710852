"""Real `kakehashi` processes for tests: an environment, a free port, start and stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

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
