"""The app factory: `create_app(settings)` builds an isolated ASGI app; nothing at import time.

Run with `uvicorn --factory service.web.app:create_app` or `kakehashi serve`.
"""

from __future__ import annotations

import gc
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from service import errors
from service.runtime import Runtime
from service.settings import Settings
from service.web.allow import AllowOptions
from service.web.http_errors import error_response, headers_of, install_handlers, status_of
from service.web.middleware import BodySizeLimit
from service.web.openapi import install_docs
from service.web.routes import (
    articles,
    deliveries,
    editor,
    feed_endpoint,
    feeds,
    glossaries,
    health,
    impact,
    items,
    jobs,
    memory,
    metrics,
    pages,
    partner_view,
    push,
    reviews,
    topics,
    translate,
    usage,
    whoami,
)

log = logging.getLogger(__name__)


# Recent FastAPI wraps every request in an OpenTelemetry check that reads the environment and the
# global providers (a third of a cached 304's time in process); kakehashi exports no telemetry.
_NO_TELEMETRY: dict[str, object] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


# The routers in the order they are matched; the feed hot path is mounted in front of `feeds`.
_ROUTERS = (
    articles,
    items,
    jobs,
    reviews,
    memory,
    deliveries,
    push,
    topics,
    usage,
    partner_view,
    glossaries,
    impact,
    whoami,
    translate,
    pages,
    feeds,
    health,
    metrics,
    editor,
)


class App(FastAPI):
    """FastAPI with the feed hot path at its front door: a bodiless GET or HEAD of a feed is
    answered by `feed_endpoint.FeedEndpoint` before the middleware stack (issue 18: the stack's
    layers were most of a cached answer's time), and handed to the stack when the route must
    render it. Behind named proxies the client's address is taken first, for both."""

    feed_endpoint: feed_endpoint.FeedEndpoint | None = None
    _entry: ASGIApp | None = None

    def trust_proxies(self, hosts: list[str]) -> None:
        """Take the client address from X-Forwarded-For when the peer is one of `hosts`."""
        # uvicorn's ASGI types are narrower than Starlette's; the callables are the same.
        front_door = cast(Any, self._front_door)
        self._entry = cast(ASGIApp, ProxyHeadersMiddleware(front_door, trusted_hosts=hosts))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self._entry or self._front_door)(scope, receive, send)

    async def _front_door(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.feed_endpoint
        params = endpoint.takes(scope) if endpoint is not None else None
        if endpoint is not None and params is not None:
            scope["app"] = self
            scope["path_params"] = params
            try:
                if await endpoint.answer(scope, send):
                    return
            # The endpoint sends only as its last step: whatever it raises, nothing was sent.
            except errors.DomainError as exc:  # a refusal: the JSON the app's handlers give
                status = status_of(exc)
                response = error_response(
                    status, exc.code, exc.message, exc.details, headers_of(exc)
                )
                await response(scope, receive, send)
                return
            except (
                Exception
            ):  # the store unreachable...: redone by the stack, whose handlers answer
                scope.get("state", {}).pop(feed_endpoint.STATE_KEY, None)
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    worker_threads: int | None = None,
    freeze_heap: bool = False,
) -> App:
    """An app over `runtime` (or one it starts from `settings`).

    An app that starts its own runtime also runs `settings.worker_threads` worker threads and
    the outbox relay; one handed a runtime (tests) runs them only when `worker_threads` is set.
    `freeze_heap` (a server process's app: `kakehashi serve`) moves what exists once started
    out of the garbage collector's sight (`gc.freeze`): a full collection over the imported
    libraries and the runtime took ~100 ms every few seconds under load, the hot path's p99
    (63 ms, 6.5 ms frozen, in one process at 21k req/s).
    """
    settings = settings or (runtime.settings if runtime else Settings())
    app = App(
        **_NO_TELEMETRY,  # type: ignore[arg-type]
        title="kakehashi",
        summary="Japanese journalism, translated offline with exact terminology, as feeds.",
        version="0.1.0",
        lifespan=_lifespan(settings, runtime, worker_threads, freeze_heap),
        docs_url=None,
        redoc_url=None,
    )
    if runtime is not None:
        app.state.runtime = runtime
    _add_middleware(app, settings)
    install_handlers(app)
    install_docs(app)
    for module in _ROUTERS:
        app.include_router(module.router)
    # The feed hot path: at the app's front door, and in front of the feed route.
    app.feed_endpoint = feed_endpoint.mount(app, feeds.router)
    return app


def _lifespan(
    settings: Settings, runtime: Runtime | None, worker_threads: int | None, freeze_heap: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: the runtime (started here unless handed one) and the worker pool."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = runtime is None
        rt = runtime or Runtime.start(settings)
        app.state.runtime = rt
        rt.feed_versions  # noqa: B018  # start watching the feed versions before any request
        threads = settings.worker_threads if worker_threads is None else worker_threads
        pool = rt.worker_pool(threads) if own or worker_threads else None
        if pool is not None:
            pool.start()
        app.state.pool = pool  # /healthz fails when its threads die
        if freeze_heap:  # not in tests: what a test leaves would never be collected
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if pool is not None:
                pool.stop()
            if own:
                rt.close()

    return lifespan


def _add_middleware(app: App, settings: Settings) -> None:
    """Body size and read-time limits, OPTIONS answers and, behind a named proxy, the client's
    own address (the last added runs first; the proxies' in front of the front door)."""
    import_limit = max(settings.max_body_bytes, glossaries.IMPORT_BODY_BYTES)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        overrides=[(glossaries.IMPORT_PATH, import_limit)],
        read_timeout=settings.body_read_timeout,
    )
    app.add_middleware(AllowOptions)
    if settings.trusted_proxies:
        # The client address (abuse limits, logs) from X-Forwarded-For, only when the peer is
        # a proxy the operator named; uvicorn's own copy of this is switched off in `serve`.
        app.trust_proxies(list(settings.trusted_proxies))


def create_app_from_env() -> App:
    """The app of one process of `kakehashi serve --workers N`: settings and log level from the
    environment (the parent process wrote the resolved values there)."""
    from service import logs
    from service.web.slow_clients import HeadTimeoutProtocol

    settings = Settings()
    logs.configure(settings.log_level.upper(), settings.log_format)
    HeadTimeoutProtocol.head_timeout = settings.header_timeout  # this process's connections
    return create_app(settings, freeze_heap=True)
