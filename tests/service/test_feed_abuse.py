"""Floods cost the attacker, not the partners (issue 19, items 2 and 7): on the feed hot path
failed authentications are counted per address and answered 429 without touching the database,
a valid key is never locked out by others' failures, and per-key limits apply to feeds too
(counted in the process, without a Redis round trip)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.runtime import Runtime
from service.settings import Settings
from service.syndication.serving import PrincipalCache, principal_lookup
from tests.service.conftest import auth
from tests.service.helpers import hot_call, hot_endpoint


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "rate_limit_per_key": "6/minute",
            "rate_limit_per_ip": "100/minute",
            "rate_limit_failed_auth_per_ip": "3/minute",
        }
    )


def test_a_flood_of_bad_tokens_costs_no_lookup_and_never_locks_out_a_valid_key(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
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
    status, headers, _ = hot_call(hot, app, "/feeds/ja.json", "token=guess-9")
    assert status == 429 and int(headers[b"retry-after"]) > 0
    # The partner behind the same address is let through (to the route: its feed is cold).
    assert hot_call(hot, app, "/feeds/ja.json", f"token={tokens['partner']}")[0] == 599
    # Another address is not affected by this one's failures.
    assert hot_call(hot, app, "/feeds/ja.json", "token=guess-x", address="10.0.0.2")[0] == 401


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


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(runtime: Runtime) -> None:
    """KAKEHASHI_TRUSTED_PROXIES: behind a named proxy each client is counted on its own; by
    default X-Forwarded-For is ignored (a client cannot dodge its limit by inventing one)."""
    from service.web.app import create_app

    with TestClient(create_app(runtime=runtime)) as client:
        assert _flood_then_try(client, "192.0.2.1", "192.0.2.2") == 429  # one peer: one count
    trusted = runtime.settings.model_copy(update={"trusted_proxies": ("testclient",)})
    runtime.__dict__.pop("local_limits")
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
