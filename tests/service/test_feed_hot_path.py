"""The feed hot path answers cached feeds, 304s and unknown tokens by itself, hands everything
else to the route, and never serves what the route would not: revocation within a second, a new
version at once in the process that made it, within the stated bound in others. It refuses
floods without touching the database and never locks a valid key out."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.access.api_keys import revoke_key
from service.runtime import Runtime
from service.store.db import session_scope
from service.syndication import version_watch
from service.syndication.serving import (
    LOCAL_MAX_AGE,
    PRINCIPAL_TTL,
    LocalFeeds,
    PrincipalCache,
    principal_lookup,
)
from service.web.routes import feed_endpoint
from tests.service.conftest import article, auth
from tests.service.helpers import hot_call, hot_endpoint, translate_directly


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_hot_path_answers_only_what_the_route_would(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "a-1", "en")
    token = tokens["partner"]
    hot, app = hot_endpoint(runtime)

    assert hot_call(hot, app, "/feeds/en.json", f"token={token}")[0] == 599  # cold: the route
    served = client.get("/feeds/en.json", params={"token": token})  # the route fills the cache
    status, headers, body = hot_call(hot, app, "/feeds/en.json", f"token={token}")
    assert (status, body) == (200, served.content)
    assert headers[b"etag"].decode() == served.headers["etag"]
    assert headers[b"content-type"].decode() == served.headers["content-type"]
    bearer = {"Authorization": f"Bearer {token}", "If-None-Match": served.headers["etag"]}
    assert hot_call(hot, app, "/feeds/en.json", headers=bearer)[0] == 599  # Bearer: another variant
    client.get("/feeds/en.json", headers=auth(token))
    assert hot_call(hot, app, "/feeds/en.json", headers=bearer)[0] == 304
    assert app.reached == ["/feeds/en.json", "/feeds/en.json"]

    # An unknown token: the route's own 401, without reaching it.
    status, headers, body = hot_call(hot, app, "/feeds/en.json", "token=kh_par_nope")
    route = client.get("/feeds/en.json", params={"token": "kh_par_nope"})
    assert (status, body) == (401, route.content) and route.status_code == 401
    assert headers[b"www-authenticate"] == b"Bearer"

    # A change bumps the version: the held feed is not served any more, by either path.
    translate_directly(runtime, "a-1", "en", title="corrected")
    assert hot_call(hot, app, "/feeds/en.json", f"token={token}")[0] == 599
    assert b"corrected" in client.get("/feeds/en.json", params={"token": token}).content


def test_refusals_are_the_parsers_and_the_same_on_both_paths(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """One parser: the mounted endpoint refuses a bad limit, cursor, category, format or scope
    exactly as the route declares (and the answers are the app's precise errors)."""
    token = tokens["partner"]
    cases = {
        "/feeds/en.json?limit=0": 422,
        "/feeds/en.json?limit=x": 422,
        f"/feeds/en.json?category={'x' * 101}": 422,
        "/feeds/en.json?before=zzz": 400,
        "/feeds/en.xml": 404,
        "/feeds/de.json": 404,
    }
    for path, status in cases.items():
        answer = client.get(path, headers=auth(token))
        assert answer.status_code == status, (path, answer.text)
    assert client.get("/feeds/en.json", headers=auth(tokens["partner-fr"])).status_code == 403
    assert client.get("/feeds/en.json", headers=auth(tokens["editor"])).status_code == 403
    assert client.get("/feeds/en.json", headers={"Authorization": "Basic x"}).status_code == 401
    assert client.get("/feeds/en.json").status_code == 401


def test_a_revoked_key_is_refused_within_a_second(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    clock = Clock()
    runtime.__dict__["principals"] = PrincipalCache(principal_lookup(runtime.sessions), clock=clock)
    token = tokens["partner"]
    assert client.get("/feeds/ja.json", params={"token": token}).status_code == 200
    assert client.get("/feeds/ja.json", params={"token": token}).status_code == 200  # held
    with session_scope(runtime.sessions) as session:
        principal = runtime.principals.get(token)
        assert principal is not None
        revoke_key(session, principal.key_id)
    clock.now += PRINCIPAL_TTL  # no sleep: the key's memory is as old as it may get
    refused = client.get("/feeds/ja.json", params={"token": token})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


def test_the_version_bound_is_kept_without_sleeping(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    """The hot path serves a held feed only while its version was read at most MAX_STALENESS
    ago; past that, the route (which reads the database) answers."""
    clock = Clock()
    watcher = version_watch.VersionWatcher(runtime.db_engine, clock=clock)
    watcher.refresh()
    runtime.__dict__["feed_versions"].stop()
    runtime.__dict__["feed_versions"] = watcher
    token = tokens["partner"]
    client.get("/feeds/ja.json", params={"token": token})  # the route fills the cache
    hot, app = hot_endpoint(runtime)
    assert hot_call(hot, app, "/feeds/ja.json", f"token={token}")[0] == 200
    clock.now += version_watch.MAX_STALENESS + 0.01
    assert hot_call(hot, app, "/feeds/ja.json", f"token={token}")[0] == 599
    watcher.refresh()
    assert hot_call(hot, app, "/feeds/ja.json", f"token={token}")[0] == 200


def test_a_held_feed_is_rendered_again_after_its_max_age_without_sleeping(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    """A held feed's page links are signed: the process serves it for at most LOCAL_MAX_AGE
    (an hour) even when its version is still current, then the route renders it again."""
    clock = Clock()
    runtime.__dict__["local_feeds"] = LocalFeeds(clock=clock)
    token = tokens["partner"]
    client.get("/feeds/ja.json", params={"token": token})  # the route fills the cache
    hot, app = hot_endpoint(runtime)
    assert hot_call(hot, app, "/feeds/ja.json", f"token={token}")[0] == 200
    clock.now += LOCAL_MAX_AGE - 0.01
    assert hot_call(hot, app, "/feeds/ja.json", f"token={token}")[0] == 200
    clock.now += 0.02
    assert hot_call(hot, app, "/feeds/ja.json", f"token={token}")[0] == 599
    assert app.reached == ["/feeds/ja.json"]


def test_the_endpoint_is_mounted_in_front_of_the_route(client: TestClient) -> None:
    routes = client.app.router.routes  # type: ignore[attr-defined]
    assert isinstance(routes[0].app, feed_endpoint.FeedEndpoint)
    assert routes[0].path == feed_endpoint.PATH
