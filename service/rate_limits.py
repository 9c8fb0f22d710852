"""Abuse limits of /v1 in Redis: requests per API key, requests per client address, and failed
authentications per client address (a flood of bad tokens is refused before any lookup, a live
key's token still let through; the feeds count theirs in the process: `service.auth_guard`).

The `limits` library keeps the counters (a moving window per key, shared by every API process
through Redis); this module decides what is counted. Redis trouble never refuses a request:
the limits fail open, and the failure is logged.
"""

from __future__ import annotations

import logging
import math
import time

import redis
from limits import RateLimitItem, parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from service.errors import TooManyRequests
from service.redis_keys import RATE_LIMIT_PREFIX

log = logging.getLogger(__name__)


class RateLimits:
    def __init__(
        self, client: redis.Redis[bytes], *, per_key: str, per_ip: str, failed_auth_per_ip: str
    ) -> None:
        storage = RedisStorage(
            "redis://", connection_pool=client.connection_pool, key_prefix=RATE_LIMIT_PREFIX
        )
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_key = parse(per_key)
        self._per_ip = parse(per_ip)
        self._failed_auth = parse(failed_auth_per_ip)

    def _hit(self, limit: RateLimitItem, what: str, *identifiers: str) -> None:
        try:
            if self._limiter.hit(limit, *identifiers):
                return
            reset, _remaining = self._limiter.get_window_stats(limit, *identifiers)
        except redis.RedisError as exc:
            log.warning("rate limits unavailable (Redis): %s; request let through", exc)
            return
        retry_after = max(1, math.ceil(reset - time.time()))
        raise TooManyRequests(f"too many {what}; try again in {retry_after} s", retry_after)

    def failed_recently(self, address: str) -> int | None:
        """Seconds to wait when this address has failed to authenticate too often lately
        (None: it has not, or Redis cannot tell). The caller decides: a live key's token is
        still let through (`service.auth_guard.KnownKeys`), an invented one is refused."""
        try:
            if self._limiter.test(self._failed_auth, "auth-failed", address):
                return None
            reset, _ = self._limiter.get_window_stats(self._failed_auth, "auth-failed", address)
        except redis.RedisError as exc:
            log.warning("rate limits unavailable (Redis): %s; request let through", exc)
            return None
        return max(1, math.ceil(reset - time.time()))

    def request_from(self, address: str) -> None:
        """Count an authenticated request from this client address; refuse when it has sent
        too many (failed attempts are counted apart, so they never use up a valid key's share)."""
        self._hit(self._per_ip, "requests from this address", "ip", address)

    def failed_authentication(self, address: str) -> None:
        try:
            self._limiter.hit(self._failed_auth, "auth-failed", address)
        except redis.RedisError as exc:
            log.warning("rate limits unavailable (Redis): %s", exc)

    def request_by_key(self, key_id: int) -> None:
        self._hit(self._per_key, "requests with this key", "key", str(key_id))
