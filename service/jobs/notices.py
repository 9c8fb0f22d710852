"""Told, not polled: signed JSON notices to the review desk's and the CMS's URLs, pushes to
partner callbacks, and WebSub publish pings to hubs, all as rows of one outbox.

A delivery is a `deliveries` row written in the transaction that caused it (a translation
stored, a job failed, an approval, a feed that changed), so it is never lost with a crash or
a restart: at least once. The outbox relay (`service.jobs.outbox`, woken after the commit by
the unit of work) sends each due row to the `deliver` actor, which claims it by its attempt
number (so processes sharing the database never send a row twice at once), POSTs it (a notice
signed like the CMS's own calls: `service.access.signing`, header `X-Kakehashi-Signature`,
over `POST`, the URL's path and the body; a ping as the WebSub form), and on failure leaves it
for the relay at the time `service.jobs.retry_policy` gives, until `notice_max_attempts`. A
delivery that used them up, or that was refused for good (a 4xx other than 408/425/429), is
kept as a dead letter (state `failed`): an admin lists and re-sends it (`/v1/deliveries`,
`kakehashi deliveries`); nothing vanishes. Delivered rows are pruned after
`delivery_retention_days`. Receivers de-duplicate on the `delivery_id` in the body. Nothing
here runs inside a job or a request: a slow or dead receiver never blocks either.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import dramatiq
import httpx
import redis
from dramatiq.broker import Broker
from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.access import signing
from service.jobs import retry_policy
from service.settings import Settings
from service.store import unit_of_work
from service.store.db import session_scope
from service.store.redis_keys import DELIVER_ACTOR, NOTICES_QUEUE
from service.store.tables import Delivery, utcnow

log = logging.getLogger(__name__)

DONE = "done"
NEEDS_REVIEW = "needs_review"
FAILED = "failed"
PENDING, DELIVERED, GAVE_UP = "pending", "delivered", "failed"
CLAIM_SECONDS = 60  # a claimed (or relayed) row is sent again after this if its sender died
PRUNE_EVERY_SECONDS = 3600.0  # how often the relay deletes old delivered rows
USER_AGENT = "kakehashi-notices/1"
WEBSUB_USER_AGENT = "kakehashi-websub/1"


def record(
    session: Session,
    settings: Settings,
    *,
    event: str,
    article_id: str,
    lang: str,
    details: dict[str, Any],
) -> list[Delivery]:
    """Write the notices `event` gives rise to (none when no URL is configured)."""
    targets = []
    if settings.cms_webhook_url:
        targets.append(("cms", settings.cms_webhook_url))
    if event == NEEDS_REVIEW and settings.review_webhook_url:
        targets.append(("review", settings.review_webhook_url))
    now = utcnow()
    rows = []
    for target, url in targets:
        payload = {
            "event": event,
            "article_id": article_id,
            "lang": lang,
            "at": now.isoformat(),
            **details,
        }
        row = Delivery(
            target=target,
            url=url,
            event=event,
            article_id=article_id,
            lang=lang,
            payload=payload,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        rows.append(row)
    if rows:
        unit_of_work.deliveries_recorded(session)
    return rows


def body_of(row: Delivery) -> bytes:
    data = {"delivery_id": row.id, "target": row.target, **row.payload}
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


HUB = "hub"  # a WebSub publish ping (service.syndication.websub): a delivery like any other


def record_pings(session: Session, hubs: Sequence[str], topics: Iterable[str]) -> int:
    """Write a publish ping of each topic to each hub, in the caller's transaction; a topic
    still waiting for a hub (not yet tried) is not queued twice. Returns how many were new."""
    wanted = list(dict.fromkeys(topics))
    if not hubs or not wanted:
        return 0
    waiting = {
        (url, str(payload.get("topic")))
        for url, payload in session.execute(
            select(Delivery.url, Delivery.payload).where(
                Delivery.target == HUB, Delivery.state == PENDING, Delivery.attempts == 0
            )
        )
    }
    now = utcnow()
    made = 0
    for hub in hubs:
        for topic in wanted:
            if (hub, topic) in waiting:
                continue
            session.add(
                Delivery(
                    target=HUB,
                    url=hub,
                    event="publish",
                    article_id="",
                    lang="",
                    payload={"topic": topic},
                    state=PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            made += 1
    if made:
        unit_of_work.deliveries_recorded(session)
    return made


def deliver_message(delivery_id: int, attempt: int) -> dramatiq.Message[None]:
    """The queue message asking a worker to make attempt `attempt + 1` of a delivery."""
    return dramatiq.Message(
        queue_name=NOTICES_QUEUE,
        actor_name=DELIVER_ACTOR,
        args=(delivery_id, attempt),
        kwargs={},
        options={},
    )


@dataclass(frozen=True)
class Outcome:
    """One attempt's answer: the HTTP status (None: no answer), the problem, and whether a
    later attempt may fare better."""

    status: int | None
    error: str | None = None
    retryable: bool = True
    retry_after: float | None = None


class Sender:
    """Makes one attempt of one delivery row per call: the `deliver` actor's work
    (`service.jobs.worker`).

    A row is claimed by its attempt number (`attempts` moves on with a conditional UPDATE), so
    two messages for the same attempt, or two processes, never send it twice at once; a
    sender that died mid-attempt used that attempt up, and the relay sends the row again when
    its claim ran out (`CLAIM_SECONDS`).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        key_secret: Callable[[Delivery], str] | None = None,
        broker: Broker | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        # Where the next attempt of a failed delivery is sent, delayed by its backoff (None:
        # the relay sends it once due, at its next sweep).
        self.broker = broker
        # The secret of a delivery to a partner key (service.syndication.push), which also
        # checks its URL again (ValueError: not to be sent); None: partner deliveries wait.
        self.key_secret = key_secret
        self._client = httpx.Client(
            timeout=10, headers={"User-Agent": USER_AGENT}, transport=transport
        )

    def close(self) -> None:
        self._client.close()

    def send(self, delivery_id: int, attempt: int) -> bool:
        """Make attempt `attempt + 1` of this delivery, unless another sender has; whether it
        was made here."""
        row = self._claim(delivery_id, attempt, utcnow())
        if row is None:
            return False
        self._finish(row, self._attempt(row))
        return True

    def _claim(self, delivery_id: int, attempt: int, now: datetime) -> Delivery | None:
        with session_scope(self.sessions) as session:
            result = session.execute(
                update(Delivery)
                .where(
                    Delivery.id == delivery_id,
                    Delivery.state == PENDING,
                    Delivery.attempts == attempt,
                )
                .values(
                    attempts=attempt + 1, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS)
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.get(Delivery, delivery_id)
            if row is not None:
                session.expunge(row)
            return row

    def _attempt(self, row: Delivery) -> Outcome:
        if row.target == HUB:
            return self._ping(row)
        body = body_of(row)
        # The id again as a header, so a receiver can drop a duplicate before parsing.
        headers = {"Content-Type": "application/json", "X-Kakehashi-Delivery": str(row.id)}
        configured = self.settings.notice_secret or self.settings.webhook_secret
        secret = configured.get_secret_value() if configured is not None else None
        if row.key_id is not None:
            if self.key_secret is None:
                return Outcome(None, "no partner secret in this process", retryable=True)
            try:
                secret = self.key_secret(row)
            except ValueError as exc:
                return Outcome(None, str(exc)[:500], retryable=False)
        if secret is not None:
            path = urlsplit(row.url).path or "/"
            headers[signing.HEADER] = signing.sign(secret, int(time.time()), "POST", path, body)
        return self._post(row.url, content=body, headers=headers)

    def _ping(self, row: Delivery) -> Outcome:
        """A WebSub publish ping: `hub.mode=publish&hub.url=<topic>`, the form every hub takes."""
        topic = str(row.payload.get("topic", ""))
        return self._post(
            row.url,
            data={"hub.mode": "publish", "hub.url": topic},
            headers={"User-Agent": WEBSUB_USER_AGENT},
        )

    def _post(self, url: str, **request: Any) -> Outcome:
        try:
            response = self._client.post(url, follow_redirects=False, **request)
        except httpx.HTTPError as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}"[:500])
        status = response.status_code
        if 200 <= status < 300:
            return Outcome(status)
        return Outcome(
            status,
            f"HTTP {status}",
            retryable=retry_policy.retryable_status(status),
            retry_after=retry_policy.retry_after_seconds(response.headers.get("retry-after")),
        )

    def _finish(self, row: Delivery, outcome: Outcome) -> None:
        now = utcnow()
        attempts = row.attempts
        values: dict[str, object] = {"last_status": outcome.status}
        if outcome.error is None:
            values.update(state=DELIVERED, delivered_at=now, last_error=None)
        elif not outcome.retryable or attempts >= self.settings.notice_max_attempts:
            values.update(state=GAVE_UP, last_error=outcome.error)
            log.warning(
                "%s delivery %s to %s is a dead letter after %d attempts (%s): re-send it with "
                "kakehashi deliveries resend %s",
                row.target,
                row.id,
                _shown(row.url),
                attempts,
                outcome.error,
                row.id,
            )
        else:
            due = retry_policy.next_attempt(
                now, self.settings.notice_backoff_seconds, attempts, outcome.retry_after
            )
            values.update(last_error=outcome.error, next_attempt_at=due)
        with session_scope(self.sessions) as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id == row.id, Delivery.attempts == attempts)
                .values(**values)
            )
        if "next_attempt_at" in values and self.broker is not None:
            delay_ms = max(int((due - now).total_seconds() * 1000), 0)
            try:
                self.broker.enqueue(deliver_message(row.id, attempts), delay=delay_ms)
            except (redis.RedisError, OSError) as exc:  # the relay sends it once due
                log.warning("delivery %s waits for the relay: %s", row.id, exc)


def due_rows(now: datetime, *, limit: int) -> Select[int, int]:
    """(id, attempts) of the deliveries due now, the longest waiting first."""
    return (
        select(Delivery.id, Delivery.attempts)
        .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )


def _shown(url: str) -> str:
    """A URL fit for a log line: no credentials, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def listing(
    session: Session, *, state: str | None, target: str | None, limit: int
) -> list[Delivery]:
    """The delivery log, newest first."""
    stmt = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if state is not None:
        stmt = stmt.where(Delivery.state == state)
    if target is not None:
        stmt = stmt.where(Delivery.target == target)
    return list(session.scalars(stmt))


def resend(session: Session, ids: Sequence[int] | None, now: datetime) -> list[int]:
    """Send these notices again from the first attempt (`ids` None: every dead letter); the
    ids found and queued. A pending one is left alone (it is being tried already)."""
    stmt = select(Delivery.id).where(Delivery.state != PENDING)
    stmt = (
        stmt.where(Delivery.id.in_(list(ids)))
        if ids is not None
        else stmt.where(Delivery.state == GAVE_UP)
    )
    found = list(session.scalars(stmt.order_by(Delivery.id)))
    if found:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(found))
            .values(state=PENDING, attempts=0, next_attempt_at=now, delivered_at=None)
        )
        unit_of_work.deliveries_recorded(session)
    return found


def prune(session: Session, retention_days: int, now: datetime) -> int:
    """Delete delivered notices older than `retention_days`; dead letters stay."""
    result = session.execute(
        delete(Delivery).where(
            Delivery.state == DELIVERED,
            Delivery.delivered_at < now - timedelta(days=retention_days),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
