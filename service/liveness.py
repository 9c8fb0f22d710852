"""What /healthz asks beyond "the process answers": can it still do its job?

A process whose Redis has been unreachable for a while (an embedded Redis that died and could
not be restarted, an external one gone) or whose worker threads died is alive but useless; an
orchestrator restarts it only if /healthz says so. A Redis away for less than the grace period
(a restart, a failover) is not a reason: /readyz already takes the process out of rotation.
"""

from __future__ import annotations

import threading
import time

import redis


class RedisWatch:
    """Remembers since when Redis has been failing the health checks."""

    def __init__(self, client: redis.Redis[bytes], grace_seconds: float) -> None:
        self._client = client
        self._grace = grace_seconds
        self._down_since: float | None = None
        self._lock = threading.Lock()

    def problem(self) -> str | None:
        """None while Redis answers or has been failing for less than the grace period."""
        try:
            self._client.ping()
        except (redis.RedisError, OSError) as exc:
            now = time.monotonic()
            with self._lock:
                if self._down_since is None:
                    self._down_since = now
                down = now - self._down_since
            if down >= self._grace:
                return f"redis unreachable for {down:.0f} s: {exc}"
            return None
        with self._lock:
            self._down_since = None
        return None
