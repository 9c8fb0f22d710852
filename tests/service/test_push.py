"""Push to partners (issue 23): a real HTTP receiver, down for a while then up, gets exactly
one signed notice per change of what its key may read (new, correction, retraction, embargo
release), carrying the item in ninjs; the partner reads its own delivery log."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient

from service.access import signing
from service.access.api_keys import create_key, revoke_key
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.web.app import create_app
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly, wait_for

pytestmark = pytest.mark.slow
PORT = 18710  # in this task's range


class Receiver:
    """A real HTTP server on PORT recording every POST (path, headers, body)."""

    def __init__(self, port: int = PORT) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.received.append((self.path, dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.start(
        settings.model_copy(
            update={
                "push_allow_private": True,
                "notice_backoff_seconds": 0.2,
                "notice_max_attempts": 30,
            }
        )
    )
    rt.pusher.start()
    rt.releaser.start()
    yield rt
    rt.close()


def test_a_callback_gets_one_signed_notice_per_change_across_an_outage(
    push_runtime: Runtime,
) -> None:
    rt = push_runtime
    with session_scope(rt.sessions) as session:
        publisher = auth(create_key(session, name="cms", role="publisher")[1])
        _, token = create_key(session, name="outlet", role="partner", languages=["ja", "en"])
        partner = auth(token)
        other = auth(create_key(session, name="other", role="partner")[1])
    with TestClient(create_app(runtime=rt, worker_threads=1)) as client:
        refused = client.put("/v1/push", json={"url": "ftp://x.example/"}, headers=partner)
        assert refused.status_code == 422
        made = client.put(
            "/v1/push", json={"url": f"http://127.0.0.1:{PORT}/hook"}, headers=partner
        )
        assert made.status_code == 200, made.text
        secret = made.json()["secret"]
        # The receiver is down: every change waits in the outbox.
        client.post("/v1/articles", json=article("p1"), headers=publisher)
        translate_directly(rt, "p1", "en")
        client.post("/v1/articles", json=article("p2"), headers=publisher)
        wait_for(lambda: len(client.get("/v1/push/deliveries", headers=partner).json()) >= 3, "3")
        client.delete("/v1/articles/p2", headers=publisher)
        fixed = article("p1", correction="見出しを訂正した。", change="correction")
        client.put("/v1/articles/p1", json=fixed, headers=publisher)
        until = datetime.now(UTC) + timedelta(seconds=1.5)
        client.post(
            "/v1/articles",
            json=article("p3", embargoed_until=until.isoformat()),
            headers=publisher,
        )
        time.sleep(0.5)
        log = client.get("/v1/push/deliveries", headers=partner).json()
        assert "p3" not in {d["article_id"] for d in log}  # under embargo: not pushed
        wait_for(
            lambda: any(
                d["article_id"] == "p3"
                for d in client.get("/v1/push/deliveries", headers=partner).json()
            ),
            "the release's notice",
        )
        log = client.get("/v1/push/deliveries", headers=partner).json()
        assert all(
            d["state"] == "pending" and d["attempts"] >= 1 for d in log if d["article_id"] != "p3"
        )
        assert client.get("/v1/push/deliveries", headers=other).json() == []  # its own only

        receiver = Receiver()
        try:
            wait_for(
                lambda: all(
                    d["state"] == "delivered"
                    for d in client.get("/v1/push/deliveries", headers=partner).json()
                ),
                "every notice delivered",
            )
            time.sleep(1.0)  # a duplicate would arrive now
            with receiver.lock:
                received = list(receiver.received)
        finally:
            receiver.close()
    changes = []
    for path, headers, body in received:
        signing.verify(secret, headers.get(signing.HEADER), "POST", path, body, time.time())
        data = json.loads(body)
        assert headers["X-Kakehashi-Delivery"] == str(data["delivery_id"])
        changes.append((data["uri"].split(":")[3], data["uri"].rsplit(":", 1)[1], data["event"]))
        assert data["item"]["uri"] == data["uri"]
    assert sorted(changes) == sorted(
        [
            ("p1", "ja", "new"),
            ("p1", "en", "new"),
            ("p2", "ja", "new"),
            ("p2", "ja", "retraction"),
            ("p1", "ja", "correction"),
            ("p3", "ja", "new"),
        ]
    )
    assert len({json.loads(b)["delivery_id"] for _, _, b in received}) == len(received)


def test_a_private_feed_has_a_signed_websub_topic_a_hub_can_fetch(settings: Settings) -> None:
    """The hub is pinged with the key's own topic when the key is pushed a change, and fetches
    it without a token; a wrong signature or a revoked key gets nothing."""
    hub = Receiver(PORT + 1)
    callback = Receiver(PORT + 2)
    rt = Runtime.start(
        settings.model_copy(
            update={"push_allow_private": True, "websub_hubs": (f"http://127.0.0.1:{PORT + 1}/",)}
        )
    )
    rt.pusher.start()
    try:
        with session_scope(rt.sessions) as session:
            publisher = auth(create_key(session, name="cms", role="publisher")[1])
            key, token = create_key(session, name="outlet", role="partner", languages=["ja"])
        with TestClient(create_app(runtime=rt, worker_threads=1)) as client:
            url = f"http://127.0.0.1:{PORT + 2}/hook"
            client.put("/v1/push", json={"url": url}, headers=auth(token))
            topics = client.get("/v1/push/topics", headers=auth(token)).json()
            assert len(topics) == 3 and all("/websub/" in t for t in topics)
            client.post("/v1/articles", json=article("w1"), headers=publisher)

            def pinged() -> set[str]:
                with hub.lock:
                    return {parse_qs(b.decode())["hub.url"][0] for _, _, b in hub.received}

            wait_for(lambda: set(topics) <= pinged(), "the hub pinged with the key's topics")
            path = topics[0].replace(rt.settings.public_url.rstrip("/"), "")
            fetched = client.get(path)  # no token: the signed path is the credential
            assert fetched.status_code == 200 and "urn:kakehashi:article:w1:ja" in fetched.text
            forged = path.replace(path.split("/")[3], "0" * 32)
            assert client.get(forged).status_code == 404
            assert client.get(path.replace("/ja.", "/en.")).status_code == 404
            with session_scope(rt.sessions) as session:
                revoke_key(session, key.id)
            assert client.get(path).status_code == 404
    finally:
        rt.close()
        hub.close()
        callback.close()
