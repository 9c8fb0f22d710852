"""WebSub (W3C) publisher: tell the configured hubs that a feed changed.

`notify(topics)` only records the topics and returns; one background thread per hub posts
`hub.mode=publish&hub.url=<topic>` (one topic per request, the form every hub accepts), retries
network errors, 5xx and 429 with exponential backoff, and gives up after `max_attempts` with a
logged warning. A topic already waiting for a hub is not queued twice. Nothing here raises into
the caller of `notify` or blocks it, whatever the hubs do.

Topics are the public feed URLs: any query string or fragment is removed before a topic is
queued, so a partner token can never reach a hub or a log line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

log = logging.getLogger(__name__)

USER_AGENT = "kakehashi-websub/1"
MAX_RETRY_AFTER = 60.0


@dataclass(frozen=True)
class WebSubStats:
    """Counts since start, per (hub, topic) delivery."""

    sent: int = 0
    failed: int = 0
    retries: int = 0
    pending: int = 0


def _check_hub(url: str) -> str:
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"a WebSub hub must be an absolute http(s) URL, not {url!r}")
    return url.strip()


def public_topic(url: str) -> str | None:
    """`url` without query and fragment, or None when it is not an absolute http(s) URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def _shown(url: str) -> str:
    """A URL fit for a log line: no credentials, query or fragment."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass
class _Delivery:
    topic: str
    due: float
    attempt: int = 1


class _HubWorker:
    """One hub's queue and thread; a slow hub never delays another."""

    def __init__(self, publisher: WebSubPublisher, hub: str, index: int) -> None:
        self._publisher = publisher
        self.hub = hub
        self._cond = threading.Condition()
        self._pending: dict[str, _Delivery] = {}
        self._in_flight = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name=f"websub-{index}", daemon=True)

    # -- called from other threads ---------------------------------------------------------

    def add(self, topic: str) -> None:
        with self._cond:
            if topic not in self._pending:
                self._pending[topic] = _Delivery(topic, time.monotonic())
                self._cond.notify_all()

    def start(self) -> None:
        self._thread.start()

    def idle(self) -> bool:
        return not self._pending and not self._in_flight

    def wait_idle(self, deadline: float) -> bool:
        with self._cond:
            while not self.idle():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def stop(self, deadline: float) -> int:
        """Stop after the request in flight; returns the number of topics left undelivered."""
        with self._cond:
            self._stopping = True
            dropped = len(self._pending)
            self._pending.clear()
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(max(0.0, deadline - time.monotonic()))
        return dropped

    def pending(self) -> int:
        with self._cond:
            return len(self._pending) + self._in_flight

    # -- the worker thread -----------------------------------------------------------------

    def _next(self) -> _Delivery | None:
        with self._cond:
            while not self._stopping:
                if not self._pending:
                    self._cond.wait()
                    continue
                first = min(self._pending.values(), key=lambda d: d.due)
                wait = first.due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                del self._pending[first.topic]
                self._in_flight += 1
                return first
            return None

    def _run(self) -> None:
        publisher = self._publisher
        with httpx.Client(
            timeout=httpx.Timeout(publisher.timeout),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,
        ) as client:
            while (delivery := self._next()) is not None:
                try:
                    retry_in = self._send(client, delivery)
                except Exception:  # a bug here must not kill the thread
                    log.exception("WebSub: unexpected error pinging %s", _shown(self.hub))
                    retry_in = None
                    publisher._count(failed=1)
                with self._cond:
                    self._in_flight -= 1
                    if retry_in is not None and not self._stopping:
                        # A fresh notify for the same topic during the request already
                        # stands in for this retry.
                        self._pending.setdefault(
                            delivery.topic,
                            _Delivery(
                                delivery.topic, time.monotonic() + retry_in, delivery.attempt + 1
                            ),
                        )
                    self._cond.notify_all()

    def _send(self, client: httpx.Client, delivery: _Delivery) -> float | None:
        """One attempt; returns the delay before a retry, or None when done (sent or given up)."""
        publisher = self._publisher
        retry_after: float | None = None
        try:
            response = client.post(
                self.hub, data={"hub.mode": "publish", "hub.url": delivery.topic}
            )
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
            retryable = True
        else:
            status = response.status_code
            if 200 <= status < 300:
                publisher._count(sent=1)
                log.debug("WebSub: %s told about %s", _shown(self.hub), delivery.topic)
                return None
            problem = f"HTTP {status}"
            retryable = status >= 500 or status == 429
            retry_after = _retry_after(response.headers.get("retry-after"))
        if retryable and delivery.attempt < publisher.max_attempts:
            delay: float = publisher.backoff * 2.0 ** (delivery.attempt - 1)
            if retry_after is not None:
                delay = max(delay, retry_after)
            publisher._count(retries=1)
            log.info(
                "WebSub: %s refused %s (%s), attempt %d of %d; retrying in %.2fs",
                _shown(self.hub),
                delivery.topic,
                problem,
                delivery.attempt,
                publisher.max_attempts,
                delay,
            )
            return delay
        publisher._count(failed=1)
        log.warning(
            "WebSub: giving up telling %s about %s after %d attempt(s): %s",
            _shown(self.hub),
            delivery.topic,
            delivery.attempt,
            problem,
        )
        return None


def _retry_after(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        seconds = float(raw.strip())
    except ValueError:
        return None  # an HTTP date: our own backoff is good enough
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class WebSubPublisher:
    """Pings WebSub hubs in the background when feeds change.

    `hubs` are absolute http(s) URLs (ValueError otherwise). With no hubs, `notify` does nothing.
    `timeout` bounds each HTTP request (seconds); a delivery is tried at most `max_attempts`
    times, waiting `backoff * 2**(n-1)` seconds (or the hub's `Retry-After`, up to a minute)
    after the n-th failure.
    """

    def __init__(
        self,
        hubs: Sequence[str],
        *,
        timeout: float = 5.0,
        max_attempts: int = 3,
        backoff: float = 0.5,
    ) -> None:
        if isinstance(hubs, str):
            raise ValueError("hubs must be a sequence of URLs, not one string")
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts!r}")
        if backoff < 0:
            raise ValueError(f"backoff must not be negative, not {backoff!r}")
        self.hubs: tuple[str, ...] = tuple(dict.fromkeys(_check_hub(hub) for hub in hubs))
        self.timeout = float(timeout)
        self.max_attempts = max_attempts
        self.backoff = float(backoff)
        self._lock = threading.Lock()
        self._sent = 0
        self._failed = 0
        self._retries = 0
        self._state = "new"
        self._workers = [_HubWorker(self, hub, i) for i, hub in enumerate(self.hubs)]

    def start(self) -> None:
        """Start the background threads (once). Topics notified before start wait for it."""
        with self._lock:
            if self._state == "stopped":
                raise RuntimeError("a stopped WebSubPublisher cannot be started again")
            if self._state == "running":
                return
            self._state = "running"
        for worker in self._workers:
            worker.start()

    def notify(self, topics: Iterable[str]) -> None:
        """Queue a publish ping for each topic at every hub; returns at once and never raises."""
        try:
            if self._state == "stopped" or not self._workers:
                return
            for topic in topics:
                public = public_topic(topic) if isinstance(topic, str) else None
                if public is None:
                    log.warning("WebSub: not an http(s) URL, not notified: %.100r", topic)
                    continue
                for worker in self._workers:
                    worker.add(public)
        except Exception:  # notify sits on the request path: never fail it
            log.exception("WebSub: could not queue a notification")

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued ping is sent or given up; False if `timeout` ran out."""
        deadline = time.monotonic() + timeout
        return all(worker.wait_idle(deadline) for worker in self._workers)

    def stop(self, timeout: float = 5.0) -> None:
        """Deliver what is queued within `timeout` seconds, then stop the threads.

        Pings still queued at the deadline are dropped (logged); a request in flight is not
        waited for beyond the deadline (the threads are daemons).
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            was_running = self._state == "running"
            self._state = "stopped"
        if was_running:
            self.flush(max(0.0, deadline - time.monotonic()))
        dropped = sum(worker.stop(deadline) for worker in self._workers)
        if dropped:
            log.warning("WebSub: stopped with %d ping(s) undelivered", dropped)

    @property
    def stats(self) -> WebSubStats:
        with self._lock:
            sent, failed, retries = self._sent, self._failed, self._retries
        pending = sum(worker.pending() for worker in self._workers)
        return WebSubStats(sent=sent, failed=failed, retries=retries, pending=pending)

    def _count(self, *, sent: int = 0, failed: int = 0, retries: int = 0) -> None:
        with self._lock:
            self._sent += sent
            self._failed += failed
            self._retries += retries
