"""What the feed hot path holds in the process, each checked so that nothing stale is served:

* the key behind a token (`PrincipalCache`): kept for at most `PRINCIPAL_TTL` seconds, so a
  revoked key is refused within a second; an unknown token is remembered as unknown for as
  long (a negative cache), so a repeated bad token costs no lookup;
* the feed version: pushed into the process (`service.syndication.version_watch`), never
  read per request;
* rendered feeds with their validators (`LocalFeeds`): each stored with the version it was
  rendered from and served only while that version is current, as in Redis.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import select

from service.access.api_keys import (
    Principal,
    authenticate,
    hash_token,
    live_token_hashes,
    principal_by_id,
)
from service.store.cache import CachedFeed
from service.store.db import session_scope
from service.store.tables import ApiKey

PRINCIPAL_TTL = 1.0
PRINCIPAL_REFRESH_AT = 0.5  # a key in use is read again (in the background) once this old
LOCAL_FEEDS = 1024
LOCAL_MAX_AGE = 3600.0  # page links in a body are signed for about a month: re-render hourly

log = logging.getLogger(__name__)


class PrincipalCache:
    """token hash -> Principal (or None: unknown or revoked), for at most PRINCIPAL_TTL seconds.

    `cached` never blocks (the event loop may call it); `load` reads the database (call it in
    the thread pool) and remembers the answer, an unknown token's included."""

    def __init__(
        self,
        lookup: Callable[[str], Principal | None],
        size: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._size = size
        self._clock = clock
        self._found: OrderedDict[str, tuple[float, Principal | None]] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, token_hash: str) -> tuple[float, Principal | None] | None:
        """(read at, principal) while still trusted, else None (ask `load`)."""
        hit = self._found.get(token_hash)
        if hit is not None and self._clock() - hit[0] < PRINCIPAL_TTL:
            return hit
        return None

    def due(self, hit: tuple[float, Principal | None]) -> bool:
        """Whether a trusted entry is old enough to be read again before it expires: a key in
        steady use is then never waited for (its requests do not all miss at once each TTL)."""
        return self._clock() - hit[0] >= PRINCIPAL_REFRESH_AT

    def load(self, token: str, token_hash: str | None = None) -> tuple[float, Principal | None]:
        key = token_hash or hash_token(token)  # the token itself is not kept in memory
        hit = self.cached(key)
        if hit is not None:
            return hit
        return self.read(token, key)

    def read(self, token: str, token_hash: str) -> tuple[float, Principal | None]:
        """Read the token's key now (the database: call it in the thread pool) and remember it."""
        key = token_hash
        began = self._clock()
        principal = self._lookup(token)
        with self._lock:
            held = self._found.get(key)
            if held is not None and held[0] > began:  # a later read finished first: keep it
                return held
            self._found[key] = (began, principal)
            self._found.move_to_end(key)
            while len(self._found) > self._size:
                self._found.popitem(last=False)
        return began, principal

    def get(self, token: str) -> Principal | None:
        return self.load(token)[1]


@dataclass(frozen=True)
class LocalFeed:
    version: int
    feed: CachedFeed
    stored: float


class LocalFeeds:
    """Rendered feeds in this process, per (language, variant), with their versions (LRU)."""

    def __init__(
        self, size: int = LOCAL_FEEDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._size = size
        self._clock = clock  # injectable: LOCAL_MAX_AGE is tested without sleeping an hour
        self._feeds: OrderedDict[tuple[str, str], LocalFeed] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, lang: str, variant: str, version: int) -> CachedFeed | None:
        key = (lang, variant)
        with self._lock:
            found = self._feeds.get(key)
            if found is None:
                return None
            if found.version > version:
                return None  # this process's watcher lags the route's read: not older, not ours
            if found.version != version or self._clock() - found.stored > LOCAL_MAX_AGE:
                del self._feeds[key]
                return None
            self._feeds.move_to_end(key)
            return found.feed

    def put(self, lang: str, variant: str, version: int, feed: CachedFeed) -> None:
        with self._lock:
            current = self._feeds.get((lang, variant))
            if current is not None and current.version > version:
                return  # a render from an older version never replaces a newer one
            self._feeds[(lang, variant)] = LocalFeed(version, feed, self._clock())
            self._feeds.move_to_end((lang, variant))
            while len(self._feeds) > self._size:
                self._feeds.popitem(last=False)


def principal_lookup(sessions: Any) -> Callable[[str], Principal | None]:
    def lookup(token: str) -> Principal | None:
        try:
            with session_scope(sessions) as session:
                return authenticate(session, token)
        except sa_exc.OperationalError as exc:
            # A feed read needs no write, but a key's first use in a while is written down
            # (`api_keys.touch`): on a full disk, or a lock held past the busy timeout, that
            # write fails and would refuse the partner its feed. Read the key again without
            # it (on a fresh connection, should the first have been a stale one); a store
            # that cannot even be read raises again (503, by the app's handler).
            log.warning("key lookup failed (%s); read again without its last-use write", exc.orig)
            with session_scope(sessions) as session:
                key_id = session.scalar(
                    select(ApiKey.id).where(ApiKey.token_hash == hash_token(token))
                )
                return None if key_id is None else principal_by_id(session, key_id)

    return lookup


def known_keys_loader(sessions: Any) -> Callable[[], frozenset[str]]:
    def load() -> frozenset[str]:
        with session_scope(sessions) as session:
            return live_token_hashes(session)

    return load
