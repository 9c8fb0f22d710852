"""The feed hot path answers cached feeds, 304s and unknown tokens by itself, hands everything
else to the app, and never serves what the app would not: revocation within a second, a new
version at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import MutableMapping
from typing import Any

from fastapi.testclient import TestClient

from service.api_keys import revoke_key
from service.db import session_scope
from service.routes.feeds import FeedHotPath
from service.runtime import Runtime
from tests.service.conftest import article, auth
from tests.service.test_feeds_api import translate_directly


class App:
    """Stands for the FastAPI app behind the hot path: records what reaches it."""

    def __init__(self, runtime: Runtime) -> None:
        self.state = type("State", (), {"runtime": runtime})()
        self.reached: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _call(
    hot: FeedHotPath, app: App, path: str, query: str = "", headers: dict[str, str] | None = None
) -> tuple[int, dict[bytes, bytes], bytes]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "app": app,
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(hot(scope, receive, send))
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_the_hot_path_answers_only_what_the_route_would(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "a-1", "en")
    token = tokens["partner"]
    app = App(runtime)
    hot = FeedHotPath(app)

    assert _call(hot, app, "/feeds/en.json", f"token={token}")[0] == 599  # cold: the route
    served = client.get("/feeds/en.json", params={"token": token})  # the route fills the cache
    status, headers, body = _call(hot, app, "/feeds/en.json", f"token={token}")
    assert (status, body) == (200, served.content)
    assert headers[b"etag"].decode() == served.headers["etag"]
    assert headers[b"content-type"].decode() == served.headers["content-type"]
    bearer = {"Authorization": f"Bearer {token}", "If-None-Match": served.headers["etag"]}
    assert _call(hot, app, "/feeds/en.json", headers=bearer)[0] == 599  # Bearer: another variant
    client.get("/feeds/en.json", headers=auth(token))
    assert _call(hot, app, "/feeds/en.json", headers=bearer)[0] == 304
    assert app.reached == ["/feeds/en.json", "/feeds/en.json"]

    # An unknown token: the route's own 401, without reaching it.
    status, headers, body = _call(hot, app, "/feeds/en.json", "token=kh_par_nope")
    route = client.get("/feeds/en.json", params={"token": "kh_par_nope"})
    assert (status, body) == (401, route.content) and route.status_code == 401
    assert headers[b"www-authenticate"] == b"Bearer"
    # What needs a precise refusal goes to the route.
    for query in (f"token={token}&limit=0", f"token={token}&before=zzz"):
        assert _call(hot, app, "/feeds/en.json", query)[0] == 599
    assert _call(hot, app, "/feeds/de.json", f"token={token}")[0] == 599
    assert _call(hot, app, "/feeds/en.json", f"token={tokens['partner-fr']}")[0] == 599

    # A change bumps the version: the held feed is not served any more, by either path.
    translate_directly(runtime, "a-1", "en", title="corrected")
    assert _call(hot, app, "/feeds/en.json", f"token={token}")[0] == 599
    assert b"corrected" in client.get("/feeds/en.json", params={"token": token}).content


def test_a_revoked_key_is_refused_within_a_second(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    token = tokens["partner"]
    assert client.get("/feeds/ja.json", params={"token": token}).status_code == 200
    assert client.get("/feeds/ja.json", params={"token": token}).status_code == 200  # held
    with session_scope(runtime.sessions) as session:
        key_id = runtime.principals.get(token)
        assert key_id is not None
        revoke_key(session, key_id.key_id)
    time.sleep(1.05)
    refused = client.get("/feeds/ja.json", params={"token": token})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
