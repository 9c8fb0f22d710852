"""Told, not polled: signed JSON notices to the review desk's URL and the CMS's URL.

A notice is a `deliveries` row written in the transaction that caused it (a translation
stored, a job failed, an approval), so it is never lost with a crash: at least once. After
the commit the runtime's :class:`Notifier` thread is woken; it claims due rows with one
conditional UPDATE (so processes sharing the database never send a row twice at once), POSTs
them signed like the CMS's own calls (`service.access.signing`, header `X-Kakehashi-Signature`, over
`POST`, the URL's path and the body), and retries failures with exponential backoff until
`notice_max_attempts`. A notice that used them up is kept as a dead letter (state `failed`):
an admin lists and re-sends it (`/v1/deliveries`, `kakehashi deliveries`); nothing vanishes.
Delivered rows are pruned after `delivery_retention_days`. Receivers de-duplicate on the
`delivery_id` in the body. Nothing here runs inside a job or a request: a slow or dead
receiver never blocks either.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.access import signing
from service.settings import Settings
from service.store.db import session_scope
from service.store.tables import Delivery, utcnow

log = logging.getLogger(__name__)

DONE = "done"
NEEDS_REVIEW = "needs_review"
FAILED = "failed"
PENDING, DELIVERED, GAVE_UP = "pending", "delivered", "failed"
CLAIM_SECONDS = 60  # a claimed row is tried again after this if its sender died
PRUNE_EVERY_SECONDS = 3600.0  # how often the sender thread deletes old delivered rows
USER_AGENT = "kakehashi-notices/1"


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
    return rows


def body_of(row: Delivery) -> bytes:
    data = {"delivery_id": row.id, "target": row.target, **row.payload}
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def _backoff(settings: Settings, attempts: int) -> timedelta:
    return timedelta(seconds=settings.notice_backoff_seconds * 2 ** max(attempts - 1, 0))


class Notifier:
    """The background sender of due deliveries (one thread per process)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        poll_seconds: float = 5.0,
        key_secret: Callable[[Delivery], str] | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        # The secret of a delivery to a partner key (service.syndication.push), which also
        # checks its URL again (ValueError: not to be sent); None: no partner deliveries in
        # this process.
        self.key_secret = key_secret
        self.poll_seconds = poll_seconds
        self._client = httpx.Client(
            timeout=10, headers={"User-Agent": USER_AGENT}, transport=transport
        )
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pruned_at = 0.0

    @property
    def enabled(self) -> bool:
        return bool(self.settings.cms_webhook_url or self.settings.review_webhook_url)

    def start(self, *, partners: bool = False) -> None:
        """Start the sender (once); `partners`: also without URLs, for partner pushes."""
        if self._thread is not None or not (self.enabled or partners):
            return
        self._thread = threading.Thread(target=self._loop, name="kakehashi-notices", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._client.close()

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = time.monotonic()
        with session_scope(self.sessions) as session:
            gone = prune(session, self.settings.delivery_retention_days, utcnow())
        if gone:
            log.info(
                "pruned %d delivered notices older than %d days",
                gone,
                self.settings.delivery_retention_days,
            )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._prune_now_and_then()
                sent = self.send_due()
            except Exception:  # the database may be briefly away; the rows wait
                log.exception("sending notices failed; trying again")
                sent = 0
            if sent:
                continue
            self._wake.wait(self._next_wait())
            self._wake.clear()

    def _next_wait(self) -> float:
        try:
            with session_scope(self.sessions) as session:
                due = session.scalar(
                    select(Delivery.next_attempt_at)
                    .where(Delivery.state == PENDING)
                    .order_by(Delivery.next_attempt_at)
                    .limit(1)
                )
        except Exception:
            return self.poll_seconds
        if due is None:
            return self.poll_seconds
        return min(self.poll_seconds, max((due - utcnow()).total_seconds(), 0.01))

    def _claim(self, now: datetime) -> list[Delivery]:
        with session_scope(self.sessions) as session:
            ids = list(
                session.scalars(
                    select(Delivery.id)
                    .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now)
                    .order_by(Delivery.next_attempt_at, Delivery.id)
                    .limit(20)
                )
            )
            claimed = []
            for delivery_id in ids:
                result = session.execute(
                    update(Delivery)
                    .where(
                        Delivery.id == delivery_id,
                        Delivery.state == PENDING,
                        Delivery.next_attempt_at <= now,
                    )
                    .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(delivery_id)
            rows = list(session.scalars(select(Delivery).where(Delivery.id.in_(claimed))))
            session.expunge_all()
            return rows

    def send_due(self) -> int:
        """Send every due delivery once; returns how many were tried."""
        rows = self._claim(utcnow())
        for row in rows:
            self._send(row)
        return len(rows)

    def _send(self, row: Delivery) -> None:
        body = body_of(row)
        # The id again as a header, so a receiver can drop a duplicate before parsing.
        headers = {"Content-Type": "application/json", "X-Kakehashi-Delivery": str(row.id)}
        configured = self.settings.notice_secret or self.settings.webhook_secret
        secret = configured.get_secret_value() if configured is not None else None
        status: int | None = None
        error: str | None = None
        if row.key_id is not None and self.key_secret is not None:
            try:
                secret = self.key_secret(row)
            except ValueError as exc:
                self._finish(row, None, str(exc)[:500])
                return
        if secret is not None:
            path = urlsplit(row.url).path or "/"
            headers[signing.HEADER] = signing.sign(secret, int(time.time()), "POST", path, body)
        try:
            response = self._client.post(row.url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        self._finish(row, status, error)

    def _finish(self, row: Delivery, status: int | None, error: str | None) -> None:
        now = utcnow()
        attempts = row.attempts + 1
        values: dict[str, object] = {"attempts": attempts, "last_status": status}
        if error is None:
            values.update(state=DELIVERED, delivered_at=now, last_error=None)
        elif attempts >= self.settings.notice_max_attempts:
            values.update(state=GAVE_UP, last_error=error)
            log.warning(
                "notice %s to %s is a dead letter after %d attempts (%s): re-send it with "
                "kakehashi deliveries resend %s",
                row.id,
                row.target,
                attempts,
                error,
                row.id,
            )
        else:
            values.update(last_error=error, next_attempt_at=now + _backoff(self.settings, attempts))
        with session_scope(self.sessions) as session:
            session.execute(update(Delivery).where(Delivery.id == row.id).values(**values))


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
