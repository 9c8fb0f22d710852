"""Slow and oversized request heads cut off: a time limit and a size limit on the request head
(line and headers), which uvicorn's httptools protocol lacks (its keep-alive timer is cancelled
by the first byte of a request, so a client sending a header a minute held its connection, and
its file descriptor, forever: issue 19; and llhttp buffers a head of any size).

Hand-written because neither server option exists (uvicorn has `timeout_keep_alive`, and a head
size cap for h11 only) and a front proxy is not always there: a small subclass of uvicorn's
httptools protocol arms a timer whenever the connection waits for a request head (on connect
and after each response) and closes the connection if the whole head has not arrived in time,
as nginx's `client_header_timeout` does; a head past `max_head_bytes` is answered 431 and the
connection closed, as nginx's `large_client_header_buffers` does. Bodies have their own limit
(`KAKEHASHI_BODY_READ_TIMEOUT`, `service.web.middleware`).

httptools rather than h11 (issue 18): the feed hot path is mostly HTTP parsing and socket
writes, and h11's pure-Python parsing was most of a cached 304's time under `serve`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_HEAD_TIMEOUT = 10.0
DEFAULT_MAX_HEAD_BYTES = 16 * 1024
# After a 431 the connection is half-closed and what the client still sends is read and dropped
# for this long (nginx's lingering close): closing at once with its bytes unread would reset the
# connection, and a reset discards the 431 before the client has read it.
LINGER = 2.0

_TOO_LARGE_BODY = b"request head too large"
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: " + str(len(_TOO_LARGE_BODY)).encode() + b"\r\n"
    b"connection: close\r\n\r\n" + _TOO_LARGE_BODY
)


class HeadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request-head timeout of `head_timeout` seconds and a
    request-head size limit of `max_head_bytes`."""

    # Set by `kakehashi serve` (and each process of `serve --workers N`) from the settings.
    head_timeout: float = DEFAULT_HEAD_TIMEOUT
    max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_since: float | None = None  # when the wait for a head began (None: no wait)
        self._in_head = True  # (the rest of) a request head is still to come
        self._head_bytes = 0
        self._boundary = False  # a head or a message ended within the read being parsed
        self._refused = False  # answered 431: lingering until closed

    # One timer a connection, re-armed when it fires, rather than one armed and cancelled per
    # request: the wait's start is a float written per request (a timer each was ~15% of a
    # cached 304's time in the server).
    def _check_head(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        left = self.head_timeout
        if self._head_since is not None:
            left = self._head_since + self.head_timeout - self.loop.time()
            if left <= 0:
                self.transport.close()  # no 408: a client this slow is not waiting for one
                return
        self._head_timer = self.loop.call_later(left, self._check_head)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_since = self.loop.time()
        self._head_timer = self.loop.call_later(self.head_timeout, self._check_head)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after a 431: read and dropped
        self._boundary = False
        super().data_received(data)
        if self._boundary or not self._in_head or self.parser is None:
            # Only a read spent wholly inside one head is counted: a read that also held the
            # end of a head or of a body (whose bytes are not head bytes) is not, so the count
            # is at most one read's worth lenient, never strict against a body.
            return
        self._head_bytes += len(data)
        if self._head_bytes > self.max_head_bytes and not self.transport.is_closing():
            self._refused = True
            self.transport.write(_TOO_LARGE)
            self.transport.write_eof()  # sent after the 431
            self.loop.call_later(LINGER, self.transport.close)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._boundary = True
        self._head_since = None  # the head is in: no wait until this response is complete
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._boundary = True
        self._in_head = True  # what comes next is the next request's head
        self._head_bytes = 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._in_head:  # waiting for the next head (unless it is already in: pipelined)
            self._head_since = self.loop.time()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)
