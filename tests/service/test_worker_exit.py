"""A worker whose threads die exits (status 1) instead of staying up unhealthy, so its
supervisor (compose's restart policy, systemd) starts a new one. A real `kakehashi worker`
process; its outbox relay thread is ended from inside by an asynchronous SystemExit, the way an
uncaught error would end it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.service.processes import kakehashi_env

pytestmark = pytest.mark.slow

# Runs `kakehashi worker` in this interpreter after starting a thread that waits for the first
# heartbeat (the pool is up) and then ends the outbox relay thread. The heartbeat period is cut so
# three dead checks take a second, not fifteen.
WORKER_WHOSE_SWEEPER_DIES = """
import ctypes, os, sys, threading, time
import service.cli.processes as processes
processes.HEARTBEAT_SECONDS = 0.3
beat = sys.argv[1]

def end_the_sweeper():
    while not os.path.exists(beat):
        time.sleep(0.05)
    sweeper = next(t for t in threading.enumerate() if t.name == "kakehashi-relay")
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(sweeper.ident), ctypes.py_object(SystemExit)
    )
    sweeper.join()
    print("the relay thread has ended", flush=True)

threading.Thread(target=end_the_sweeper, daemon=True).start()
sys.argv = ["kakehashi", "worker", "--threads", "1", "--heartbeat-file", beat]
from service.cli import main
main()
"""


def test_a_worker_whose_threads_die_exits_1(
    tmp_path: Path, database_url: str, redis_url: str, clean_redis: object
) -> None:
    env = kakehashi_env(
        tmp_path / "data",
        database_url,
        KAKEHASHI_DATABASE_URL=database_url,
        KAKEHASHI_REDIS_URL=redis_url,
        KAKEHASHI_TARGET_LANGUAGES="en",
        KAKEHASHI_SWEEP_INTERVAL="0.2",
    )
    beat = tmp_path / "worker.alive"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", WORKER_WHOSE_SWEEPER_DIES, str(beat)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "the relay thread has ended" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert "its threads died; exiting" in done.stderr
    assert beat.exists()  # it was healthy first
    assert time.monotonic() - started < 60
