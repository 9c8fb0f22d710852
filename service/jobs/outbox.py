"""The outbox: what must reach a worker lives in the database first, and is (re-)sent to the
broker from there.

Nothing a publisher sends is lost when Redis or a worker dies: a job row is written in the
same transaction as the revision, a delivery row (a notice, a partner push, a hub ping) in the
transaction that caused it. The relay sends both to their Dramatiq actors: woken after each
commit that wrote some (the unit of work), and every `sweep_interval` to re-send what was
lost (a Redis that restarted empty, a worker that died holding a message, a delivery whose
retry is due). Duplicate sends are harmless: a job is claimed atomically, a delivery by its
attempt number (`service.jobs.notices`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from dramatiq.broker import Broker
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.jobs import notices
from service.jobs.claims import QUEUED, RUNNING, WAITING, translate_message
from service.jobs.periodic import Periodic
from service.settings import Settings
from service.store.db import session_scope
from service.store.redis_keys import SENTINEL_KEY
from service.store.tables import Delivery, Job, utcnow

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0  # how often a relay deletes old delivered rows


@dataclass(frozen=True)
class Outbox:
    """What the relay uses."""

    sessions: sessionmaker[Session]
    settings: Settings
    broker: Broker
    redis: redis.Redis[bytes]
    model_available: Callable[[str], bool]  # whether a language's model is installed now
    clock: Callable[[], datetime] = utcnow  # what "lost" and "due" are judged by (tests move it)


@dataclass(frozen=True)
class SweepReport:
    sent: int
    resumed: int
    redis_restarted: bool
    deliveries: int = 0


def dispatch(outbox: Outbox, job_ids: Iterable[str]) -> int:
    """Send jobs to the queue now; the ones that cannot be sent stay for the next sweep."""
    sent: list[str] = []
    for job_id in job_ids:
        try:
            outbox.broker.enqueue(translate_message(job_id))
        except (redis.RedisError, OSError) as exc:
            log.warning("queue unreachable, job %s stays in the outbox: %s", job_id, exc)
            break
        sent.append(job_id)
    if sent:
        with session_scope(outbox.sessions) as session:
            session.execute(update(Job).where(Job.id.in_(sent)).values(enqueued_at=utcnow()))
    return len(sent)


def relay_deliveries(outbox: Outbox, *, limit: int = 500) -> int:
    """Send every due delivery to the `deliver` actor; a sent row is not due again until its
    claim time has passed (then it is sent again: its message may have been lost)."""
    now = utcnow()
    with session_scope(outbox.sessions) as session:
        due = list(session.execute(notices.due_rows(now, limit=limit)).tuples())
    sent: list[tuple[int, int]] = []
    for delivery_id, attempts in due:
        try:
            outbox.broker.enqueue(notices.deliver_message(delivery_id, attempts))
        except (redis.RedisError, OSError) as exc:
            log.warning("queue unreachable, deliveries stay in the outbox: %s", exc)
            break
        sent.append((delivery_id, attempts))
    if sent:  # one transaction for the batch: not due again until their claim time
        with session_scope(outbox.sessions) as session:
            for delivery_id, attempts in sent:
                session.execute(
                    update(Delivery)
                    .where(
                        Delivery.id == delivery_id,
                        Delivery.state == notices.PENDING,
                        Delivery.attempts == attempts,
                    )
                    .values(next_attempt_at=now + timedelta(seconds=notices.CLAIM_SECONDS))
                )
    return len(sent)


class Relay:
    """Sends new and lost jobs and due deliveries to the broker, resumes jobs waiting for a
    model, and prunes old delivered rows: on a `Periodic` thread (`periodic`).

    After a commit (`ask`) it sends just what the commit wrote: the new jobs, in one batch
    with one UPDATE however many commits asked meanwhile, and the due deliveries. The whole
    sweep (lost messages, waiting jobs, a Redis that restarted) runs every `sweep_interval`:
    run after every commit, it made 16 publishers' POSTs compete with a sweep each.
    """

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        self._redis_run_id: str | None = None
        self._pruned_at = float("-inf")
        self._asked = threading.Lock()
        self._new_jobs: list[str] = []
        self._new_deliveries = False
        self._swept_at = float("-inf")
        self.periodic = Periodic("kakehashi-relay", outbox.settings.sweep_interval, self._run)

    def ask(self, job_ids: Iterable[str], deliveries: bool) -> None:
        """Send these jobs (and the due deliveries) soon: a commit wrote them."""
        with self._asked:
            self._new_jobs.extend(job_ids)
            self._new_deliveries = self._new_deliveries or deliveries
        self.periodic.wake()

    def _run(self) -> float:
        with self._asked:
            jobs, self._new_jobs = self._new_jobs, []
            deliveries, self._new_deliveries = self._new_deliveries, False
        if jobs:
            dispatch(self._outbox, jobs)
        if deliveries:
            relay_deliveries(self._outbox)
        interval = self._outbox.settings.sweep_interval
        if time.monotonic() - self._swept_at >= interval:
            self.sweep()
        return max(self._swept_at + interval - time.monotonic(), 0.0)

    def _redis_restarted(self) -> bool:
        """Whether Redis restarted (a new run id) or lost its data (our sentinel key is gone:
        FLUSHALL, a restart without persistence) since the last sweep: queued messages may be
        gone. The first process to find the sentinel missing writes it again (SET NX), so one
        relay re-sends, not all."""
        try:
            run_id = str(self._outbox.redis.info("server").get("run_id"))
            lost = bool(self._outbox.redis.set(SENTINEL_KEY, run_id, nx=True))
        except redis.RedisError:
            return False
        restarted = self._redis_run_id is not None and run_id != self._redis_run_id
        self._redis_run_id = run_id
        return restarted or lost

    def sweep(self) -> SweepReport:
        self._swept_at = time.monotonic()
        outbox = self._outbox
        now = outbox.clock()
        # A queued message normally waits in Redis until a worker takes it (a lost Redis is
        # caught above); only one never taken for this long is sent again.
        resend_before = now - timedelta(seconds=max(outbox.settings.job_lease_seconds, 300))
        restarted = self._redis_restarted()
        resumed = 0
        with session_scope(outbox.sessions) as session:
            waiting_langs = set(
                session.scalars(select(Job.target_lang).where(Job.state == WAITING).distinct())
            )
            ready = [lang for lang in waiting_langs if outbox.model_available(lang)]
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
        sent = dispatch(outbox, due) if due else 0
        delivered = relay_deliveries(outbox)
        self._prune_now_and_then()
        if sent or resumed or restarted:
            log.info(
                "outbox sweep: sent %d, resumed %d, redis restarted %s", sent, resumed, restarted
            )
        return SweepReport(
            sent=sent, resumed=resumed, redis_restarted=restarted, deliveries=delivered
        )

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        days = self._outbox.settings.delivery_retention_days
        with session_scope(self._outbox.sessions) as session:
            gone = notices.prune(session, days, utcnow())
        if gone:
            log.info("pruned %d delivered notices older than %d days", gone, days)
