"""Issue 19 item 6: a short database outage (a PostgreSQL restart: every connection dropped,
new ones refused for 3 s) costs the queued jobs seconds. The claim used to raise a database
error the actor did not retry: "Retries exceeded", and the rows waited for the sweeper's
max(lease, 300 s).

The outage is made at the driver's connect (the dialect's own OperationalError, as a refused
connection raises) after the pool's connections are dropped, on the real database."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from service.runtime import Runtime
from service.store.tables import Job
from service.web.app import create_app
from tests.service.conftest import article, auth

pytestmark = [pytest.mark.fault, pytest.mark.slow]


@contextmanager
def outage(runtime: Runtime) -> Iterator[threading.Event]:
    """While the yielded event is unset, no new connection opens (open ones are dropped)."""
    over = threading.Event()
    engine = runtime.db_engine

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        if over.is_set():
            return None
        if engine.dialect.name == "sqlite":
            raise sqlite3.OperationalError("unable to open database file")
        import psycopg

        raise psycopg.OperationalError("connection refused: the database system is starting up")

    event.listen(engine, "do_connect", refuse)
    engine.pool.dispose()
    try:
        yield over
    finally:
        over.set()
        event.remove(engine, "do_connect", refuse)


def test_jobs_claimed_during_a_3_second_outage_finish_in_seconds(
    runtime: Runtime,
    installed_en: None,
    tokens: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with TestClient(create_app(runtime=runtime)) as client:
        for n in range(6):
            posted = client.post(
                "/v1/articles", json=article(f"o-{n}"), headers=auth(tokens["publisher"])
            )
            assert posted.status_code == 202, posted.text
    caplog.set_level(logging.WARNING)
    pool = runtime.worker_pool(2)
    with outage(runtime) as over:
        pool.start()  # the workers fetch the messages and try to claim them: refused
        time.sleep(3)
        over.set()
    began = time.monotonic()
    try:
        while True:
            with runtime.sessions() as session:
                states = list(session.scalars(select(Job.state).where(Job.target_lang == "en")))
            if states and all(s in ("done", "failed") for s in states):
                break
            assert time.monotonic() - began < 40, states
            time.sleep(0.2)
    finally:
        pool.stop()
    assert set(states) == {"done"}, states
    assert "Retries exceeded" not in caplog.text
    print(f"\n3 s outage: the 6 jobs were done {time.monotonic() - began:.1f} s after it ended")
