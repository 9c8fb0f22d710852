"""The floor of any app under kakehashi's HTTP server: uvicorn with `serve`'s own protocol
(`service.web.slow_clients.HeadTimeoutProtocol`, httptools, uvloop) and a raw ASGI callable that
answers a fixed body, or 304 when If-None-Match names its ETag, with no app code at all.

Usage (bench/feed_serving.py starts it): python bench/asgi_floor.py PORT BODY_FILE HEADERS_JSON

`bench/feed_serving.py` runs wrk against it beside kakehashi and nginx with the same bytes and
headers: what kakehashi loses to nginx splits into what the Python HTTP server costs (this
floor) and what kakehashi's own code costs on top of it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def make_app(body: bytes, headers: dict[str, str]) -> Any:
    etag = headers["etag"].encode()
    plain = [(k.encode(), v.encode()) for k, v in headers.items() if k != "content-length"]
    full = [*plain, (b"content-length", str(len(body)).encode())]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        not_modified = any(n == b"if-none-match" and v == etag for n, v in scope["headers"])
        if not_modified:
            await send({"type": "http.response.start", "status": 304, "headers": plain})
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.start", "status": 200, "headers": full})
            await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    import uvicorn

    from service.web.slow_clients import HeadTimeoutProtocol

    port, body_file, headers_file = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    app = make_app(body_file.read_bytes(), json.loads(headers_file.read_text()))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_keep_alive=5,
        proxy_headers=False,
        http=HeadTimeoutProtocol,
    )


if __name__ == "__main__":
    main()
