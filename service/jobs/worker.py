"""Worker threads: Dramatiq consumers bound to a runtime, plus the outbox sweeper."""

from __future__ import annotations

import logging
import threading

import dramatiq
from sqlalchemy.exc import SQLAlchemyError

from service.jobs.limits import BulkSlots, PoolShare
from service.jobs.outbox import Sweeper
from service.jobs.translate_job import RetryableJobError, run_job
from service.runtime import Runtime
from service.store import db
from service.store.redis_keys import TRANSLATE_ACTOR, TRANSLATE_QUEUE

log = logging.getLogger(__name__)

# Dramatiq's Redis consumer polls an empty queue with an exponential back-off capped at the
# worker timeout (jittered to 50-100% of it): at Dramatiq's 1000 ms a job posted to idle
# workers waited 0.36-0.44 s (median). Capped at 40 ms, pickup is under 50 ms, for about 30
# cheap Lua fetches per second per idle process (bench/pickup_latency.py measures it).
IDLE_POLL_MS = 40

JOB_TIME_LIMIT_MARGIN_SECONDS = 300
"""Dramatiq's own time limit is a last resort past the job's budget: it raises an exception
into the thread, which never lands while CTranslate2 is in a call (issue 19); the budget,
checked between bounded calls, is what ends a long job."""


TRANSIENT_RETRIES = 30
"""Broker retries of a message that failed on an unavailable database (at most a minute apart:
about half an hour) before it is left to the outbox sweeper."""


def retryable(retries: int, exc: BaseException) -> bool:
    """Whether the broker sends a failed message again: a job's own failure (it counts its
    attempts itself), or the database being away around it (a claim or a finish that could
    not be written) - never "Retries exceeded" for a PostgreSQL restart."""
    if isinstance(exc, RetryableJobError):
        return True
    return isinstance(exc, SQLAlchemyError) and db.unavailable(exc) and retries < TRANSIENT_RETRIES


def declare_actor(runtime: Runtime, pool: PoolShare | None = None) -> None:
    """Register the translate actor on this runtime's broker, bound to this runtime (and to a
    pool's bulk slots and stopping flag, see `service.jobs.limits`)."""

    def translate_job(job_id: str) -> None:
        run_job(runtime, job_id, pool)

    translate_job.__module__ = __name__
    dramatiq.Actor(
        translate_job,
        broker=runtime.broker,
        actor_name=TRANSLATE_ACTOR,
        queue_name=TRANSLATE_QUEUE,
        priority=0,
        options={
            "max_retries": runtime.settings.max_attempts - 1,
            "min_backoff": 1_000,
            "max_backoff": 60_000,
            # The lease is renewed while a job runs, so it no longer bounds a job's time.
            "time_limit": int(
                (runtime.settings.job_time_budget_seconds + JOB_TIME_LIMIT_MARGIN_SECONDS) * 1000
            ),
            "retry_when": retryable,
        },
    )


class WorkerPool:
    """`threads` Dramatiq worker threads in this process, sharing one loaded model per package."""

    def __init__(self, runtime: Runtime, threads: int) -> None:
        self.runtime = runtime
        self.threads = threads
        self._worker: dramatiq.Worker | None = None
        self.sweeper = Sweeper(runtime)
        self.share = PoolShare(slots=BulkSlots(threads), stopping=threading.Event())

    def start(self) -> None:
        if self.threads > 0:
            declare_actor(self.runtime, self.share)
            self.runtime.engines.set_worker_threads(self.threads)
            self._worker = dramatiq.Worker(
                self.runtime.broker,
                queues={TRANSLATE_QUEUE},
                worker_threads=self.threads,
                worker_timeout=IDLE_POLL_MS,
            )
            self._worker.start()
            log.info("started %d worker threads", self.threads)
        try:
            self.sweeper.sweep()
        except SQLAlchemyError as exc:  # the database is away: the sweeper's thread tries again
            log.warning("first outbox sweep failed: %s", exc)
        self.sweeper.start()
        self.runtime.releaser.start()
        self.runtime.pusher.start()

    def healthy(self) -> bool:
        """Every worker thread and the sweeper are alive (a heartbeat is only written then)."""
        worker = self._worker
        threads = [*worker.workers, *worker.consumers.values()] if worker is not None else []
        return self.sweeper.alive() and all(t.is_alive() for t in threads)

    def stop(self) -> None:
        # Running jobs see it at their next engine call and go back to the queue, so a stop
        # takes seconds, not a huge article's whole run.
        self.share.stopping.set()
        self.sweeper.stop()
        if self._worker is not None:
            self._worker.stop(timeout=30_000)
            self._worker = None
