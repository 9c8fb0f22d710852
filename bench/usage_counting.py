"""What usage counting costs the feed hot path: the same cached feed and its 304 answered by
the mounted feed endpoint (raw ASGI, in process, no network), with usage counting on and off,
side by side in one run (rounds alternate, so both see the same machine).

Usage: .venv/bin/python bench/usage_counting.py [--requests 20000] [--rounds 5]

It seeds a temporary data dir (SQLite, embedded Redis) with 50 articles in the `ja` feed and
a partner key, fills the caches with one request, then times `--requests` GETs per case and
round and prints requests/s per case and the on/off ratio. `bench/feed_serving.py` measures
the whole server with wrk; this isolates the one call (`service.syndication.usage.Usage.feed`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient


def _scope(path: str, query: bytes, headers: list[tuple[bytes, bytes]], app: Any) -> Any:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query,
        "headers": headers,
        "app": app,
        "root_path": "",
        "scheme": "http",
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
    }


async def _time(hot: Any, scope: Any, n: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        pass

    start = time.perf_counter()
    for _ in range(n):
        await hot(scope, receive, send)
    return n / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from service.access.api_keys import create_key
    from service.runtime import Runtime
    from service.settings import Settings
    from service.store.db import session_scope
    from service.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), target_languages=("en",), _env_file=None)  # type: ignore[call-arg]
        runtime = Runtime.start(settings)
        try:
            with session_scope(runtime.sessions) as session:
                publisher = create_key(session, name="cms", role="publisher")[1]
                token = create_key(session, name="outlet", role="partner")[1]
            app = create_app(runtime=runtime)
            with TestClient(app) as client:
                for n in range(50):
                    client.post(
                        "/v1/articles",
                        headers={"Authorization": f"Bearer {publisher}"},
                        json={
                            "id": f"b-{n}",
                            "title": f"見出し{n}",
                            "body": "本文。" * 20,
                            "url": f"https://news.example.jp/{n}",
                            "published_at": "2026-01-27T06:00:00+09:00",
                        },
                    )
                etag = client.get("/feeds/ja.json", params={"token": token}).headers["etag"]
            hot = app  # the feed endpoint is mounted in front of the feed route
            query = f"token={token}".encode()
            cases = {
                "200": _scope("/feeds/ja.json", query, [], app),
                "304": _scope("/feeds/ja.json", query, [(b"if-none-match", etag.encode())], app),
            }
            found: dict[tuple[str, bool], list[float]] = {}
            for _ in range(args.rounds):
                for name, scope in cases.items():
                    for enabled in (False, True):
                        runtime.usage.enabled = enabled
                        rps = asyncio.run(_time(hot, scope, args.requests))
                        found.setdefault((name, enabled), []).append(rps)
            print(f"{'case':<6}{'usage on req/s':>16}{'usage off req/s':>17}{'on/off':>8}")
            for name in cases:
                on = statistics.median(found[(name, True)])
                off = statistics.median(found[(name, False)])
                print(f"{name:<6}{on:>16.0f}{off:>17.0f}{on / off:>8.2f}")
        finally:
            runtime.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
