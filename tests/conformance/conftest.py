"""The conformance stage's fixtures: one seeded service per package run, served by uvicorn on
a free port (real Redis, real database, real tiny CTranslate2 model), for real clients.

Built once for every test here (seeding runs the worker on the tiny model, a few seconds), so
the fixtures are package-scoped and use their own Redis database flush and database copy.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import uvicorn
from fastapi.testclient import TestClient

from service.app import create_app
from service.runtime import Runtime
from service.settings import Settings
from tests.conformance.corpus import Corpus, seed
from tests.service.conftest import _fresh_database, redis_url, template_database
from translators.package import install

__all__ = ["redis_url", "template_database"]  # the session fixtures, shared with tests/service


class LiveServer:
    """uvicorn serving the app on a free port of 127.0.0.1 in a thread, as `kakehashi serve`.
    The socket is bound first so that the service's public URL can name its port."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self, runtime: Runtime) -> None:
        config = uvicorn.Config(
            create_app(runtime=runtime), log_level="warning", lifespan="on", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=20)
        self.sock.close()


class Service:
    """The seeded service: its URL, the corpus and a client for it."""

    def __init__(self, url: str, runtime: Runtime, corpus: Corpus) -> None:
        self.url = url
        self.runtime = runtime
        self.corpus = corpus
        self.http = httpx.Client(base_url=url, timeout=60)

    def get(self, path: str, token: str | None = "partner", **headers: str) -> httpx.Response:
        """GET as a feed reader would: the token (by name in the corpus) in the query."""
        params = {"token": self.corpus.tokens[token]} if token else {}
        return self.http.get(path, params=params, headers=headers)


@pytest.fixture(scope="package")
def service(
    tmp_path_factory: pytest.TempPathFactory,
    template_database: str,
    redis_url: str,
    tiny_package_zip: Path,
) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("conformance")
    live = LiveServer()
    flushed = redis.Redis.from_url(redis_url)
    flushed.flushdb()
    flushed.close()
    with contextlib.ExitStack() as stack:
        stack.callback(live.stop)
        database_url = stack.enter_context(_fresh_database(tmp, template_database))
        settings = Settings(
            data_dir=tmp / "data",
            database_url=database_url,
            redis_url=redis_url,
            target_languages=("en", "fr"),
            public_url=live.url,
            sweep_interval=0.2,
            argos_packages_dir=tmp / "no-argos",
            _env_file=None,  # type: ignore[call-arg]
        )
        runtime = Runtime.start(settings)
        stack.callback(runtime.close)
        install(tiny_package_zip, settings.resolved_models_dir)
        with TestClient(create_app(runtime=runtime)) as client:
            corpus = seed(client, runtime)
        live.start(runtime)
        running = Service(live.url, runtime, corpus)
        stack.callback(running.http.close)
        yield running
