"""Claiming a job: one conditional UPDATE (retried while the database is briefly away), and
the lease a running job keeps renewing, fenced on the attempt number."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING

import dramatiq
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from service.jobs.periodic import Periodic
from service.jobs.states import JobState
from service.store import db
from service.store.db import session_scope
from service.store.redis_keys import TRANSLATE_ACTOR, TRANSLATE_QUEUE
from service.store.tables import Job

if TYPE_CHECKING:
    from service.jobs.context import JobContext

log = logging.getLogger(__name__)

# Aliases of the members, for the modules that import the states from here.
QUEUED = JobState.QUEUED
RUNNING = JobState.RUNNING
WAITING = JobState.WAITING


class RetryableJobError(Exception):
    """Raised to let the broker retry the job later with back-off."""


def translate_message(job_id: str) -> dramatiq.Message[None]:
    """The queue message asking a worker to run a job (what `actor.send` would build; senders
    need no actor, only workers declare one: see `service.jobs.worker`)."""
    return dramatiq.Message(
        queue_name=TRANSLATE_QUEUE,
        actor_name=TRANSLATE_ACTOR,
        args=(job_id,),
        kwargs={},
        options={},
    )


class DatabaseAway(RetryableJobError):
    """The database could not be reached for the claim, even after retrying for a while: the
    broker sends the message again later (the job row is untouched, still claimable)."""


# A PostgreSQL restart takes a few seconds; waiting this long in the worker thread (0.25 s,
# doubling, at most 2 s a wait: about 15 s in all) rides it out without a trip through the
# broker's back-off. Past it, the message is retried by the broker, never dropped.
CLAIM_RETRY_SECONDS = 15.0


def claim(ctx: JobContext, job_id: str) -> int | None:
    """`_claim`, retried while the database is briefly away (a restart, a dropped connection):
    the claim is one conditional UPDATE, so trying again is safe."""
    deadline = time.monotonic() + CLAIM_RETRY_SECONDS
    delay = 0.25
    while True:
        try:
            return _claim(ctx, job_id)
        except SQLAlchemyError as exc:
            if not db.unavailable(exc):
                raise
            if time.monotonic() + delay > deadline:
                raise DatabaseAway(f"database unavailable while claiming: {exc}") from exc
            log.warning("job %s: database unavailable (%s); retrying in %.2f s", job_id, exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _claim(ctx: JobContext, job_id: str) -> int | None:
    """Take the job (one conditional UPDATE); returns this run's attempt number, the fencing
    token every later write of this run must still match, or None when it is not claimable."""
    now = ctx.clock()
    lease = now + timedelta(seconds=ctx.settings.job_lease_seconds)
    with session_scope(ctx.sessions) as session:
        result = session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                or_(
                    Job.state.in_((QUEUED, WAITING)),
                    and_(Job.state == RUNNING, Job.lease_until < now),
                ),
            )
            .values(
                state=RUNNING,
                started_at=now,
                updated_at=now,
                lease_until=lease,
                attempts=Job.attempts + 1,
                error=None,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return session.scalar(select(Job.attempts).where(Job.id == job_id))


def mine(job_id: str, attempt: int) -> ColumnElement[bool]:
    """The job is still this run's: running, and not claimed again since (lease lost)."""
    return and_(Job.id == job_id, Job.state == RUNNING, Job.attempts == attempt)


class LeaseKeeper:
    """Renews a running job's lease every lease/3 seconds while it runs (a heartbeat).

    So the lease can be short (a dead worker's job runs again within a minute) and a slow job
    is never run twice at once: only a worker that stops renewing loses its job. When a renewal
    finds the job taken (its lease ran out during a long stall), `lost` is set and the run's
    writes, fenced on the attempt number, change nothing.
    """

    def __init__(self, ctx: JobContext, job_id: str, attempt: int) -> None:
        self._ctx, self._job_id, self._attempt = ctx, job_id, attempt
        self.lost = False
        # A failed renewal (a database hiccup) is logged by Periodic; the next beat tries again.
        self._beat = Periodic(
            f"kakehashi-lease-{job_id[:8]}",
            ctx.settings.job_lease_seconds / 3,
            self._renew,
            wait_first=True,  # the claim has just set the lease
        )

    def __enter__(self) -> LeaseKeeper:
        self._beat.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._beat.stop()

    def _renew(self) -> None:
        self.renew()

    def renew(self) -> bool:
        now = self._ctx.clock()
        lease = now + timedelta(seconds=self._ctx.settings.job_lease_seconds)
        with session_scope(self._ctx.sessions) as session:
            result = session.execute(
                update(Job)
                .where(mine(self._job_id, self._attempt))
                .values(lease_until=lease, updated_at=now)
            )
            renewed = bool(result.rowcount == 1)  # type: ignore[attr-defined]
        if not renewed:
            self.lost = True
            log.warning("job %s was taken over or cancelled while running", self._job_id)
        return renewed
