"""Job pickup latency of idle workers: time from sending a message to its actor starting.

Usage: .venv/bin/python bench/pickup_latency.py [--samples 20] [--idle 1.5] [--threads 2]

Starts a runtime on a temporary data dir (embedded Redis, or KAKEHASHI_REDIS_URL), registers a
probe actor on the translate queue and runs a WorkerPool on it, as `kakehashi serve` does. Each
sample waits ``--idle`` seconds (so the consumer has backed off as far as it goes), sends one
message carrying its send time, and records when the actor starts. Measured twice in one run,
alternating: with the pool's idle poll cap (service.jobs.worker.IDLE_POLL_MS) and with Dramatiq's
1000 ms worker timeout used before (the baseline). Prints median, p90 and max in ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import dramatiq

from service.jobs import worker as worker_module
from service.runtime import Runtime
from service.settings import Settings
from service.store.redis_keys import TRANSLATE_QUEUE


class _Probe:
    """A probe actor on the translate queue that records how long each message waited."""

    def __init__(self, runtime: Runtime) -> None:
        self.received: list[float] = []
        self.arrived = threading.Event()

        def pickup_probe(sent: float) -> None:
            self.received.append((time.time() - sent) * 1000)
            self.arrived.set()

        self.actor = dramatiq.Actor(
            pickup_probe,
            broker=runtime.broker,
            actor_name="pickup_probe",
            queue_name=TRANSLATE_QUEUE,
            priority=0,
            options={"max_retries": 0},
        )


def _measure(
    settings: Settings, poll_ms: int, samples: int, idle: float, threads: int
) -> list[float]:
    # A runtime (and broker) per measurement: a pool registers its actor on the broker it is
    # given, once.
    runtime = Runtime.start(settings)
    probe = _Probe(runtime)
    saved = worker_module.IDLE_POLL_MS
    worker_module.IDLE_POLL_MS = poll_ms
    pool = runtime.worker_pool(threads)
    try:
        pool.start()
        for _ in range(samples):
            time.sleep(idle)
            probe.arrived.clear()
            probe.actor.send(time.time())
            if not probe.arrived.wait(10):
                raise RuntimeError("the probe job never ran")
    finally:
        pool.stop()
        worker_module.IDLE_POLL_MS = saved
        runtime.close()
    return list(probe.received)


def _row(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[max(0, round(0.9 * len(ordered)) - 1)]
    return (
        f"{name:<34}{statistics.median(ordered):>9.1f}{p90:>9.1f}{ordered[-1]:>9.1f}"
        f"{len(ordered):>9}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--idle", type=float, default=1.5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kakehashi-pickup-") as tmp:
        settings = Settings(data_dir=Path(tmp), worker_threads=0, target_languages=("en",))
        ours: list[float] = []
        baseline: list[float] = []
        half = max(1, args.samples // 2)
        for round_ in range(2):  # alternate: ours, baseline, baseline, ours
            first, second = (ours, baseline) if round_ == 0 else (baseline, ours)
            for target in (first, second):
                poll = worker_module.IDLE_POLL_MS if target is ours else 1000
                target += _measure(settings, poll, half, args.idle, args.threads)
    if len(ours) != args.samples // 2 * 2 or len(baseline) != len(ours):
        print(f"refusing to report: {len(ours)} + {len(baseline)} samples arrived", file=sys.stderr)
        return 1
    print(f"pickup latency of idle workers ({args.threads} threads), ms")
    print(f"{'consumer idle poll cap':<34}{'median':>9}{'p90':>9}{'max':>9}{'samples':>9}")
    print(_row(f"{worker_module.IDLE_POLL_MS} ms (kakehashi)", ours))
    print(_row("1000 ms (before; baseline)", baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
