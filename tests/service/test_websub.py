"""The WebSub publisher against a real HTTP server on 127.0.0.1 acting as the hub."""

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

from service.syndication.websub import WebSubPublisher, WebSubStats, public_topic

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


@pytest.fixture
def make_publisher() -> Iterator[Any]:
    made: list[WebSubPublisher] = []

    def make(hubs: list[str], **options: Any) -> WebSubPublisher:
        options.setdefault("timeout", 2.0)
        options.setdefault("backoff", 0.01)
        publisher = WebSubPublisher(hubs, **options)
        made.append(publisher)
        return publisher

    yield make
    for publisher in made:
        publisher.stop(timeout=1)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_publish_ping_is_a_form_post_with_mode_and_url(hub: Hub, make_publisher: Any) -> None:
    publisher = make_publisher([hub.url])
    publisher.start()
    publisher.notify([EN_ATOM])
    assert publisher.flush(5)

    [request] = hub.requests
    assert request.method == "POST"
    assert request.path == "/hub"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form == {"hub.mode": ["publish"], "hub.url": [EN_ATOM]}
    assert publisher.stats == WebSubStats(sent=1, failed=0, retries=0, pending=0)


def test_one_request_per_topic_and_per_hub(hub: Hub, other_hub: Hub, make_publisher: Any) -> None:
    publisher = make_publisher([hub.url, other_hub.url])
    publisher.start()
    publisher.notify([EN_ATOM, EN_RSS])
    assert publisher.flush(5)

    for h in (hub, other_hub):
        assert sorted(h.topics()) == sorted([EN_ATOM, EN_RSS])
        assert all(len(r.form["hub.url"]) == 1 for r in h.requests)
    assert publisher.stats.sent == 4


def test_query_and_token_never_reach_the_hub_or_the_log(
    hub: Hub, make_publisher: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="service.syndication.websub")
    hub.answer(503)
    publisher = make_publisher([hub.url])
    publisher.start()
    publisher.notify([EN_ATOM + "?token=kh_par_SECRET&limit=5#x"])
    assert publisher.flush(5)

    assert hub.topics() == [EN_ATOM, EN_ATOM]
    assert "SECRET" not in caplog.text
    assert (
        public_topic("http://h.example/feeds/ja.json?token=t") == "http://h.example/feeds/ja.json"
    )


@pytest.mark.parametrize("first", [503, 429])
def test_retries_after_503_or_429_then_succeeds(hub: Hub, make_publisher: Any, first: int) -> None:
    hub.answer(first, 200)
    publisher = make_publisher([hub.url], max_attempts=3)
    publisher.start()
    publisher.notify([EN_ATOM])
    assert publisher.flush(5)

    assert hub.topics() == [EN_ATOM, EN_ATOM]
    assert publisher.stats == WebSubStats(sent=1, failed=0, retries=1, pending=0)


def test_backoff_waits_between_attempts(hub: Hub, make_publisher: Any) -> None:
    hub.answer(503, 503, 204)
    publisher = make_publisher([hub.url], max_attempts=3, backoff=0.1)
    publisher.start()
    started = time.monotonic()
    publisher.notify([EN_ATOM])
    assert publisher.flush(5)

    assert time.monotonic() - started >= 0.1 + 0.2 - 0.02
    assert publisher.stats.sent == 1


def test_gives_up_after_max_attempts_of_500_without_raising(
    hub: Hub, make_publisher: Any, caplog: pytest.LogCaptureFixture
) -> None:
    hub.default = 500
    publisher = make_publisher([hub.url], max_attempts=3)
    publisher.start()
    publisher.notify([EN_ATOM])
    assert publisher.flush(5)

    assert len(hub.requests) == 3
    assert publisher.stats == WebSubStats(sent=0, failed=1, retries=2, pending=0)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("giving up" in r.getMessage() and EN_ATOM in r.getMessage() for r in warnings)


def test_client_error_is_not_retried(hub: Hub, make_publisher: Any) -> None:
    hub.answer(400)
    publisher = make_publisher([hub.url], max_attempts=3)
    publisher.start()
    publisher.notify([EN_ATOM])
    assert publisher.flush(5)

    assert len(hub.requests) == 1
    assert publisher.stats.failed == 1


def test_unreachable_hub_is_retried_then_given_up(make_publisher: Any) -> None:
    publisher = make_publisher([f"http://127.0.0.1:{_closed_port()}/hub"], max_attempts=2)
    publisher.start()
    publisher.notify([EN_ATOM])
    assert publisher.flush(5)

    assert publisher.stats == WebSubStats(sent=0, failed=1, retries=1, pending=0)


def test_a_failing_hub_does_not_affect_another(
    hub: Hub, other_hub: Hub, make_publisher: Any
) -> None:
    hub.default = 500
    publisher = make_publisher([hub.url, other_hub.url], max_attempts=2)
    publisher.start()
    publisher.notify([EN_ATOM])
    assert publisher.flush(5)

    assert other_hub.topics() == [EN_ATOM]
    assert publisher.stats.sent == 1
    assert publisher.stats.failed == 1


def test_duplicate_pending_topics_are_coalesced(hub: Hub, make_publisher: Any) -> None:
    publisher = make_publisher([hub.url])
    publisher.notify([EN_ATOM, EN_ATOM])
    publisher.notify([EN_RSS, EN_ATOM + "?token=a", EN_ATOM])
    publisher.start()
    assert publisher.flush(5)

    assert hub.topics() == [EN_ATOM, EN_RSS]


def test_a_change_during_a_ping_in_flight_is_pinged_again_once(
    hub: Hub, make_publisher: Any
) -> None:
    hub.answer(HANG)
    publisher = make_publisher([hub.url], timeout=5.0)
    publisher.start()
    publisher.notify([EN_ATOM])
    assert hub.arrived.wait(5)
    for _ in range(5):
        publisher.notify([EN_ATOM])
    assert publisher.stats.pending == 2  # the one in flight and one coalesced follow-up
    hub.release.set()
    assert publisher.flush(5)

    assert hub.topics() == [EN_ATOM, EN_ATOM]
    assert publisher.stats.sent == 2


def test_a_hanging_hub_never_blocks_notify(hub: Hub, make_publisher: Any) -> None:
    hub.answer(HANG)  # the first request hangs until the test ends; later ones are answered
    publisher = make_publisher([hub.url], timeout=0.3, max_attempts=1)
    publisher.start()
    started = time.monotonic()
    for i in range(200):
        publisher.notify([f"https://feeds.example.org/feeds/t{i % 20}.atom"])
    assert time.monotonic() - started < 0.1
    assert hub.arrived.wait(5)
    assert not publisher.flush(0.05)  # the first request is still hanging

    assert publisher.flush(10)
    assert publisher.stats == WebSubStats(sent=19, failed=1, retries=0, pending=0)


def test_stop_returns_while_a_hub_hangs(hub: Hub, make_publisher: Any) -> None:
    hub.default = HANG
    publisher = make_publisher([hub.url], timeout=5.0)
    publisher.start()
    publisher.notify([EN_ATOM, EN_RSS])
    assert hub.arrived.wait(5)
    started = time.monotonic()
    publisher.stop(timeout=0.2)
    assert time.monotonic() - started < 1.0
    publisher.notify([EN_ATOM])  # after stop: ignored, no error
    assert publisher.stats.pending <= 1


def test_notify_ignores_what_is_not_a_url(hub: Hub, make_publisher: Any) -> None:
    publisher = make_publisher([hub.url])
    publisher.start()
    publisher.notify(["feeds/en.atom", "ftp://x/feeds/en.atom", EN_RSS])
    assert publisher.flush(5)

    assert hub.topics() == [EN_RSS]


def test_no_hubs_is_a_silent_no_op() -> None:
    publisher = WebSubPublisher([])
    publisher.start()
    publisher.notify([EN_ATOM])
    assert publisher.flush(0.1)
    publisher.stop(0.1)
    assert publisher.stats == WebSubStats()


@pytest.mark.parametrize(
    "bad",
    ["ftp://hub.example.org/", "hub.example.org", "http://", "/hub", "", "javascript:alert(1)"],
)
def test_invalid_hub_url_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="http\\(s\\) URL"):
        WebSubPublisher(["https://ok.example.org/hub", bad])


def test_a_single_string_is_not_a_list_of_hubs() -> None:
    with pytest.raises(ValueError, match="sequence"):
        WebSubPublisher("https://hub.example.org/")


@pytest.mark.parametrize("options", [{"timeout": 0}, {"max_attempts": 0}, {"backoff": -1.0}])
def test_invalid_options_are_rejected(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        WebSubPublisher(["https://hub.example.org/"], **options)
