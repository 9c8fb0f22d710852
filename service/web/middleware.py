"""Request body limits as pure ASGI middleware: a body over the size limit is refused early with
413 (never buffered), and one that arrives too slowly is cut off with 408."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException so every layer answers it as 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body over the {max_bytes}-byte limit")


class BodyTooSlow(HTTPException):
    """The body did not arrive within the read timeout (a slow-body connection held open)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"request body not received within {seconds:g} s")


def _refusal(status: int, code: str, message: str) -> tuple[dict[str, object], bytes]:
    body = json.dumps({"error": {"code": code, "message": message}})
    return (
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        },
        body.encode(),
    )


class BodySizeLimit:
    """`max_bytes` for every request body, but for the paths of `overrides` (a pattern and its
    own limit, e.g. the 5 MB glossary import); `read_timeout`: seconds the whole body may take
    to arrive (uvicorn times out idle connections and caps header size, but not a body
    trickling in)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        overrides: Sequence[tuple[re.Pattern[str], int]] = (),
        read_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.default = max_bytes
        self.overrides = tuple(overrides)
        self.read_timeout = read_timeout
        self._clock = clock  # injectable: a test's body trickles in without sleeping

    def limit_for(self, path: str) -> int:
        return next(
            (limit for pattern, limit in self.overrides if pattern.match(path)), self.default
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > max_bytes:
                    await self._refuse(send, BodyTooLarge(max_bytes))
                    return
        seen = 0
        started = False
        body_done = False
        deadline = self._clock() + self.read_timeout

        async def limited_receive() -> Message:
            nonlocal seen, body_done
            if body_done:  # after the body: waiting for a disconnect has no deadline
                return await receive()
            left = deadline - self._clock()
            if left <= 0:  # decided here, not by wait_for(0), whose outcome races the read
                raise BodyTooSlow(self.read_timeout)
            try:
                message = await asyncio.wait_for(receive(), left)
            except TimeoutError:
                raise BodyTooSlow(self.read_timeout) from None
            if message["type"] == "http.request":
                body_done = not message.get("more_body", False)
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise BodyTooLarge(max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except (BodyTooLarge, BodyTooSlow) as exc:
            if not started:
                await self._refuse(send, exc)

    async def _refuse(self, send: Send, exc: BodyTooLarge | BodyTooSlow) -> None:
        code = "too_large" if isinstance(exc, BodyTooLarge) else "request_timeout"
        start, body = _refusal(exc.status_code, code, str(exc.detail))
        await send(start)
        await send({"type": "http.response.body", "body": body})
