"""What the service tests share besides conftest's fixtures: storing a translation as a worker
would, running the queued jobs in the test's thread, waiting for a condition, a real HTTP server
standing in for the CMS and the review desk, a registry that records what its engines are asked,
and the feed hot path called without an HTTP server. Test files import these from here, never
from one another."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, MutableMapping
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.errors import DomainError
from service.jobs.engines import EngineRegistry
from service.jobs.states import JobState
from service.jobs.translate_job import StoredText, record_translation, run_job
from service.review import desk as reviews
from service.runtime import Runtime
from service.settings import Settings
from service.store.db import session_scope
from service.store.tables import Article, Job, Revision, Translation, utcnow
from service.web.http_errors import headers_of, status_of
from service.web.routes.feed_endpoint import FeedEndpoint
from tests.fakes import RecordingEngine
from tests.service.conftest import auth
from tests.service.processes import free_port
from translators.engine import Engine
from translators.route import Route


def translate_directly(
    runtime: Runtime,
    article_id: str,
    lang: str,
    *,
    needs_review: bool = False,
    title: str | None = None,
    age: timedelta = timedelta(0),
    body: str = "First.\n\nSecond.",
    body_format: str = "text",
) -> None:
    """Store a translation as a worker would (the worker itself is tested elsewhere)."""
    with session_scope(runtime.sessions) as session:
        a = session.get(Article, article_id)
        assert a is not None
        r = session.scalars(
            select(Revision).where(
                Revision.article_id == article_id, Revision.number == a.current_revision
            )
        ).one()
        record_translation(
            session,
            runtime.settings.target_languages,
            StoredText(
                article_id=article_id,
                revision_id=r.id,
                lang=lang,
                title=title or f"[{lang}] {r.title}",
                summary=None,
                body=body,
                body_format=body_format,
                report={},
                needs_review=needs_review,
                route=["ja", lang],
                model="test@1",
            ),
            utcnow() - age,
        )
        if not needs_review:  # what default partners see, as the worker publishes it
            t = session.scalars(
                select(Translation).where(Translation.revision_id == r.id, Translation.lang == lang)
            ).one()
            reviews.publish(session, t, r.number, now=t.updated_at)


def run_queued(runtime: Runtime, lang: str | None = None) -> int:
    """Run every queued job (of `lang`, when given) in this thread; how many there were."""
    stmt = select(Job.id).where(Job.state == JobState.QUEUED)
    if lang is not None:
        stmt = stmt.where(Job.target_lang == lang)
    with runtime.sessions() as session:
        ids = list(session.scalars(stmt))
    for job_id in ids:
        run_job(runtime.jobs, job_id)
    return len(ids)


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Receiver:
    """A real HTTP server recording each POST; `fail_first[path]` answers 500 that often."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.fail_first: dict[str, int] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.received.append((self.path, dict(self.headers), body))
                    left = receiver.fail_first.get(self.path, 0)
                    receiver.fail_first[self.path] = left - 1
                self.send_response(500 if left > 0 else 204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(body) for p, _, body in self.received if p == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def queue(client: TestClient, token: str, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/reviews", params=params, headers=auth(token))
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


class RecordingRegistry(EngineRegistry):
    """The installed models, each wrapped in a RecordingEngine (injected into the runtime)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.recorders: dict[str, RecordingEngine] = {}

    def engine(self, target: str, source: str = "ja") -> Engine | None:
        real = super().engine(target, source)
        if real is None or isinstance(real, Route):
            return real
        if target not in self.recorders:
            self.recorders[target] = RecordingEngine(real)
        return self.recorders[target]


class HotApp:
    """Stands for the app: holds the runtime; `route` records what reaches the feed route."""

    def __init__(self, runtime: Runtime) -> None:
        self.state = type("State", (), {"runtime": runtime})()
        self.reached: list[str] = []

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        self.reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def hot_call(
    hot: FeedEndpoint,
    app: HotApp,
    path: str,
    query: str = "",
    headers: dict[str, str] | None = None,
    address: str = "10.0.0.1",
) -> tuple[int, dict[bytes, bytes], bytes]:
    lang, _, fmt = path.removeprefix("/feeds/").partition(".")
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "path_params": {"lang": lang, "fmt": fmt},
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": (address, 1234),
        "app": app,
    }
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    try:
        asyncio.run(hot(scope, receive, send))
    except DomainError as exc:  # what the app's handlers would answer (service.web.http_errors)
        found = {k.lower().encode(): v.encode() for k, v in (headers_of(exc) or {}).items()}
        return status_of(exc), found, exc.message.encode()
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def hot_endpoint(runtime: Runtime) -> tuple[FeedEndpoint, HotApp]:
    app = HotApp(runtime)
    return FeedEndpoint({"GET": app, "HEAD": app}), app  # type: ignore[dict-item]
