"""The outbox: jobs live in the database first, and are (re-)sent to the queue from there.

Nothing a publisher sends is lost when Redis or a worker dies: a job row is written in the same
transaction as the revision; sending to Redis happens after commit and is retried by `sweep`
until a worker finishes the job. Duplicate sends are harmless (jobs are claimed atomically).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import redis
from sqlalchemy import and_, or_, select, update

from service.jobs.translate_job import QUEUED, RUNNING, WAITING, translate_message
from service.store.db import session_scope
from service.store.redis_keys import SENTINEL_KEY
from service.store.tables import Job, utcnow

if TYPE_CHECKING:
    from service.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    sent: int
    resumed: int
    redis_restarted: bool


def dispatch(runtime: Runtime, job_ids: Iterable[str]) -> int:
    """Send jobs to the queue now; the ones that cannot be sent stay for the next sweep."""
    sent: list[str] = []
    for job_id in job_ids:
        try:
            runtime.broker.enqueue(translate_message(job_id))
        except (redis.RedisError, OSError) as exc:
            log.warning("queue unreachable, job %s stays in the outbox: %s", job_id, exc)
            break
        sent.append(job_id)
    if sent:
        with session_scope(runtime.sessions) as session:
            session.execute(update(Job).where(Job.id.in_(sent)).values(enqueued_at=utcnow()))
    return len(sent)


class Sweeper:
    """Periodically re-sends unsent or lost jobs and resumes jobs waiting for a model."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._redis_run_id: str | None = None

    def _redis_restarted(self) -> bool:
        """Whether Redis restarted (a new run id) or lost its data (our sentinel key is gone:
        FLUSHALL, a restart without persistence) since the last sweep: queued messages may be
        gone. The first process to find the sentinel missing writes it again (SET NX), so one
        sweeper re-sends, not all."""
        try:
            run_id = str(self._runtime.redis.info("server").get("run_id"))
            lost = bool(self._runtime.redis.set(SENTINEL_KEY, run_id, nx=True))
        except redis.RedisError:
            return False
        restarted = self._redis_run_id is not None and run_id != self._redis_run_id
        self._redis_run_id = run_id
        return restarted or lost

    def sweep(self) -> SweepReport:
        runtime = self._runtime
        now = utcnow()
        # A queued message normally waits in Redis until a worker takes it (a lost Redis is
        # caught above); only one never taken for this long is sent again.
        resend_before = now - timedelta(seconds=max(runtime.settings.job_lease_seconds, 300))
        restarted = self._redis_restarted()
        resumed = 0
        with session_scope(runtime.sessions) as session:
            waiting_langs = set(
                session.scalars(select(Job.target_lang).where(Job.state == WAITING).distinct())
            )
            ready = [lang for lang in waiting_langs if runtime.engines.available(lang)]
            if ready:
                result = session.execute(
                    update(Job)
                    .where(Job.state == WAITING, Job.target_lang.in_(ready))
                    .values(state=QUEUED, enqueued_at=None, updated_at=now, error=None)
                )
                resumed = int(result.rowcount)  # type: ignore[attr-defined]
            lost = [Job.enqueued_at.is_(None), Job.enqueued_at < resend_before]
            if restarted:
                lost.append(Job.enqueued_at.is_not(None))
            due = list(
                session.scalars(
                    select(Job.id)
                    .where(
                        or_(
                            and_(Job.state == QUEUED, or_(*lost)),
                            and_(Job.state == RUNNING, Job.lease_until < now),
                        )
                    )
                    .order_by(Job.created_at)
                    .limit(1000)
                )
            )
        sent = dispatch(runtime, due) if due else 0
        if sent or resumed or restarted:
            log.info(
                "outbox sweep: sent %d, resumed %d, redis restarted %s", sent, resumed, restarted
            )
        return SweepReport(sent=sent, resumed=resumed, redis_restarted=restarted)

    def _loop(self) -> None:
        while not self._stop.wait(self._runtime.settings.sweep_interval):
            try:
                self.sweep()
            except Exception:
                log.exception("outbox sweep failed; trying again next interval")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="kakehashi-sweeper", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
