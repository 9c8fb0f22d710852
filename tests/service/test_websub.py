"""WebSub pings as outbox rows, sent by the delivery sender to a real HTTP server on 127.0.0.1
acting as the hub: one form POST per hub and topic, retried with the one backoff policy, kept as
a dead letter when refused, and never lost to a restart."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from feeds import FORMATS
from service.jobs import notices
from service.jobs.notices import HUB, PENDING, Sender
from service.runtime import Runtime
from service.settings import Settings
from service.store import db
from service.store.db import session_scope
from service.store.tables import Delivery, utcnow
from service.syndication import versions as feed_versions
from service.syndication import websub
from service.syndication.websub import public_topic

EN_ATOM = "https://feeds.example.org/feeds/en.atom"
EN_RSS = "https://feeds.example.org/feeds/en.rss"
HANG = -1  # a scripted "status" that makes the hub hold the request until released


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class Hub:
    """A hub that records every request and answers from a script (then with `default`)."""

    url: str = ""
    default: int = 204
    script: deque[int] = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, *statuses: int) -> None:
        self.script.extend(statuses)

    def topics(self) -> list[str]:
        with self.lock:
            return [topic for r in self.requests for topic in r.form.get("hub.url", [])]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hub: Hub

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and left: expected in these tests


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        hub = self.server.hub
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        with hub.lock:
            hub.requests.append(
                Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    parse_qs(body, keep_blank_values=True),
                )
            )
            status = hub.script.popleft() if hub.script else hub.default
        hub.arrived.set()
        if status == HANG:
            hub.release.wait(10)
            status = hub.default
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve() -> Iterator[Hub]:
    hub = Hub()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.hub = hub
    hub.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield hub
    finally:
        hub.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def hub() -> Iterator[Hub]:
    yield from _serve()


@pytest.fixture
def other_hub() -> Iterator[Hub]:
    yield from _serve()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@dataclass
class Outbox:
    sessions: sessionmaker[Session]
    sender: Sender

    def record(self, hubs: list[str], topics: list[str]) -> int:
        with session_scope(self.sessions) as session:
            return websub.record(session, hubs, topics)

    def rows(self) -> list[Delivery]:
        with self.sessions() as session:
            found = list(session.scalars(select(Delivery).where(Delivery.target == HUB)))
            session.expunge_all()
            return found

    def drain(self, timeout: float = 10.0) -> None:
        """Send what is due until nothing is pending (retries are due within milliseconds)."""
        deadline = time.monotonic() + timeout
        while True:
            # What the relay and the deliver actor do, in this thread: each due row, once.
            with self.sessions() as session:
                due = session.execute(notices.due_rows(utcnow(), limit=100)).tuples().all()
            for delivery_id, attempts in due:
                self.sender.send(delivery_id, attempts)
            with self.sessions() as session:
                pending = session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.state == PENDING)
                )
            if not pending:
                return
            assert time.monotonic() < deadline, "pings still pending"
            time.sleep(0.01)


@pytest.fixture
def outbox(settings: Settings) -> Iterator[Outbox]:
    quick = settings.model_copy(update={"notice_backoff_seconds": 0.01, "notice_max_attempts": 3})
    engine = db.make_engine(quick.resolved_database_url)
    sessions = db.make_sessionmaker(engine)
    sender = Sender(sessions, quick)
    yield Outbox(sessions, sender)
    sender.close()
    engine.dispose()


def test_publish_ping_is_a_form_post_with_mode_and_url(hub: Hub, outbox: Outbox) -> None:
    assert outbox.record([hub.url], [EN_ATOM]) == 1
    outbox.drain()
    [request] = hub.requests
    assert (request.method, request.path) == ("POST", "/hub")
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.form == {"hub.mode": ["publish"], "hub.url": [EN_ATOM]}
    assert request.headers["user-agent"].startswith("kakehashi-websub/")
    [row] = outbox.rows()
    assert (row.state, row.attempts, row.last_status) == ("delivered", 1, 204)


def test_one_request_per_topic_and_per_hub(hub: Hub, other_hub: Hub, outbox: Outbox) -> None:
    assert outbox.record([hub.url, other_hub.url], [EN_ATOM, EN_RSS]) == 4
    outbox.drain()
    assert sorted(hub.topics()) == sorted(other_hub.topics()) == sorted([EN_ATOM, EN_RSS])
    assert all(len(r.form["hub.url"]) == 1 for r in hub.requests + other_hub.requests)


def test_query_and_token_never_reach_the_hub_or_the_log(
    hub: Hub, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hub.answer(500, 500, 500)  # failures are logged: the log must not carry the token either
    outbox.record([hub.url], [f"{EN_ATOM}?token=secret-token#frag"])
    outbox.drain()
    assert hub.topics() == [EN_ATOM] * 3
    assert "secret-token" not in caplog.text
    assert "secret-token" not in str([row.payload for row in outbox.rows()])


@pytest.mark.parametrize("first", [503, 429])
def test_retries_after_503_or_429_then_succeeds(hub: Hub, outbox: Outbox, first: int) -> None:
    hub.answer(first)
    outbox.record([hub.url], [EN_ATOM])
    outbox.drain()
    assert hub.topics() == [EN_ATOM, EN_ATOM]
    [row] = outbox.rows()
    assert (row.state, row.attempts, row.last_status) == ("delivered", 2, 204)


def test_gives_up_after_max_attempts_into_a_dead_letter(hub: Hub, outbox: Outbox) -> None:
    hub.default = 500
    outbox.record([hub.url], [EN_ATOM])
    outbox.drain()
    assert hub.topics() == [EN_ATOM] * 3  # notice_max_attempts
    [row] = outbox.rows()
    assert (row.state, row.attempts, row.last_error) == ("failed", 3, "HTTP 500")


def test_client_error_is_not_retried(hub: Hub, outbox: Outbox) -> None:
    hub.default = 400
    outbox.record([hub.url], [EN_ATOM])
    outbox.drain()
    assert hub.topics() == [EN_ATOM]
    [row] = outbox.rows()
    assert (row.state, row.attempts, row.last_status) == ("failed", 1, 400)


def test_unreachable_hub_is_retried_then_given_up(outbox: Outbox) -> None:
    outbox.record([f"http://127.0.0.1:{_closed_port()}/hub"], [EN_ATOM])
    outbox.drain()
    [row] = outbox.rows()
    assert (row.state, row.attempts, row.last_status) == ("failed", 3, None)
    assert row.last_error and "Connect" in row.last_error


def test_a_failing_hub_does_not_affect_another(hub: Hub, other_hub: Hub, outbox: Outbox) -> None:
    hub.default = 500
    outbox.record([hub.url, other_hub.url], [EN_ATOM])
    outbox.drain()
    assert other_hub.topics() == [EN_ATOM]
    states = {row.url: row.state for row in outbox.rows()}
    assert states == {hub.url: "failed", other_hub.url: "delivered"}


def test_duplicate_pending_topics_are_coalesced(hub: Hub, outbox: Outbox) -> None:
    assert outbox.record([hub.url], [EN_ATOM, EN_ATOM]) == 1
    assert outbox.record([hub.url], [EN_ATOM]) == 0  # still waiting: not queued twice
    outbox.drain()
    assert hub.topics() == [EN_ATOM]
    assert outbox.record([hub.url], [EN_ATOM]) == 1  # a change after the ping: pinged again
    outbox.drain()
    assert hub.topics() == [EN_ATOM, EN_ATOM]


def test_what_is_not_a_url_is_not_recorded(hub: Hub, outbox: Outbox) -> None:
    assert outbox.record([hub.url], ["not a url", "ftp://x/y", EN_RSS]) == 1
    assert outbox.record([], [EN_RSS]) == 0  # no hubs: nothing at all
    outbox.drain()
    assert hub.topics() == [EN_RSS]


def test_public_topic_strips_query_and_fragment() -> None:
    assert public_topic("https://a.example/feeds/en.atom?token=x#y") == (
        "https://a.example/feeds/en.atom"
    )
    assert public_topic("https://a.example") == "https://a.example/"
    assert public_topic("mailto:x@example.org") is None


def test_a_ping_survives_a_restart(hub: Hub, settings: Settings) -> None:
    """The ping is written with the change; the process that made it stops before anyone
    sends it; the next process with workers sends it (from the queue or from its row)."""
    configured = settings.model_copy(update={"websub_hubs": (hub.url,)})
    first = Runtime.start(configured)
    first.reactions  # noqa: B018 - registered with the engine at start
    hub.default = 503  # the hub is down while the first process lives
    try:
        with session_scope(first.sessions) as session:
            feed_versions.bump(session, ["en"])
        pending = [row for row in _hub_rows(first) if row.state == PENDING]
        assert {row.payload["topic"] for row in pending} == {
            f"{configured.public_url.rstrip('/')}/feeds/en.{fmt}" for fmt in FORMATS
        }
    finally:
        first.close()
    hub.default = 204
    second = Runtime.start(configured)
    pool = second.worker_pool(1)
    pool.start()
    try:
        deadline = time.monotonic() + 90  # a message lost with Redis is relayed after its claim
        while any(row.state == PENDING for row in _hub_rows(second)):
            assert time.monotonic() < deadline, "the ping was lost with its process"
            time.sleep(0.1)
        assert {row.state for row in _hub_rows(second)} == {"delivered"}
        assert sorted(set(hub.topics())) == sorted(row.payload["topic"] for row in pending)
    finally:
        pool.stop()
        second.close()


def _hub_rows(runtime: Runtime) -> list[Delivery]:
    with runtime.sessions() as session:
        rows = list(session.scalars(select(Delivery).where(Delivery.target == HUB)))
        session.expunge_all()
        return rows


def test_a_publish_pings_every_language_whose_feed_moved(hub: Hub, settings: Settings) -> None:
    """Issue 17: publishing bumped the feed versions of `ja` and every target language but
    pinged the hubs for `ja` only. The pings now follow the bump itself."""
    from fastapi.testclient import TestClient

    from service.access.api_keys import create_key
    from service.web.app import create_app
    from tests.service.conftest import article, auth

    configured = settings.model_copy(update={"websub_hubs": (hub.url,)})
    runtime = Runtime.start(configured)
    try:
        with session_scope(runtime.sessions) as session:
            publisher = create_key(session, name="cms", role="publisher")[1]
            admin = create_key(session, name="ops", role="admin")[1]
        with TestClient(create_app(runtime=runtime)) as client:
            posted = client.post("/v1/articles", json=article("w-1"), headers=auth(publisher))
            assert posted.status_code == 202, posted.text
            # The operator sees the pings in the delivery log, as notices are.
            logged = client.get("/v1/deliveries", params={"target": "hub"}, headers=auth(admin))
            assert logged.status_code == 200, logged.text
            assert len(logged.json()) == len(FORMATS) * (1 + len(configured.target_languages))
            assert {d["target"] for d in logged.json()} == {"hub"}
        base = configured.public_url.rstrip("/")
        topics = {row.payload["topic"] for row in _hub_rows(runtime)}
        assert topics == {
            f"{base}/feeds/{lang}.{fmt}"
            for lang in ("ja", *configured.target_languages)
            for fmt in FORMATS
        }
    finally:
        runtime.close()


def test_a_hanging_hub_does_not_hold_up_another(
    hub: Hub, other_hub: Hub, settings: Settings
) -> None:
    """A hub that holds its request open takes one of the deliver actor's threads, not all:
    the other hub is told meanwhile."""
    configured = settings.model_copy(update={"websub_hubs": (hub.url, other_hub.url)})
    hub.answer(HANG)
    runtime = Runtime.start(configured)
    pool = runtime.worker_pool(1)
    pool.start()
    try:
        with session_scope(runtime.sessions) as session:
            feed_versions.bump(session, ["en"])
        assert hub.arrived.wait(30)  # the first hub holds its first request
        deadline = time.monotonic() + 5  # the hanging attempt times out only at 10 s
        while len(other_hub.topics()) < len(FORMATS):
            assert time.monotonic() < deadline, "the other hub waited behind the hanging one"
            time.sleep(0.05)
        assert not hub.release.is_set()  # ... while the first still hung
    finally:
        hub.release.set()
        pool.stop()
        runtime.close()
