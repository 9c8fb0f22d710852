"""Redis-backed caches: translated sentences and rendered feeds.

Cache failures never fail a translation or a feed: they are logged (with the error) and the
work is done without the cache.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import redis

from service.redis_keys import (
    feed_generation_key,
    feed_key,
    sentence_key,
    signature_seen_key,
)

log = logging.getLogger(__name__)


class RedisSentenceCache:
    """`translators.pipeline.SentenceCache` on Redis; keys come from `sentence_key`."""

    def __init__(self, client: redis.Redis[bytes], ttl_seconds: int) -> None:
        self._client = client
        self._ttl = ttl_seconds

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        if not keys:
            return []
        try:
            values = self._client.mget([sentence_key(key) for key in keys])
        except redis.RedisError as exc:
            log.warning("sentence cache read failed, translating without it: %s", exc)
            return [None] * len(keys)
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]

    def set_many(self, items: Mapping[str, str]) -> None:
        if not items:
            return
        try:
            pipe = self._client.pipeline(transaction=False)
            for key, value in items.items():
                pipe.set(sentence_key(key), value.encode("utf-8"), ex=self._ttl)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("sentence cache write failed: %s", exc)


@dataclass(frozen=True)
class CachedFeed:
    body: bytes
    etag: str
    last_modified: str


class FeedCache:
    """Rendered feeds per (language, variant); a language's generation number is part of the key,
    so bumping it invalidates every cached feed of that language at once."""

    def __init__(self, client: redis.Redis[bytes], ttl_seconds: int = 86400) -> None:
        self._client = client
        self._ttl = ttl_seconds

    def _generation(self, lang: str) -> int:
        raw = self._client.get(feed_generation_key(lang))
        return int(raw) if raw else 0

    def _key(self, lang: str, variant: str) -> str:
        return feed_key(lang, self._generation(lang), variant)

    def validators(self, lang: str, variant: str) -> tuple[str, str, str] | None:
        """(key, etag, last_modified) of a cached feed, without its body: enough for a 304."""
        try:
            key = self._key(lang, variant)
            etag, last_modified = self._client.hmget(key, ["etag", "last_modified"])
        except redis.RedisError as exc:
            log.warning("feed cache read failed: %s", exc)
            return None
        if etag is None or last_modified is None:
            return None
        return key, etag.decode(), last_modified.decode()

    def body(self, key: str) -> bytes | None:
        try:
            return self._client.hget(key, "body")
        except redis.RedisError as exc:
            log.warning("feed cache read failed: %s", exc)
            return None

    def put(self, lang: str, variant: str, feed: CachedFeed) -> None:
        try:
            key = self._key(lang, variant)
            pipe = self._client.pipeline(transaction=False)
            pipe.hset(
                key,
                mapping={"body": feed.body, "etag": feed.etag, "last_modified": feed.last_modified},
            )
            pipe.expire(key, self._ttl)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("feed cache write failed: %s", exc)

    def invalidate(self, lang: str) -> None:
        try:
            self._client.incr(feed_generation_key(lang))
        except redis.RedisError as exc:
            log.warning("feed cache invalidation failed for %s: %s", lang, exc)


def first_sight(client: redis.Redis[bytes], digest: str, ttl_seconds: int) -> bool:
    """True the first time a webhook signature is seen within `ttl_seconds` (SET NX with a TTL:
    one atomic step, so two API processes racing on one replay let only one through).

    With Redis unreachable the signature is let through and the failure logged: the timestamp
    still bounds a replay to minutes, and article writes must not stop because a cache did."""
    try:
        return bool(client.set(signature_seen_key(digest), b"1", nx=True, ex=ttl_seconds))
    except redis.RedisError as exc:
        log.warning("cannot record a webhook signature, replays are not checked: %s", exc)
        return True
