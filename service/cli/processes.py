"""Running kakehashi: `serve`, `worker`, `migrate` and `healthcheck`."""

from __future__ import annotations

import signal
import threading
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.cli._app import app, console, err, fail, settings_or_exit
from service.settings import Settings

if TYPE_CHECKING:
    pass
    from sqlalchemy import Engine


def _public_url(settings: Settings, host: str, port: int) -> Settings:
    """Feed and page links use the address `serve` listens on unless KAKEHASHI_PUBLIC_URL says."""
    if "public_url" in settings.model_fields_set:
        return settings
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:  # an IPv6 literal
        shown = f"[{shown}]"
    return settings.model_copy(update={"public_url": f"http://{shown}:{port}"})


# uvicorn's connection limits: an idle keep-alive connection is closed after 5 s; a request head
# (line and headers) past 16 KiB is answered 431 and one sent slowly is cut off after
# KAKEHASHI_HEADER_TIMEOUT (both service.web.slow_clients), and a body trickling in after
# KAKEHASHI_BODY_READ_TIMEOUT (service.web.middleware).
KEEP_ALIVE_SECONDS = 5


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="Port to listen on (default KAKEHASHI_PORT, 8000).")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes sharing the port (each also runs KAKEHASHI_WORKER_THREADS "
            "worker threads); the embedded Redis is started once, by this process.",
        ),
    ] = 1,
    log_level: Annotated[
        str | None, typer.Option(help="Log level (default KAKEHASHI_LOG_LEVEL).")
    ] = None,
) -> None:
    """Run the API with worker threads (and an embedded Redis unless KAKEHASHI_REDIS_URL is set)."""
    import uvicorn

    from service import logs
    from service.web.app import create_app
    from service.web.slow_clients import HeadTimeoutProtocol

    settings = settings_or_exit()
    port = port or settings.port
    settings = _public_url(settings, host, port)
    level = (log_level or settings.log_level).lower()
    logs.configure(level.upper(), settings.log_format)
    # One fact per line, never soft-wrapped: operators grep and copy these.
    console.print(f"kakehashi {version('kakehashi')}: data in {settings.data_dir}", soft_wrap=True)
    console.print(f"listening on http://{host}:{port}", soft_wrap=True)
    HeadTimeoutProtocol.head_timeout = settings.header_timeout
    if workers == 1:
        uvicorn.run(
            create_app(settings, freeze_heap=True),
            host=host,
            port=port,
            log_config=None,
            log_level=level,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            proxy_headers=False,  # the app applies KAKEHASHI_TRUSTED_PROXIES itself
            http=HeadTimeoutProtocol,
        )
        return
    _serve_processes(settings, host, port, workers, level)


def _serve_processes(settings: Settings, host: str, port: int, workers: int, level: str) -> None:
    """Several uvicorn processes on one port. This process migrates the store and starts the
    embedded Redis once; the children build their app from the environment, which is how
    uvicorn hands settings to the processes it spawns (so we write the resolved values there)."""
    import os

    import uvicorn

    from service.migrate import prepare_store
    from service.store import db
    from service.store.embedded_redis import EmbeddedRedis
    from service.web.slow_clients import HeadTimeoutProtocol

    engine = db.make_engine(settings.resolved_database_url)
    try:
        prepare_store(engine)
    finally:
        engine.dispose()
    embedded = None
    redis_url = settings.redis_url
    if redis_url is None:
        embedded = EmbeddedRedis(settings.data_dir)
        redis_url = embedded.url
    os.environ.update(
        {
            "KAKEHASHI_REDIS_URL": redis_url,
            "KAKEHASHI_PUBLIC_URL": settings.public_url,
            "KAKEHASHI_LOG_LEVEL": level,
        }
    )
    try:
        uvicorn.run(
            "service.web.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            log_level=level,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            proxy_headers=False,  # the app applies KAKEHASHI_TRUSTED_PROXIES itself
            http=HeadTimeoutProtocol,
        )
    finally:
        if embedded is not None:
            embedded.close()


@app.command()
def migrate(
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            help="Seconds to keep retrying while the database refuses connections (a "
            "database container still starting); 0: fail at once.",
        ),
    ] = 0.0,
) -> None:
    """Migrate the store of record to the newest schema and load the shipped glossary once.

    Safe to run at any time and from several processes at once (they take turns on a lock);
    `serve` and `worker` do the same on start, so this is for a one-shot deploy step.
    """
    from service.migrate import prepare_store
    from service.store import db

    settings = settings_or_exit()
    engine = db.make_engine(settings.resolved_database_url)
    try:
        _wait_for_database(engine, wait)
        seeded = prepare_store(engine)
        with engine.connect() as connection:
            from alembic.migration import MigrationContext

            head = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    console.print(
        f"database at revision {head}"
        + (f"; loaded {seeded} shipped glossary entries" if seeded else "")
    )


@app.command()
def worker(
    threads: Annotated[int, typer.Option(min=1, help="Worker threads in this process.")] = 2,
    heartbeat_file: Annotated[
        Path | None,
        typer.Option(
            help="Touch this file every few seconds while the worker is healthy (for a "
            "container healthcheck: kakehashi healthcheck --heartbeat-file FILE)."
        ),
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="Log level (default KAKEHASHI_LOG_LEVEL).")
    ] = None,
) -> None:
    """Run translation workers alone, against the configured database and Redis."""
    from service import logs
    from service.runtime import Runtime

    settings = settings_or_exit()
    logs.configure((log_level or settings.log_level).upper(), settings.log_format)
    runtime = Runtime.start(settings)
    pool = runtime.worker_pool(threads)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    pool.start()
    console.print(f"kakehashi worker: {threads} threads; Ctrl-C to stop")
    dead = 0
    try:
        while not stop.wait(HEARTBEAT_SECONDS):
            if pool.healthy():
                dead = 0
                if heartbeat_file is not None:
                    heartbeat_file.touch()
                continue
            dead += 1
            if dead >= DEAD_POOL_CHECKS:
                err.print("kakehashi worker: its threads died; exiting so it is restarted")
                raise typer.Exit(1)
    finally:
        pool.stop()
        runtime.close()


HEARTBEAT_SECONDS = 5.0
DEAD_POOL_CHECKS = 3
"""A worker whose threads stay dead for this many heartbeats exits (status 1), so its
supervisor (compose's restart policy, systemd) starts a new one instead of leaving an
unhealthy process up."""


def _wait_for_database(engine: Engine, seconds: float) -> None:
    """Connect, retrying with backoff for up to `seconds` while the server is not there yet."""
    import time

    from sqlalchemy.exc import OperationalError

    deadline = time.monotonic() + seconds
    delay = 0.5
    while True:
        try:
            with engine.connect():
                return
        except OperationalError as exc:
            if time.monotonic() + delay > deadline:
                raise fail(f"the database does not answer: {exc.orig}") from exc
            err.print(f"waiting for the database ({exc.orig}); retrying in {delay:.1f} s")
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


@app.command()
def healthcheck(
    url: Annotated[
        str | None, typer.Option(help="An HTTP URL that must answer 200, e.g. /healthz.")
    ] = None,
    heartbeat_file: Annotated[
        Path | None, typer.Option(help="A worker's heartbeat file that must be fresh.")
    ] = None,
    max_age: Annotated[float, typer.Option(help="Seconds a heartbeat may be old.", min=1)] = 30.0,
) -> None:
    """Exit 0 when the API answers (--url) or a worker's heartbeat is fresh (--heartbeat-file).
    Containers use the cheaper `python -m service.probe`, which checks the same."""
    from service.probe import check_heartbeat, check_http

    if url is None and heartbeat_file is None:
        raise fail("give --url or --heartbeat-file", 2)
    problem = check_heartbeat(heartbeat_file, max_age) if heartbeat_file is not None else None
    if problem is None and url is not None:
        problem = check_http(url)
    if problem is not None:
        raise fail(problem)
    console.print("healthy")
