"""The feed hot path: answering a cached feed or a 304 without the framework, the thread pool,
a database session or Redis.

Three things a request needs are held in the process, each checked so that nothing stale is
served:

* the key behind a token (`PrincipalCache`): kept for at most `PRINCIPAL_TTL` seconds, so a
  revoked key is refused within a second; an unknown token is remembered as unknown for as
  long, so a bad token costs no more than a 304;
* the feed version (`VersionReader`): read from the database on every request, on one raw
  connection with one prepared query (a few microseconds on SQLite): never cached;
* rendered feeds with their validators (`LocalFeeds`): each stored with the version it was
  rendered from and served only while that version is current, as in Redis.

A request the hot path cannot answer by itself (a cold cache, an unusual query, a refusal other
than an unknown token) goes to the regular route, which fills these caches.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from service.api_keys import Principal, authenticate, hash_token
from service.cache import CachedFeed
from service.db import session_scope
from service.tables import FeedVersion

PRINCIPAL_TTL = 1.0
LOCAL_FEEDS = 1024
LOCAL_MAX_AGE = 3600.0  # page links in a body are signed for about a month: re-render hourly


class PrincipalCache:
    """token -> Principal (or None: unknown or revoked), for at most PRINCIPAL_TTL seconds."""

    def __init__(self, lookup: Callable[[str], Principal | None], size: int = 4096) -> None:
        self._lookup = lookup
        self._size = size
        self._found: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        return self.get_with_time(token)[0]

    def get_with_time(self, token: str) -> tuple[Principal | None, float]:
        """The key and when it was read (time.monotonic()): what is derived from it may be kept
        until PRINCIPAL_TTL after that moment, not longer."""
        key = hash_token(token)  # the token itself is not kept in memory longer than needed
        now = time.monotonic()
        with self._lock:
            hit = self._found.get(key)
            if hit is not None and now - hit[0] < PRINCIPAL_TTL:
                return hit[1], hit[0]
        principal = self._lookup(token)
        with self._lock:
            self._found[key] = (now, principal)
            self._found.move_to_end(key)
            while len(self._found) > self._size:
                self._found.popitem(last=False)
        return principal, now


class VersionReader:
    """The current feed version of a language, read from the database on every call through one
    raw DBAPI connection (autocommit, so each read sees the latest commit)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._connection: Any = None
        marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        table = FeedVersion.__tablename__
        self._sql = f"SELECT version FROM {table} WHERE lang = {marker}"

    def _open(self) -> Any:
        connection = self._engine.raw_connection()
        driver = connection.driver_connection
        if self._engine.dialect.name == "postgresql":
            driver.autocommit = True  # type: ignore[union-attr]
        return connection

    def current(self, lang: str) -> int:
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._open()
                cursor = self._connection.cursor()
                try:
                    cursor.execute(self._sql, (lang,))
                    row = cursor.fetchone()
                finally:
                    cursor.close()
            except Exception:
                self.close_locked()
                raise
        return int(row[0]) if row else 0

    def close_locked(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()


@dataclass(frozen=True)
class LocalFeed:
    version: int
    feed: CachedFeed
    stored: float


class LocalFeeds:
    """Rendered feeds in this process, per (language, variant), with their versions (LRU)."""

    def __init__(self, size: int = LOCAL_FEEDS) -> None:
        self._size = size
        self._feeds: OrderedDict[tuple[str, str], LocalFeed] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, lang: str, variant: str, version: int) -> CachedFeed | None:
        key = (lang, variant)
        with self._lock:
            found = self._feeds.get(key)
            if found is None:
                return None
            if found.version != version or time.monotonic() - found.stored > LOCAL_MAX_AGE:
                del self._feeds[key]
                return None
            self._feeds.move_to_end(key)
            return found.feed

    def put(self, lang: str, variant: str, version: int, feed: CachedFeed) -> None:
        with self._lock:
            current = self._feeds.get((lang, variant))
            if current is not None and current.version > version:
                return  # a render from an older version never replaces a newer one
            self._feeds[(lang, variant)] = LocalFeed(version, feed, time.monotonic())
            self._feeds.move_to_end((lang, variant))
            while len(self._feeds) > self._size:
                self._feeds.popitem(last=False)


def principal_lookup(sessions: Any) -> Callable[[str], Principal | None]:
    def lookup(token: str) -> Principal | None:
        with session_scope(sessions) as session:
            return authenticate(session, token)

    return lookup
