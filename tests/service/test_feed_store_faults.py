"""Feeds when the store fails (issue 19.5): 503 with Retry-After, never 500, on the hot path
and the route alike; and after a PostgreSQL restart (its connections terminated) the first
feed request is answered, not a 500 on a stale connection."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service.app import create_app
from service.runtime import Runtime
from service.settings import Settings
from tests.service.conftest import ENV_DB, auth


@pytest.fixture
def broken_store(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """An app whose store cannot be reached: PostgreSQL on a closed port, or a SQLite path
    that is a folder ("unable to open database file")."""
    if os.environ.get(ENV_DB):
        url = make_url(settings.resolved_database_url).set(port=1).render_as_string(False)
    else:
        folder = tmp_path / "not-a-file"
        folder.mkdir()
        url = f"sqlite:///{folder}"
    runtime = Runtime.start(settings.model_copy(update={"database_url": url}), migrate=False)
    try:
        with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as client:
            yield client
    finally:
        runtime.close()


def test_feeds_answer_503_when_the_store_is_unreachable(broken_store: TestClient) -> None:
    for method, path, headers in (
        ("GET", "/feeds/en.json?token=kh_par_x", {}),
        ("GET", "/feeds/en.rss", auth("kh_par_y")),
        ("HEAD", "/feeds/ja.atom?token=kh_par_z", {}),
    ):
        answer = broken_store.request(method, path, headers=headers)
        assert answer.status_code == 503, (method, path, answer.status_code, answer.text)
        assert int(answer.headers["retry-after"]) > 0
        if method == "GET":
            assert answer.json()["error"]["code"] == "database_unavailable"


def _terminate_connections(database_url: str) -> int:
    name = make_url(database_url).database
    admin = create_engine(os.environ[ENV_DB], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                ).all()
            )
    finally:
        admin.dispose()


@pytest.mark.skipif(not os.environ.get(ENV_DB), reason="needs PostgreSQL (KAKEHASHI_DATABASE_URL)")
def test_the_first_feed_request_after_a_postgresql_restart_is_answered(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    token = tokens["partner"]
    assert client.get("/feeds/ja.json", params={"token": token}).status_code == 200
    assert _terminate_connections(runtime.settings.resolved_database_url) > 0
    # Another query (a variant not held) and another key: both need the database at once.
    first = client.get("/feeds/ja.json", params={"token": token, "limit": 3})
    assert first.status_code == 200, first.text
    assert client.get("/feeds/ja.json", headers=auth(tokens["admin"])).status_code == 200
