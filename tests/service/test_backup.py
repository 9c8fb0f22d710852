"""A backup taken while the service writes is a consistent snapshot, and restoring it into a
fresh data dir serves the same feeds (same items, same signed links: the link secret is in the
database). A restore never overwrites an existing database; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from service.app import create_app
from service.backup import backup, restore
from service.errors import Conflict, Invalid
from service.runtime import Runtime
from service.settings import Settings
from tests.service.conftest import article, auth

WRITES = 200  # at most (the writer stops sooner): one feed page holds them all


def _sqlite_only(settings: Settings) -> None:
    if make_url(settings.resolved_database_url).get_backend_name() != "sqlite":
        pytest.skip("this store is PostgreSQL: backed up with pg_dump (test_postgres_is_refused)")


def _restored_settings(settings: Settings, tmp_path: Path, name: str = "restored") -> Settings:
    return settings.model_copy(update={"data_dir": tmp_path / name, "database_url": None})


def _restored_feed(
    settings: Settings, clean_redis: redis.Redis[bytes], params: dict[str, str | int]
) -> dict[str, object]:
    """/feeds/ja.json as a service started on a restored data dir serves it."""
    clean_redis.flushdb()  # nothing cached from the original may answer for the restored store
    restored_runtime = Runtime.start(settings)
    try:
        with TestClient(create_app(runtime=restored_runtime)) as restored:
            again = restored.get("/feeds/ja.json", params=params)
    finally:
        restored_runtime.close()
    assert again.status_code == 200
    feed: dict[str, object] = again.json()
    return feed


def test_a_backup_under_write_load_restores_to_the_same_feeds(
    settings: Settings,
    runtime: Runtime,
    client: TestClient,
    tokens: dict[str, str],
    clean_redis: redis.Redis[bytes],
    tmp_path: Path,
) -> None:
    _sqlite_only(settings)
    publisher = auth(tokens["publisher"])
    stop = threading.Event()
    written: list[str] = []

    def write() -> None:
        n = 0
        while not stop.is_set() and n < WRITES:
            response = client.post("/v1/articles", json=article(f"w-{n}"), headers=publisher)
            assert response.status_code == 202, response.text
            written.append(f"w-{n}")
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 20:
            stop.wait(0.05)
        under_load = backup(settings, tmp_path / "under-load")
        after = len(written)
        while len(written) < after + 5 and writer.is_alive():  # it goes on writing
            stop.wait(0.05)
    finally:
        stop.set()
        writer.join()

    with sqlite3.connect(under_load.folder / "kakehashi.sqlite3") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        saved = {row[0] for row in copy.execute("SELECT id FROM articles")}
        # A snapshot: every article it holds has its revision and its jobs (one transaction).
        orphans = copy.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM revisions r WHERE r.article_id = a.id) OR NOT EXISTS "
            "(SELECT 1 FROM jobs j WHERE j.article_id = a.id)"
        ).fetchone()[0]
    assert 20 <= len(saved) <= len(written) and saved <= set(written) and orphans == 0

    # The snapshot taken under load serves what the service served then: the live feed's items
    # for exactly the articles the copy holds (articles are written once, so they are alike).
    everything: dict[str, str | int] = {"token": tokens["partner"], "limit": WRITES}
    live = client.get("/feeds/ja.json", params=everything).json()["items"]
    assert len(live) == len(written)
    snapshot = _restored_settings(settings, tmp_path, "restored-under-load")
    restore(snapshot, under_load.folder)
    then = _restored_feed(snapshot, clean_redis, everything)["items"]
    assert then == [item for item in live if item["id"].split(":")[-2] in saved] != []

    quiet = backup(settings, tmp_path / "quiet")
    feed_params: dict[str, str | int] = {"token": tokens["partner"], "limit": 20}
    original = client.get("/feeds/ja.json", params=feed_params)
    assert original.status_code == 200 and len(original.json()["items"]) == 20

    restored_settings = _restored_settings(settings, tmp_path)
    report = restore(restored_settings, quiet.folder)
    assert report.database_bytes > 0
    assert _restored_feed(restored_settings, clean_redis, feed_params) == original.json()


def test_restore_never_overwrites_and_checks_what_it_reads(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    _sqlite_only(settings)
    saved = backup(settings, tmp_path / "b")
    with pytest.raises(Conflict, match="not empty"):
        backup(settings, tmp_path / "b")
    with pytest.raises(Conflict, match="exists"):
        restore(settings, saved.folder)  # the live database is there
    with pytest.raises(Invalid, match="not a kakehashi backup"):
        restore(_restored_settings(settings, tmp_path), tmp_path)


def test_postgres_is_refused_with_the_recipe(settings: Settings) -> None:
    pg = settings.model_copy(
        update={"database_url": "postgresql+psycopg://kakehashi@127.0.0.1/kakehashi"}
    )
    with pytest.raises(Invalid, match="pg_dump"):
        backup(pg, Path("unused"))
