"""One helper for the work that still needs a thread of its own: run a function every so
often, sooner when woken, until stopped.

The outbox relay, the embargo releaser and the partner pusher are each a `Periodic`; what they
do is a plain function taking its dependencies, tested without a thread. A failing run is
logged and tried again at the next interval (the database may be briefly away). A run may
return how long to sleep before the next one (for a deadline sooner than the interval, such as
the next embargo), else it sleeps `interval`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, name: str, interval: float, run: Callable[[], float | None]) -> None:
        self.name = name
        self.interval = interval
        self._run = run
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def run_once(self) -> float | None:
        """One run now, in the caller's thread (start-up, tests); errors propagate."""
        return self._run()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                wait = self._run()
            except Exception:
                log.exception("%s failed; trying again in %.1f s", self.name, self.interval)
                wait = None
            wait = self.interval if wait is None else min(max(wait, 0.0), self.interval)
            if wait > 0:
                self._wake.wait(wait)

    def wake(self) -> None:
        """Run again now, not at the end of the interval (a commit made work for it)."""
        self._wake.set()

    def start(self) -> None:
        """Start the thread, once (safe to call from any thread, however often)."""
        with self._starting:
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        with self._starting:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
