"""Worker threads: Dramatiq consumers of jobs and deliveries, plus the outbox relay."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import dramatiq
from dramatiq.broker import Broker
from sqlalchemy.exc import SQLAlchemyError

from service.jobs import notices, retry_policy
from service.jobs.context import JobContext
from service.jobs.limits import BulkSlots, PoolShare
from service.jobs.outbox import Relay
from service.jobs.periodic import Periodic
from service.jobs.translate_job import RetryableJobError, run_job
from service.store import db
from service.store.redis_keys import (
    DELIVER_ACTOR,
    NOTICES_QUEUE,
    TRANSLATE_ACTOR,
    TRANSLATE_QUEUE,
)

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


NOTICE_THREADS = 4
"""Deliveries sent at once per process: a receiver that hangs (each attempt times out at 10 s)
holds one of them, never every notice and ping behind it."""

DELIVER_TIME_LIMIT_MS = 60_000  # an HTTP attempt times out at 10 s; this is the last resort

TRANSIENT_RETRIES = 30
"""Broker retries of a message that failed on an unavailable database (at most a minute apart:
about half an hour) before it is left to the outbox relay."""


def retryable(retries: int, exc: BaseException) -> bool:
    """Whether the broker sends a failed message again. A job's own failure: always, as the
    job row counts its attempts and fails itself at `max_attempts` (`service.jobs.retry_policy`:
    that count is the only one); the database being away around it (a claim or a finish that
    could not be written): up to TRANSIENT_RETRIES, then the outbox relay has it."""
    if isinstance(exc, RetryableJobError):
        return True
    return isinstance(exc, SQLAlchemyError) and db.unavailable(exc) and retries < TRANSIENT_RETRIES


def declare_actors(
    broker: Broker, ctx: JobContext, sender: notices.Sender, pool: PoolShare | None = None
) -> None:
    """Register the translate and deliver actors on this broker, bound to this process's job
    context and sender (and to a pool's bulk slots and stopping flag, see
    `service.jobs.limits`)."""

    def translate_job(job_id: str) -> None:
        run_job(ctx, job_id, pool)

    def deliver(delivery_id: int, attempt: int) -> None:
        sender.send(delivery_id, attempt)

    translate_job.__module__ = deliver.__module__ = __name__
    dramatiq.Actor(
        translate_job,
        broker=broker,
        actor_name=TRANSLATE_ACTOR,
        queue_name=TRANSLATE_QUEUE,
        priority=0,
        options={
            "min_backoff": retry_policy.JOB_MIN_BACKOFF_MS,
            "max_backoff": retry_policy.JOB_MAX_BACKOFF_MS,
            # The lease is renewed while a job runs, so it no longer bounds a job's time.
            "time_limit": int(
                (ctx.settings.job_time_budget_seconds + JOB_TIME_LIMIT_MARGIN_SECONDS) * 1000
            ),
            "retry_when": retryable,
        },
    )
    dramatiq.Actor(
        deliver,
        broker=broker,
        actor_name=DELIVER_ACTOR,
        queue_name=NOTICES_QUEUE,
        priority=0,
        # A failed attempt waits in its row for the relay (service.jobs.notices): the
        # broker never retries one itself.
        options={"max_retries": 0, "time_limit": DELIVER_TIME_LIMIT_MS},
    )


class WorkerPool:
    """`threads` Dramatiq worker threads in this process, sharing one loaded model per package,
    one more consuming deliveries (a notice never waits behind a translation), the outbox
    relay, and the process's other periodic work (embargo releases, partner pushes)."""

    def __init__(
        self,
        ctx: JobContext,
        sender: notices.Sender,
        relay: Relay,
        threads: int,
        periodic: Sequence[Periodic] = (),
    ) -> None:
        self.ctx = ctx
        self.sender = sender
        self.relay = relay
        self.threads = threads
        self.periodic = periodic
        self._workers: list[dramatiq.Worker] = []
        self.share = PoolShare(slots=BulkSlots(threads), stopping=threading.Event())

    def start(self) -> None:
        broker = self.ctx.broker
        if self.threads > 0:
            declare_actors(broker, self.ctx, self.sender, self.share)
            self.ctx.engines.set_worker_threads(self.threads)
            self._workers = [
                dramatiq.Worker(
                    broker,
                    queues={TRANSLATE_QUEUE},
                    worker_threads=self.threads,
                    worker_timeout=IDLE_POLL_MS,
                ),
                dramatiq.Worker(
                    broker,
                    queues={NOTICES_QUEUE},
                    worker_threads=NOTICE_THREADS,
                    worker_timeout=IDLE_POLL_MS,
                ),
            ]
            for worker in self._workers:
                worker.start()
            log.info("started %d worker threads", self.threads)
        try:
            self.relay.sweep()
        except SQLAlchemyError as exc:  # the database is away: the relay's thread tries again
            log.warning("first outbox sweep failed: %s", exc)
        self.relay.periodic.start()
        for periodic in self.periodic:
            periodic.start()

    def healthy(self) -> bool:
        """Every worker thread and the relay are alive (a heartbeat is only written then)."""
        threads = [t for w in self._workers for t in (*w.workers, *w.consumers.values())]
        return self.relay.periodic.alive() and all(t.is_alive() for t in threads)

    def stop(self) -> None:
        # Running jobs see it at their next engine call and go back to the queue, so a stop
        # takes seconds, not a huge article's whole run.
        self.share.stopping.set()
        self.relay.periodic.stop()
        for periodic in self.periodic:
            periodic.stop()
        if self._workers:
            for worker in self._workers:
                worker.stop(timeout=30_000)
            self._workers = []
