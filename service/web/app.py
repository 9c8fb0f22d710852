"""The app factory: `create_app(settings)` builds an isolated ASGI app; nothing at import time.

Run with `uvicorn --factory service.web.app:create_app` or `kakehashi serve`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from service.runtime import Runtime
from service.settings import Settings
from service.web.allow import AllowOptions
from service.web.http_errors import install_handlers
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


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    worker_threads: int | None = None,
) -> FastAPI:
    """An app over `runtime` (or one it starts from `settings`).

    An app that starts its own runtime also runs `settings.worker_threads` worker threads and
    the outbox relay; one handed a runtime (tests) runs them only when `worker_threads` is set.
    """
    settings = settings or (runtime.settings if runtime else Settings())
    app = FastAPI(
        **_NO_TELEMETRY,  # type: ignore[arg-type]
        title="kakehashi",
        summary="Japanese journalism, translated offline with exact terminology, as feeds.",
        version="0.1.0",
        lifespan=_lifespan(settings, runtime, worker_threads),
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
    feed_endpoint.mount(app, feeds.router)  # the feed hot path, in front of the feed route
    return app


def _lifespan(
    settings: Settings, runtime: Runtime | None, worker_threads: int | None
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
        try:
            yield
        finally:
            if pool is not None:
                pool.stop()
            if own:
                rt.close()

    return lifespan


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Body size and read-time limits, OPTIONS answers and, behind a named proxy, the client's
    own address (the last added runs first)."""
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
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))


def create_app_from_env() -> FastAPI:
    """The app of one process of `kakehashi serve --workers N`: settings and log level from the
    environment (the parent process wrote the resolved values there)."""
    from service import logs
    from service.web.slow_clients import HeadTimeoutProtocol

    settings = Settings()
    logs.configure(settings.log_level.upper(), settings.log_format)
    HeadTimeoutProtocol.head_timeout = settings.header_timeout  # this process's connections
    return create_app(settings)
