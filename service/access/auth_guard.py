"""Who may try a token, counted in the process: the feed hot path's abuse limits, and the rule
that keeps a valid key usable while others fail from its address (issue 19, items 2 and 7).

* `LocalLimits`: requests per key, requests per address and failed authentications per address,
  counted in this process's memory (no Redis round trip per request). With `serve --workers N`
  each process counts its own share, so a client may reach up to N times a limit on feeds.
* `KnownKeys`: a snapshot of the live keys' token hashes, read at most every KNOWN_KEYS_TTL
  seconds. An address over its failed-authentication limit is refused (429) without a database
  lookup for any token that is not in it, so a flood of invented tokens costs a dict lookup;
  a token that is in it is looked up and let through when valid: a key is never locked out by
  the failures of others behind the same address (a NAT, a proxy without forwarded headers).
* `Tarpit`: an address over its failed-authentication limit has its 429 answered after a
  delay spent asleep on the event loop (no CPU), so a flooder with C connections is answered
  about C / delay times a second instead of as fast as the process can refuse (each refusal
  still costs the HTTP parsing and the ASGI stack, ~150 us: at thousands a second that was the
  partners' share of the event loop). The connections held are bounded; beyond the bound the
  429 is answered at once with `Connection: close`.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from limits import parse

from service.settings import Settings

KNOWN_KEYS_TTL = 5.0
MAX_TRACKED = 100_000


class WindowCounter:
    """Hits per identifier in a sliding window: this fixed window's count plus the previous
    one's, weighted by how much of it still overlaps the window (the approximation `limits`
    calls a sliding window counter). Hand-written because `limits`' in-memory storage costs
    ~7 us a hit here against <1 us for this, and the feed hot path pays it twice a request."""

    def __init__(self, rate: str, clock: Callable[[], float] = time.monotonic) -> None:
        item = parse(rate)
        self.amount = item.amount
        self.period = float(item.get_expiry())
        self._clock = clock
        self._counts: dict[str, tuple[int, int, int]] = {}  # id -> (window, count, previous)

    def _state(self, key: str, now: float) -> tuple[int, int, int]:
        window = int(now // self.period)
        found = self._counts.get(key)
        if found is None or found[0] < window - 1:
            return window, 0, 0
        if found[0] == window - 1:
            return window, 0, found[1]
        return found

    def _weighted(self, state: tuple[int, int, int], now: float) -> float:
        window, count, previous = state
        overlap = 1.0 - (now / self.period - window)
        return count + previous * overlap

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait when `key` has no hit left, else None (nothing counted)."""
        now = self._clock()
        state = self._state(key, now)
        if self._weighted(state, now) + 1 <= self.amount:
            return None
        return max(1, math.ceil(self.period - (now % self.period)))

    def hit(self, key: str) -> int | None:
        """Count a hit; None when within the limit, else the seconds to wait (not counted).
        One clock read and one state lookup: the feed hot path pays this twice a request."""
        now = self._clock()
        state = self._state(key, now)
        if self._weighted(state, now) + 1 > self.amount:
            return max(1, math.ceil(self.period - (now % self.period)))
        if len(self._counts) >= MAX_TRACKED:
            self._prune(state[0])
        self._counts[key] = (state[0], state[1] + 1, state[2])
        return None

    def _prune(self, window: int) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[0] >= window - 1}
        if len(self._counts) >= MAX_TRACKED:  # a flood of distinct ids: forget, stay bounded
            self._counts.clear()


class Tarpit:
    """Holds a refused request for `seconds` before it is answered, at most `capacity` at a
    time (per process); `sleep` is injectable so that tests need not wait."""

    def __init__(
        self,
        seconds: float,
        capacity: int,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.seconds = seconds
        self.capacity = capacity
        self.held = 0  # only the event loop's thread touches it: no lock
        self._sleep = sleep

    async def hold(self) -> bool:
        """Wait out the delay; False, at once, when the tarpit is off or full: then the
        caller answers now and closes the connection (so the flooder pays a new one)."""
        if self.seconds <= 0 or self.held >= self.capacity:
            return False
        self.held += 1
        try:
            await self._sleep(self.seconds)
        finally:
            self.held -= 1
        return True


@dataclass
class LocalLimits:
    per_key: WindowCounter
    per_address: WindowCounter
    failed_auth: WindowCounter
    tarpit: Tarpit

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> LocalLimits:
        return cls(
            WindowCounter(settings.rate_limit_per_key, clock),
            WindowCounter(settings.rate_limit_per_ip, clock),
            WindowCounter(settings.rate_limit_failed_auth_per_ip, clock),
            Tarpit(
                settings.failed_auth_tarpit_seconds, settings.failed_auth_tarpit_connections, sleep
            ),
        )


class KnownKeys:
    """The token hashes of every live key, as of at most KNOWN_KEYS_TTL seconds ago."""

    def __init__(
        self, load: Callable[[], frozenset[str]], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._load = load
        self._clock = clock
        self._hashes: frozenset[str] = frozenset()
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def fresh(self) -> bool:
        return self._clock() - self._read_at < KNOWN_KEYS_TTL

    def knows(self, token_hash: str) -> bool:
        """Whether the hash is a live key's (reads the database when the snapshot is old:
        call it off the event loop unless `fresh()`)."""
        if not self.fresh():
            with self._lock:  # one reader at a time; the others find it fresh after it
                if not self.fresh():
                    began = self._clock()
                    self._hashes = self._load()
                    self._read_at = began
        return token_hash in self._hashes
