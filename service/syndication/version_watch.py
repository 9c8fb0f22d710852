"""Feed versions pushed into the process, so the feed hot path never reads the database.

A `VersionWatcher` thread holds every language's feed version (`service.syndication.versions`) and
when it last read them. On PostgreSQL it LISTENs: `feed_versions.bump` sends a NOTIFY in the
bumping transaction, delivered when (and only if) it commits, and the watcher re-reads at once;
on SQLite (one machine, no NOTIFY) it re-reads the tiny table every POLL_SQLITE seconds. Either
way it also re-reads on a timer (POLL_POSTGRES), and a bump made in this process refreshes it
right after its commit (`refresh`), so this process never serves its own change late.

The staleness bound, stated and tested (tests/service/test_version_watch.py): `current` answers
only while the last good read began at most MAX_STALENESS seconds ago; after that (the database
gone, the thread stuck) it answers None and the hot path hands the request to the route, which
reads the version from the database. A change committed by another process is served by this
one's hot path at most POLL (plus one read) later, never later than MAX_STALENESS.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from service.store import unit_of_work
from service.store.tables import FeedVersion

log = logging.getLogger(__name__)

CHANNEL = "kakehashi_feed_versions"
MAX_STALENESS = 1.0
POLL_POSTGRES = 0.25  # a safety net: NOTIFY wakes the watcher at once
POLL_SQLITE = 0.05
RECONNECT_SECONDS = 0.5

_SQL = f"SELECT lang, version FROM {FeedVersion.__tablename__}"


class VersionWatcher:
    def __init__(self, engine: Engine, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        self._versions: dict[str, int] = {}
        self._fresh_at = float("-inf")
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def current(self, lang: str) -> int | None:
        """The language's version, or None when the last good read is older than the bound."""
        if self._clock() - self._fresh_at > MAX_STALENESS:
            return None
        return self._versions.get(lang, 0)

    def refresh(self) -> None:
        """Read every version now, on a connection of the pool (any thread but the loop's)."""
        began = self._clock()
        with self._engine.connect() as connection:
            rows = connection.execute(select(FeedVersion.lang, FeedVersion.version)).all()
        self._apply({lang: int(version) for lang, version in rows}, began)

    def prepare(self, session: Session, effects: unit_of_work.Effects) -> None:
        """Nothing to write: a watcher only reads (`unit_of_work.Reactor`)."""

    def react(self, effects: unit_of_work.Effects) -> None:
        """A change committed here is known when its commit returns."""
        if effects.feeds:
            try:
                self.refresh()
            except Exception as exc:  # the thread reads again within the bound
                log.warning("feed versions not re-read after a commit: %s", exc)

    def wait_for(self, lang: str, version: int, timeout: float) -> bool:
        """Block until this process knows `version` (or newer) of `lang` (tests)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._versions.get(lang, 0) >= version, timeout=timeout
            )

    def _apply(self, versions: dict[str, int], began: float) -> None:
        with self._changed:
            # Versions only grow: a slow read that began earlier never takes one back.
            merged = dict(self._versions)
            for lang, version in versions.items():
                merged[lang] = max(version, merged.get(lang, 0))
            self._versions = merged  # before the time: a reader never pairs new time, old data
            self._fresh_at = max(self._fresh_at, began)
            self._changed.notify_all()

    def start(self) -> None:
        """Read once now (so a fresh process knows its versions), then keep watching."""
        try:
            self.refresh()
        except Exception as exc:
            log.warning("feed versions not read at start (the thread retries): %s", exc)
        unit_of_work.register(self._engine, self)
        self._thread = threading.Thread(target=self._run, name="feed-versions", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        unit_of_work.unregister(self._engine, self)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._postgres:
                    self._listen()
                else:
                    self._poll()
            except Exception as exc:  # the database away: current() goes None, the route answers
                log.warning("feed versions not watched (retrying): %s", exc)
                self._stop.wait(RECONNECT_SECONDS)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.refresh()
            self._stop.wait(POLL_SQLITE)

    def _listen(self) -> None:
        raw = self._engine.raw_connection()
        driver: Any = raw.driver_connection
        raw.detach()  # LISTEN state must not go back to the pool
        try:
            driver.autocommit = True
            driver.execute(f"LISTEN {CHANNEL}")
            while not self._stop.is_set():
                began = self._clock()
                rows = driver.execute(_SQL).fetchall()
                self._apply({lang: int(version) for lang, version in rows}, began)
                for _ in driver.notifies(timeout=POLL_POSTGRES, stop_after=1):
                    pass  # any notification: read again at once
        finally:
            raw.close()
