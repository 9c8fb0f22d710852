"""Slow clients cut off: a time limit on the request head (line and headers), which uvicorn
lacks (its keep-alive timer is cancelled by the first byte of a request, so a client sending a
header a minute held its connection, and its file descriptor, forever: issue 19).

Hand-written because neither server option exists (uvicorn has `timeout_keep_alive` and a head
size cap, h11 and httptools no header timeout) and a front proxy is not always there: a small
subclass of uvicorn's h11 protocol arms a timer whenever the connection waits for a request
head (on connect and after each response) and closes the connection if the whole head has not
arrived in time, as nginx's `client_header_timeout` does. Bodies have their own limit
(`KAKEHASHI_BODY_READ_TIMEOUT`, `service.middleware`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

DEFAULT_HEAD_TIMEOUT = 10.0


class HeadTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol with a request-head timeout of `head_timeout` seconds."""

    # Set by `kakehashi serve` (and each process of `serve --workers N`) from the settings.
    head_timeout: float = DEFAULT_HEAD_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # no 408: a client this slow is not waiting for an answer

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:  # the whole head is in
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
