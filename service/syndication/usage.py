"""Usage for licensing: per key, UTC day and language, feed fetches (200s and 304s), 304s,
items delivered (the first time each item reached the key, by feed, page or push) and item
page views.

Three stages, so that counting costs the feed hot path one dictionary update under a lock:

1. `Usage.feed(...)` / `Usage.page(...)` / `Usage.delivered(...)`: in the process, in memory.
   THE counting call of the feed hot path is `Usage.feed`; nothing else is called there.
2. Every second a thread moves those counts to Redis (HINCRBY on one hash per day) and, for
   each feed body a key fetched, the ids of the items in it (SADD on one set per day): parsing
   a body happens here, once per body and second, not per request.
3. Every `usage_flush_seconds` (and before a report) Redis is emptied into the database:
   the day's hash and set are renamed to a key of this flush's own (so counts arriving
   meanwhile wait for the next flush), added to `usage_daily`, the items inserted into
   `usage_delivered` (an item already there is not counted again), then deleted. Rows older
   than `usage_retention_days` are dropped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import redis
from lxml import etree
from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from service.store.db import session_scope
from service.store.redis_keys import usage_counts_key, usage_flushing_pattern, usage_items_key
from service.store.tables import UsageDaily, UsageDelivered, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker

    from service.settings import Settings
    from service.store.cache import CachedFeed

log = logging.getLogger(__name__)

KINDS = ("fetches", "not_modified", "page_views")
_ITEM_PREFIX = "urn:kakehashi:article:"


def item_ids(body: bytes, fmt: str) -> list[str]:
    """The item ids (urns) in a rendered feed; not its tombstones or alternates."""
    try:
        if fmt in ("json", "ninjs", "ninjs2"):
            items = json.loads(body).get("items", [])
            key = "id" if fmt == "json" else "uri"
            return [
                str(i[key])
                for i in items
                if i.get("pubStatus", i.get("pubstatus")) != "canceled" and key in i
            ]
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        path = "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}id"
        found = root.findall(path) if fmt == "atom" else root.findall("channel/item/guid")
        return [str(e.text) for e in found if e.text]
    except (ValueError, etree.XMLSyntaxError):
        log.warning("usage: could not read the items of a %s feed", fmt)
        return []


def _article(urn: str) -> tuple[str, str] | None:
    """(article id, lang) of an item urn."""
    if not urn.startswith(_ITEM_PREFIX):
        return None
    article_id, _, lang = urn[len(_ITEM_PREFIX) :].rpartition(":")
    return (article_id, lang) if article_id else None


class Usage:
    """The counters of one process (see the module's description)."""

    def __init__(
        self,
        redis_client: redis.Redis[bytes],
        sessions: sessionmaker[Session],
        settings: Settings,
        *,
        today: Callable[[], date] = lambda: utcnow().date(),
    ) -> None:
        self._redis = redis_client
        self._sessions = sessions
        self._settings = settings
        self._today = today
        self.enabled = settings.usage_enabled
        self._lock = threading.Lock()
        self._counts: Counter[tuple[int, str, str]] = Counter()
        self._bodies: dict[tuple[int, str, str], tuple[bytes, str]] = {}
        self._items: set[tuple[int, str, str]] = set()
        self._feeds: deque[tuple[int, str, str, CachedFeed, bool]] = deque()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- stage 1: in the request --------------------------------------------------------

    def feed(self, key_id: int, lang: str, fmt: str, feed: CachedFeed, not_modified: bool) -> None:
        """THE hot path's counting call: a feed answered to a key, 200 or 304. One append to a
        deque (atomic, no lock: a lock and a counter update cost ten times as much); the
        thread sums them up every second."""
        if self.enabled:
            self._feeds.append((key_id, lang, fmt, feed, not_modified))
            if self._thread is None:
                self.start()

    def _drain_feeds(self) -> None:
        """Sum the feed answers appended since the last call (popleft never loses one that
        an append adds meanwhile)."""
        feeds = self._feeds
        counts, bodies = self._counts, self._bodies
        with self._lock:
            for _ in range(len(feeds)):
                key_id, lang, fmt, feed, not_modified = feeds.popleft()
                counts[(key_id, lang, "fetches")] += 1
                if not_modified:
                    counts[(key_id, lang, "not_modified")] += 1
                else:
                    bodies[(key_id, fmt, feed.etag)] = (feed.body, lang)

    def page(self, key_id: int, article_id: str, lang: str) -> None:
        """An item page opened by (a link of) a key."""
        if self.enabled:
            with self._lock:
                self._counts[(key_id, lang, "page_views")] += 1
            self.delivered(key_id, article_id, lang)

    def delivered(self, key_id: int, article_id: str, lang: str) -> None:
        """An item reached a key (a page, a push); counted once per key ever."""
        if self.enabled:
            with self._lock:
                self._items.add((key_id, article_id, lang))
            if self._thread is None:
                self.start()

    # -- stage 2: to Redis ----------------------------------------------------------------

    def to_redis(self) -> None:
        self._drain_feeds()
        with self._lock:
            counts, self._counts = self._counts, Counter()
            bodies, self._bodies = self._bodies, {}
            items, self._items = self._items, set()
        for (key_id, fmt, _etag), (body, lang) in bodies.items():
            for urn in item_ids(body, fmt):
                found = _article(urn)
                if found is not None and found[1] == lang:
                    items.add((key_id, found[0], lang))
        if not counts and not items:
            return
        day = self._today()
        pipe = self._redis.pipeline(transaction=False)
        for (key_id, lang, kind), n in counts.items():
            pipe.hincrby(usage_counts_key(day), f"{key_id}|{lang}|{kind}", n)
        if items:
            pipe.sadd(usage_items_key(day), *(f"{k}|{lang}|{a}" for k, a, lang in items))
        try:
            pipe.execute()
        except redis.RedisError as exc:  # kept for the next second, not lost
            log.warning("usage: Redis unreachable, counts kept in memory: %s", exc)
            with self._lock:
                self._counts.update(counts)
                self._items |= items

    # -- stage 3: to the database -----------------------------------------------------------

    def to_database(self) -> None:
        """Empty the counts in Redis (every day's, and any a failed flush left) into the
        database."""
        self.to_redis()
        day = self._today()
        for offset in (1, 0):  # yesterday's last counts too, at midnight
            for make in (usage_counts_key, usage_items_key):
                name = make(day - timedelta(days=offset))
                with contextlib.suppress(redis.ResponseError):  # nothing counted under it
                    self._redis.rename(name, f"{name}:flushing:{uuid.uuid4().hex}")  # type: ignore[no-untyped-call]
        for raw in list(self._redis.scan_iter(match=usage_flushing_pattern())):
            name = raw.decode()
            self._store(name)
            self._redis.delete(name)
        self._prune()

    def _store(self, name: str) -> None:
        day = date.fromisoformat(name.split(":")[3])
        with session_scope(self._sessions) as session:
            if ":counts:" in name:
                rows = self._redis.hgetall(name)
                for field, value in rows.items():
                    key, lang, kind = field.decode().split("|")
                    _add(session, int(key), day, lang, {kind: int(value)})
            else:
                per: Counter[tuple[int, str]] = Counter()
                for member in self._redis.smembers(name):
                    key, lang, article_id = member.decode().split("|", 2)
                    if _first_time(session, int(key), article_id, lang, day):
                        per[(int(key), lang)] += 1
                for (key_id, lang), n in per.items():
                    _add(session, key_id, day, lang, {"items_delivered": n})

    def _prune(self) -> None:
        cutoff = self._today() - timedelta(days=self._settings.usage_retention_days)
        with session_scope(self._sessions) as session:
            session.execute(delete(UsageDaily).where(UsageDaily.day < cutoff))

    # -- the thread -----------------------------------------------------------------------

    def _loop(self) -> None:
        flush_every = self._settings.usage_flush_seconds
        since_flush = 0.0
        while not self._stop.wait(1.0):
            since_flush += 1.0
            try:
                self.to_redis()
                if since_flush >= flush_every:
                    since_flush = 0.0
                    self.to_database()
            except Exception:
                log.exception("usage: flushing failed; trying again")

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._loop, name="kakehashi-usage", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self.to_redis()
        except Exception:
            log.exception("usage: the last counts could not be sent to Redis")


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _add(session: Session, key_id: int, day: date, lang: str, counts: dict[str, int]) -> None:
    values = {k: counts.get(k, 0) for k in (*KINDS, "items_delivered")}
    stmt = _insert(session)(UsageDaily).values(key_id=key_id, day=day, lang=lang, **values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["key_id", "day", "lang"],
            set_={k: getattr(UsageDaily, k) + getattr(stmt.excluded, k) for k in counts},
        )
    )


def _first_time(session: Session, key_id: int, article_id: str, lang: str, day: date) -> bool:
    when = datetime.combine(day, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    added = session.execute(
        _insert(session)(UsageDelivered)
        .values(key_id=key_id, article_id=article_id, lang=lang, first_at=max(when, utcnow()))
        .on_conflict_do_nothing()
        .returning(UsageDelivered.key_id)
    ).first()
    return added is not None
