"""Issue 19 item 5: SQLite on a full disk answered `POST /v1/articles` with 500 ("database or
disk is full", 169 times). Now: 503 with Retry-After, naming the full disk; nothing stored.

The full disk is SQLite's own: `PRAGMA max_page_count` caps the file a few pages above its
size, and SQLite then fails writes with SQLITE_FULL exactly as on a full filesystem."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from service.runtime import Runtime
from tests.service.conftest import article, auth

pytestmark = pytest.mark.fault


def test_a_full_sqlite_disk_is_a_503_naming_it(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    engine = runtime.db_engine
    if engine.dialect.name != "sqlite":
        pytest.skip("a full disk is made with SQLite's max_page_count; PostgreSQL runs skip")
    with engine.connect() as connection:
        pages = int(connection.execute(text("PRAGMA page_count")).scalar_one())

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    event.listen(engine, "connect", cap)
    engine.pool.dispose()
    big = article("full-1", body="全文。" * 100_000)
    answer = client.post("/v1/articles", json=big, headers=auth(tokens["publisher"]))
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) > 0
    error = answer.json()["error"]
    assert error["code"] == "storage_full"
    assert "disk is full" in error["message"]
    event.remove(engine, "connect", cap)
    engine.pool.dispose()
    missing = client.get("/v1/articles/full-1", headers=auth(tokens["publisher"]))
    assert missing.status_code == 404  # nothing was stored
