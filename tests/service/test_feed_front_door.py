"""Issue 18, the hot path at nginx's pace: a cached feed is answered at the app's front door,
before the middleware stack (whose layers were most of a cached answer's time), with the same
answers the stack gives; the requests of one partner that miss its key together wait for one
read, and a key in steady use is read again behind its requests, never in front of them; a
server process's heap is frozen once started (a full collection was the hot path's p99)."""

from __future__ import annotations

import asyncio
import gc
import itertools
from collections.abc import MutableMapping
from typing import Any

from fastapi.testclient import TestClient

from service.runtime import Runtime
from service.syndication.serving import (
    PRINCIPAL_REFRESH_AT,
    PRINCIPAL_TTL,
    PrincipalCache,
    principal_lookup,
)
from service.web.app import App, create_app
from tests.service.conftest import article, auth
from tests.service.helpers import hot_endpoint, translate_directly


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class StackSpy:
    """Stands in front of the app's middleware stack and counts what reaches it."""

    def __init__(self, app: App) -> None:
        assert app.middleware_stack is not None
        self.stack = app.middleware_stack
        self.paths: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.paths.append(scope["path"])
        await self.stack(scope, receive, send)


def test_a_held_feed_is_answered_before_the_middleware_stack(
    runtime: Runtime, tokens: dict[str, str]
) -> None:
    app = create_app(runtime=runtime)
    with TestClient(app) as client:
        client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
        translate_directly(runtime, "a-1", "en")
        token = tokens["partner"]
        first = client.get("/feeds/en.json", params={"token": token})  # cold: the stack's route
        assert first.status_code == 200 and first.json()["items"]
        spy = StackSpy(app)
        app.middleware_stack = spy
        again = client.get("/feeds/en.json", params={"token": token})
        etag = {"If-None-Match": first.headers["etag"]}
        not_modified = client.get("/feeds/en.json", params={"token": token}, headers=etag)
        unknown = client.get("/feeds/en.json", params={"token": "kh_par_nope"})
        assert (again.status_code, again.content) == (200, first.content)
        assert (
            not_modified.status_code == 304
            and not_modified.headers["etag"] == first.headers["etag"]
        )
        assert unknown.status_code == 401
        assert spy.paths == []  # none of them reached the stack
        assert client.get("/healthz").status_code in (200, 503)
        preview = client.get("/feeds/en.html", params={"token": token})
        assert preview.status_code == 200  # not a feed format: the app's routes
        assert spy.paths == ["/healthz", "/feeds/en.html"]


def test_the_front_door_refuses_as_the_stack_does(runtime: Runtime, tokens: dict[str, str]) -> None:
    """A refusal decided at the front door is the stack's own: the same status, headers and
    body as the same request sent the long way (a body makes it take the stack)."""
    app = create_app(runtime=runtime)
    with TestClient(app) as client:
        client.get("/healthz")
        spy = StackSpy(app)
        app.middleware_stack = spy
        cases = [
            ("/feeds/en.json", {"token": tokens["partner"], "limit": "many"}),
            ("/feeds/en.json", {"token": tokens["partner"], "before": "not-a-cursor"}),
            ("/feeds/de.json", {"token": tokens["partner"]}),  # not a served language
            ("/feeds/en.json", {"token": tokens["partner-fr"]}),  # a key limited to French
        ]
        for path, params in cases:
            front = client.get(path, params=params)
            assert spy.paths == [], path
            stacked = client.request("GET", path, params=params, content=b"{}")
            assert spy.paths == [path]  # the body sent it the long way
            spy.paths.clear()
            assert 400 <= front.status_code < 500, (path, params, front.text)
            assert (front.status_code, front.content) == (stacked.status_code, stacked.content)
            assert front.headers.get("content-type") == stacked.headers.get("content-type")


def test_a_feed_request_with_a_body_past_the_limit_is_refused_by_the_stack(
    runtime: Runtime, tokens: dict[str, str]
) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        too_big = b"x" * (runtime.settings.max_body_bytes + 1)
        answer = client.request(
            "GET", "/feeds/en.json", params={"token": tokens["partner"]}, content=too_big
        )
        assert answer.status_code == 413


async def _at_once(hot: Any, app: Any, query: str, n: int) -> list[int]:
    statuses: list[int] = []

    async def one() -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/feeds/en.json",
            "path_params": {"lang": "en", "fmt": "json"},
            "query_string": query.encode(),
            "headers": [],
            "client": ("10.0.0.1", 1234),
            "app": app,
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await hot(scope, receive, send)

    await asyncio.gather(*(one() for _ in range(n)))
    return statuses


def test_requests_that_miss_a_key_together_wait_for_one_read(
    runtime: Runtime, tokens: dict[str, str]
) -> None:
    """Before: each of 32 connections of one partner took a thread and a query when its key's
    second was up, all at once (a stall of tens of ms every second under load)."""
    reads: list[str] = []
    real = principal_lookup(runtime.sessions)

    def counted(token: str) -> Any:
        reads.append(token)
        return real(token)

    clock = Clock()
    runtime.__dict__["principals"] = PrincipalCache(counted, clock=clock)
    hot, app = hot_endpoint(runtime)
    query = f"token={tokens['partner']}"
    assert asyncio.run(_at_once(hot, app, query, 32)) == [599] * 32  # cold feed: the route
    assert len(reads) == 1
    clock.now += PRINCIPAL_TTL  # the key's memory has expired: all 32 miss together
    assert asyncio.run(_at_once(hot, app, query, 32)) == [599] * 32
    assert len(reads) == 2
    unknown = "token=kh_par_unknown"
    assert asyncio.run(_at_once(hot, app, unknown, 3)) == [401] * 3
    assert len(reads) == 3  # an unknown token too (one lookup, the others wait for it)


def test_a_key_in_steady_use_is_read_again_behind_its_requests(
    runtime: Runtime, tokens: dict[str, str]
) -> None:
    reads: list[float] = []
    clock = Clock()
    real = principal_lookup(runtime.sessions)

    def counted(token: str) -> Any:
        reads.append(clock.now)
        return real(token)

    runtime.__dict__["principals"] = PrincipalCache(counted, clock=clock)
    hot, app = hot_endpoint(runtime)
    query = f"token={tokens['partner']}"

    async def steady() -> list[int]:
        statuses = [hot_call_status(await _at_once(hot, app, query, 1))]
        for _ in range(6):  # a request every half TTL: never a miss
            clock.now += PRINCIPAL_REFRESH_AT
            statuses.append(hot_call_status(await _at_once(hot, app, query, 1)))
            for _ in range(500):  # the read behind it runs in the thread pool: let it end
                # (begun is not enough: until it ends, the next request sees it in flight)
                if len(reads) == len(statuses) and not hot._reads:
                    break
                await asyncio.sleep(0.01)
        return statuses

    assert asyncio.run(steady()) == [599] * 7
    # Read first, then once behind each request that found its entry half-way to expiry;
    # each request was served from an entry younger than the TTL.
    assert len(reads) == 7
    assert all(b - a <= PRINCIPAL_REFRESH_AT for a, b in itertools.pairwise(reads))


def hot_call_status(statuses: list[int]) -> int:
    (status,) = statuses
    return status


def test_a_server_process_freezes_its_heap_once_started(runtime: Runtime) -> None:
    before = gc.get_freeze_count()
    try:
        with TestClient(create_app(runtime=runtime)):
            assert gc.get_freeze_count() == before  # tests' apps do not (nothing would be freed)
        with TestClient(create_app(runtime=runtime, freeze_heap=True)):
            assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
