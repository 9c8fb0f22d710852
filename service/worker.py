"""Worker threads: Dramatiq consumers bound to a runtime, plus the outbox sweeper."""

from __future__ import annotations

import logging

import dramatiq

from service.outbox import Sweeper
from service.redis_keys import TRANSLATE_QUEUE
from service.runtime import Runtime

log = logging.getLogger(__name__)


class WorkerPool:
    """`threads` Dramatiq worker threads in this process, sharing one loaded model per package."""

    def __init__(self, runtime: Runtime, threads: int) -> None:
        self.runtime = runtime
        self.threads = threads
        self._worker: dramatiq.Worker | None = None
        self.sweeper = Sweeper(runtime)

    def start(self) -> None:
        if self.threads > 0:
            self._worker = dramatiq.Worker(
                self.runtime.broker,
                queues={TRANSLATE_QUEUE},
                worker_threads=self.threads,
                worker_timeout=1000,
            )
            self._worker.start()
            log.info("started %d worker threads", self.threads)
        self.sweeper.sweep()
        self.sweeper.start()

    def stop(self) -> None:
        self.sweeper.stop()
        if self._worker is not None:
            self._worker.stop(timeout=30_000)
            self._worker = None
