"""Floods cost the attacker, not the partners (issue 19, items 2 and 7): on the feed hot path
failed authentications are counted per address and answered 429 without touching the database,
a valid key is never locked out by others' failures, and per-key limits apply to feeds too
(counted in the process, without a Redis round trip)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.access.auth_guard import LocalLimits, Tarpit
from service.runtime import Runtime
from service.settings import Settings
from service.syndication.serving import PrincipalCache, principal_lookup
from tests.service.conftest import auth
from tests.service.helpers import HotApp, hot_call, hot_endpoint


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "rate_limit_per_key": "6/minute",
            "rate_limit_per_ip": "100/minute",
            "rate_limit_failed_auth_per_ip": "3/minute",
        }
    )


def _recorder(slept: list[float]) -> Callable[[float], Awaitable[None]]:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    return sleep


@pytest.fixture
def held(runtime: Runtime) -> list[float]:
    """The tarpit's delays, recorded instead of slept (the tests need not wait them out)."""
    slept: list[float] = []
    limits = LocalLimits.from_settings(runtime.settings, sleep=_recorder(slept))
    runtime.__dict__["local_limits"] = limits
    return slept


def test_a_flood_of_bad_tokens_costs_no_lookup_and_never_locks_out_a_valid_key(
    client: TestClient, runtime: Runtime, tokens: dict[str, str], held: list[float]
) -> None:
    lookups: list[str] = []
    real = principal_lookup(runtime.sessions)

    def counted(token: str) -> Any:
        lookups.append(token)
        return real(token)

    runtime.__dict__["principals"] = PrincipalCache(counted)
    hot, app = hot_endpoint(runtime)
    statuses = [hot_call(hot, app, "/feeds/ja.json", f"token=guess-{n}")[0] for n in range(8)]
    assert statuses == [401] * 3 + [429] * 5
    assert len(lookups) == 3  # the refused ones never reached the database
    tarpit = runtime.settings.failed_auth_tarpit_seconds
    assert tarpit > 0 and held == [tarpit] * 5  # each 429 held by the tarpit, not the 401s
    status, headers, _ = hot_call(hot, app, "/feeds/ja.json", "token=guess-9")
    assert status == 429 and int(headers[b"retry-after"]) > 0
    assert b"connection" not in headers  # held, so kept alive: a new connection costs more
    # The partner behind the same address is let through (to the route: its feed is cold).
    assert hot_call(hot, app, "/feeds/ja.json", f"token={tokens['partner']}")[0] == 599
    # Another address is not affected by this one's failures.
    assert hot_call(hot, app, "/feeds/ja.json", "token=guess-x", address="10.0.0.2")[0] == 401
    assert len(held) == 6  # neither the partner nor the other address was held


async def _concurrently(
    hot: Any, app: HotApp, queries: list[str], release: asyncio.Event
) -> list[tuple[int, dict[bytes, bytes]]]:
    """The feed requests of `queries` at once from one address, in the order they were
    answered; `release` ends the tarpit's hold once every request has been answered or held."""
    answered: list[tuple[int, dict[bytes, bytes]]] = []

    async def one(query: str) -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/feeds/ja.json",
            "path_params": {"lang": "ja", "fmt": "json"},
            "query_string": query.encode(),
            "headers": [],
            "client": ("10.0.0.1", 1234),
            "app": app,
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answered.append((message["status"], dict(message["headers"])))

        await hot(scope, receive, send)

    tasks = [asyncio.create_task(one(q)) for q in queries]
    while len(answered) < len(queries) - 2:  # two are held (the tarpit's capacity)
        if any(t.done() and t.exception() for t in tasks):
            break  # gather raises it
        await asyncio.sleep(0)  # a turn of the loop (the partner's lookup is in a thread)
    release.set()
    await asyncio.gather(*tasks)
    return answered


def test_the_tarpit_holds_a_bounded_number_and_never_a_valid_key(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    """An address over its failed-authentication limit: its 429s wait in the tarpit (asleep,
    so the flooder gets about connections / delay answers a second and the event loop stays
    free); past the tarpit's capacity a 429 is answered at once and closes the connection; a
    valid key from the same address is answered while the tarpit is full."""
    release = asyncio.Event()

    async def sleep(_seconds: float) -> None:
        await release.wait()

    limits = LocalLimits.from_settings(runtime.settings, sleep=sleep)
    limits.tarpit = Tarpit(runtime.settings.failed_auth_tarpit_seconds, 2, sleep)
    runtime.__dict__["local_limits"] = limits
    hot, app = hot_endpoint(runtime)
    for n in range(3):  # the address's failed-authentication limit (3/minute here)
        assert hot_call(hot, app, "/feeds/ja.json", f"token=guess-{n}")[0] == 401
    queries = [f"token=flood-{n}" for n in range(4)] + [f"token={tokens['partner']}"]
    answered = asyncio.run(_concurrently(hot, app, queries, release))
    at_once, after = answered[:3], answered[3:]
    # Two held; the other two floods and the partner answered before they were let go.
    assert sorted(status for status, _ in at_once) == [429, 429, 599]
    assert all(h.get(b"connection") == b"close" for status, h in at_once if status == 429)
    assert [(status, b"connection" in h) for status, h in after] == [(429, False)] * 2
    assert limits.tarpit.held == 0
    assert app.reached == ["/feeds/ja.json"]  # the partner's request, to the (cold) route


def test_the_tarpit_is_off_at_zero_seconds() -> None:
    async def never(_seconds: float) -> None:
        raise AssertionError("an off tarpit never sleeps")

    assert asyncio.run(Tarpit(0.0, 10, never).hold()) is False
    assert asyncio.run(Tarpit(2.0, 0, never).hold()) is False  # no capacity: never holds


def test_feeds_have_per_key_limits(client: TestClient, tokens: dict[str, str]) -> None:
    token = tokens["partner"]
    statuses = [client.get("/feeds/ja.json", params={"token": token}).status_code for _ in range(7)]
    assert statuses == [200] * 6 + [429]
    assert client.get("/feeds/ja.json", headers=auth(tokens["admin"])).status_code == 200


def _flood_then_try(client: TestClient, flood_from: str, then_from: str) -> int:
    for n in range(4):
        client.get(f"/feeds/ja.json?token=bad-{n}", headers={"X-Forwarded-For": flood_from})
    return client.get(
        "/feeds/ja.json?token=bad-x", headers={"X-Forwarded-For": then_from}
    ).status_code


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(
    runtime: Runtime, held: list[float]
) -> None:
    """KAKEHASHI_TRUSTED_PROXIES: behind a named proxy each client is counted on its own; by
    default X-Forwarded-For is ignored (a client cannot dodge its limit by inventing one)."""
    from service.web.app import create_app

    with TestClient(create_app(runtime=runtime)) as client:
        assert _flood_then_try(client, "192.0.2.1", "192.0.2.2") == 429  # one peer: one count
    trusted = runtime.settings.model_copy(update={"trusted_proxies": ("testclient",)})
    runtime.__dict__["local_limits"] = LocalLimits.from_settings(
        runtime.settings, sleep=_recorder(held)
    )
    with TestClient(create_app(trusted, runtime=runtime)) as client:
        assert _flood_then_try(client, "192.0.2.3", "192.0.2.4") == 401
        assert _flood_then_try(client, "192.0.2.5", "192.0.2.5") == 429


def test_trusted_proxies_are_a_comma_separated_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAKEHASHI_TRUSTED_PROXIES", "10.0.0.1, 172.16.0.0/12")
    assert Settings(_env_file=None).trusted_proxies == ("10.0.0.1", "172.16.0.0/12")  # type: ignore[call-arg]


def test_the_window_counter_slides_without_sleeping() -> None:
    from service.access.auth_guard import WindowCounter

    now = [630.0]  # the middle of a minute
    counter = WindowCounter("4/minute", clock=lambda: now[0])
    assert [counter.hit("a") for _ in range(5)] == [None] * 4 + [30]
    assert counter.hit("b") is None  # one identifier's hits never count for another
    now[0] += 60  # half of the last minute still overlaps the window: 2 of its 4 hits count
    assert counter.hit("a") is None and counter.hit("a") is None
    assert counter.hit("a") == 30
    now[0] += 120  # both minutes gone
    assert [counter.hit("a") for _ in range(4)] == [None] * 4


def test_lookups_of_tokens_no_key_has_run_one_at_a_time(
    client: TestClient, runtime: Runtime, tokens: dict[str, str], held: list[float]
) -> None:
    """A flood's first attempts (under the address's limit, so each is looked up) take one
    thread at a time, not one each (threads contending for the GIL starve the event loop); a
    live key's lookup does not wait behind them; those still waiting when the address reaches
    its limit are refused without a lookup."""
    real = principal_lookup(runtime.sessions)
    gate = threading.Event()
    state = {"now": 0, "most": 0, "all": 0}
    lock = threading.Lock()

    def lookup(token: str) -> Any:
        if token != tokens["partner"]:
            with lock:
                state["now"] += 1
                state["all"] += 1
                state["most"] = max(state["most"], state["now"])
            gate.wait(10)  # held until the partner has been answered
            with lock:
                state["now"] -= 1
        return real(token)

    runtime.__dict__["principals"] = PrincipalCache(lookup)
    hot, app = hot_endpoint(runtime)
    answered: list[str] = []

    async def one(query: str) -> None:
        status = await _answer(hot, app, query)
        answered.append(f"{query.split('=')[1][:5]}:{status}")
        if query.endswith(tokens["partner"]):
            gate.set()

    async def run() -> None:
        await asyncio.gather(
            *(one(f"token=guess-{n}") for n in range(5)), one(f"token={tokens['partner']}")
        )

    asyncio.run(run())
    assert state["most"] == 1 and state["all"] == 3  # the limit (3/minute) looked up, no more
    assert answered[0] == f"{tokens['partner'][:5]}:599"  # the partner first, to the route
    assert sorted(answered[1:]) == ["guess:401"] * 3 + ["guess:429"] * 2
    assert len(held) == 2


async def _answer(hot: Any, app: HotApp, query: str) -> int:
    statuses: list[int] = []
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/feeds/ja.json",
        "path_params": {"lang": "ja", "fmt": "json"},
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
    return statuses[0]
