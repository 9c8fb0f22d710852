"""Issue 19 item 5: SQLite on a full disk answered `POST /v1/articles` with 500 ("database or
disk is full", 169 times). Now: 503 with Retry-After, naming the full disk; nothing stored.

The full disk is SQLite's own: `PRAGMA max_page_count` caps the file a few pages above its
size, and SQLite then fails writes with SQLITE_FULL exactly as on a full filesystem."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from service.access.api_keys import create_key
from service.runtime import Runtime
from service.store import db
from service.store.db import session_scope
from tests.service.conftest import article, auth
from tests.service.helpers import translate_directly

pytestmark = pytest.mark.fault


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    engine.dispose()  # its WAL folded into the file, which is then copied
    return path


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite in every configuration, PostgreSQL runs included: the full disk made here is
    SQLite's own (Redis is the configuration's)."""
    path = tmp_path / "full.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def test_a_full_sqlite_disk_is_a_503_naming_it(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    engine = runtime.db_engine
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


def _cap(engine: Any) -> Callable[[], None]:
    """Cap the SQLite file at its current size (no page may be added: SQLITE_FULL, as on a
    full filesystem); returns the call that lifts the cap."""
    with engine.connect() as connection:
        pages = int(connection.execute(text("PRAGMA page_count")).scalar_one())

    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(engine, "connect", cap)
    engine.pool.dispose()

    def lift() -> None:
        event.remove(engine, "connect", cap)
        engine.pool.dispose()

    return lift


def test_feeds_on_a_full_sqlite_disk_are_served(
    runtime: Runtime, client: TestClient, tokens: dict[str, str]
) -> None:
    """Issue 19 item 5: on a full disk the feed routes answered 500. A feed read needs no
    space, but a key's first use in a while is written down (its last-use time), and on a
    full disk that write failed: the partner was refused its feed (a 503 since the app's
    handler names a full disk, a 500 before). The read is now answered without the write, on
    the mounted hot path and on the route alike."""
    engine = runtime.db_engine
    client.post("/v1/articles", json=article(), headers=auth(tokens["publisher"]))
    translate_directly(runtime, "a-1", "en")
    # A partner scoped to many sections: its row spills into overflow pages, so writing its
    # last use needs new pages, which a full disk does not have.
    sections = ["security", *(f"section-{n:03d}-{'x' * 50}" for n in range(300))]
    with session_scope(runtime.sessions) as session:
        _, wide = create_key(session, name="wide partner", role="partner", sections=sections)
    served = client.get("/feeds/en.json", params={"token": tokens["partner"]})
    assert served.status_code == 200  # its last use written before the disk filled
    lift = _cap(engine)
    try:
        answers = {
            "known key, hot path": client.get(
                "/feeds/en.json", params={"token": tokens["partner"]}
            ),
            "known key, route": client.get("/feeds/en.rss", params={"token": tokens["partner"]}),
            "bad token": client.get("/feeds/en.json", params={"token": "kh_par_nope"}),
            "first use, hot path": client.get("/feeds/en.json", params={"token": wide}),
        }
    finally:
        lift()
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "known key, hot path": 200,
        "known key, route": 200,
        "bad token": 401,
        "first use, hot path": 200,
    }, {name: answer.text[:200] for name, answer in answers.items()}
    assert answers["known key, hot path"].content == served.content
    assert answers["first use, hot path"].json()["items"]  # its own variant, rendered
