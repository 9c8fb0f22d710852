"""Redis-backed caches: translated sentences and rendered feeds.

Cache failures never fail a translation or a feed: they are logged (with the error) and the
work is done without the cache.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import redis

from service.store.redis_keys import feed_key, sentence_key, signature_seen_key

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


@dataclass(frozen=True)
class Validators:
    """What a 304 needs of a cached feed, and the feed version it was rendered from."""

    key: str
    version: int
    etag: str
    last_modified: str


class FeedCache:
    """Rendered feeds per (language, variant), each stored with the feed version it was
    rendered from (`service.syndication.versions`); a reader serves one only while that version is
    the current one, so this cache never needs invalidating and cannot serve a stale feed."""

    def __init__(self, client: redis.Redis[bytes], ttl_seconds: int = 86400) -> None:
        self._client = client
        self._ttl = ttl_seconds

    def validators(self, lang: str, variant: str) -> Validators | None:
        """The cached feed's validators and version, without its body: enough for a 304."""
        key = feed_key(lang, variant)
        try:
            version, etag, last_modified = self._client.hmget(
                key, ["version", "etag", "last_modified"]
            )
        except redis.RedisError as exc:
            log.warning("feed cache read failed: %s", exc)
            return None
        if version is None or etag is None or last_modified is None:
            return None
        return Validators(key, int(version), etag.decode(), last_modified.decode())

    def body(self, key: str, version: int) -> bytes | None:
        """The body under `key` if it is still the one rendered from `version`."""
        try:
            found, body = self._client.hmget(key, ["version", "body"])
        except redis.RedisError as exc:
            log.warning("feed cache read failed: %s", exc)
            return None
        if found is None or int(found) != version:
            return None
        return body

    def put(self, lang: str, variant: str, version: int, feed: CachedFeed) -> None:
        """Store a feed rendered from `version` (read before rendering began)."""
        key = feed_key(lang, variant)
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.hset(
                key,
                mapping={
                    "version": version,
                    "body": feed.body,
                    "etag": feed.etag,
                    "last_modified": feed.last_modified,
                },
            )
            pipe.expire(key, self._ttl)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("feed cache write failed: %s", exc)


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
