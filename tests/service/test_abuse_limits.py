"""Abuse limits (issue 11, row 11): rate limits per key and per client address in Redis (429
with Retry-After), a flood of bad tokens throttled per address, a body that trickles in cut off,
and a cap on the synchronous /v1/translate (413 with a hint to post an article instead)."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from service.runtime import Runtime
from service.settings import Settings
from service.web.app import create_app
from service.web.middleware import BodySizeLimit
from tests.service.conftest import auth


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "rate_limit_per_key": "5/minute",
            "rate_limit_per_ip": "8/minute",
            "rate_limit_failed_auth_per_ip": "3/minute",
        }
    )


def test_a_flood_of_bad_tokens_is_throttled(client: TestClient, tokens: dict[str, str]) -> None:
    statuses = [client.get("/v1/whoami", headers=auth(f"guess-{n}")).status_code for n in range(6)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429, 429]
    refused = client.get("/v1/whoami", headers=auth("guess-again"))
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"]["code"] == "too_many_requests"


def test_a_valid_key_is_never_locked_out_by_others_failures(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """Issue 19.7: a bad-token flood from one address (a NAT, a proxy without forwarded
    headers) gave the CMS's own key 429 for a minute. Failed attempts are limited; a live
    key's token is let through."""
    for n in range(6):
        client.get("/v1/articles", headers=auth(f"guess-{n}"))
    for _ in range(3):
        assert client.get("/v1/whoami", headers=auth(tokens["editor"])).status_code == 200
    assert client.get("/v1/whoami", headers=auth("guess-7")).status_code == 429


def test_each_key_has_its_limit(client: TestClient, tokens: dict[str, str]) -> None:
    editor = [client.get("/v1/whoami", headers=auth(tokens["editor"])) for _ in range(6)]
    assert [r.status_code for r in editor] == [200] * 5 + [429]
    assert int(editor[-1].headers["retry-after"]) > 0
    # Another key from the same address still passes, up to the address's own limit (8).
    other = [client.get("/v1/whoami", headers=auth(tokens["partner"])) for _ in range(3)]
    assert [r.status_code for r in other] == [200, 200, 429]


def test_the_defaults_let_a_partner_poll_every_feed() -> None:
    """Generous defaults: a partner polling 7 languages x 3 formats every 10 s stays below them."""
    from limits import parse

    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    per_key = parse(defaults.rate_limit_per_key)
    assert per_key.amount / per_key.get_expiry() * 60 >= 7 * 3 * 6
    per_ip = parse(defaults.rate_limit_per_ip)
    assert per_ip.amount >= per_key.amount


def test_limits_fail_open_when_redis_is_gone(settings: Settings, tokens: dict[str, str]) -> None:
    """The rate limits never turn a Redis outage into refused requests."""
    dead = settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})
    runtime = Runtime.start(dead)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            for _ in range(10):
                assert client.get("/v1/whoami", headers=auth(tokens["editor"])).status_code == 200
    finally:
        runtime.close()


def test_translate_refuses_long_texts_with_a_hint(
    client: TestClient, tokens: dict[str, str], runtime: Runtime
) -> None:
    limit = runtime.settings.translate_max_chars
    response = client.post(
        "/v1/translate",
        json={"text": "あ" * (limit + 1), "to": "en"},
        headers=auth(tokens["editor"]),
    )
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "text_too_long" and "/v1/articles" in error["message"]


def test_a_body_that_trickles_in_is_cut_off() -> None:
    """The middleware answers 408 once the body has taken longer than the read timeout: a
    chunk every 0.2 s on its clock (no sleeping), so 5 arrive within the 1 s and the 6th is
    not waited for."""
    seen: list[Message] = []
    now = [100.0]
    chunks: list[float] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:  # reads the whole body, as a handler would
            message = await receive()
            if not message.get("more_body"):
                break

    async def trickle() -> Message:
        now[0] += 0.2
        chunks.append(now[0])
        return {"type": "http.request", "body": b"x", "more_body": True}

    async def send(message: Message) -> None:
        seen.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    limit = BodySizeLimit(app, max_bytes=1_000_000, read_timeout=1.0, clock=lambda: now[0])
    asyncio.run(limit(scope, trickle, send))
    assert len(chunks) == 5 and chunks[-1] == pytest.approx(101.0)
    assert seen[0]["status"] == 408
    assert json.loads(seen[1]["body"])["error"]["code"] == "request_timeout"


def test_a_body_that_stalls_is_cut_off_at_the_timeout() -> None:
    """A client that sends nothing at all: the real wait_for deadline (0.05 s) answers."""
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    async def stalled() -> Message:
        await asyncio.Event().wait()  # never set: the body never comes
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        seen.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    asyncio.run(BodySizeLimit(app, max_bytes=10, read_timeout=0.05)(scope, stalled, send))
    assert seen[0]["status"] == 408
