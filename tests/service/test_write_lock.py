"""Writes never fail on a lock (issue 11, row 3): a large glossary import runs while the CMS
publishes, and every publish either is stored (202/200) or is refused with 503 + Retry-After
having stored nothing; no 500, no "database is locked"."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.runtime import Runtime
from service.settings import Settings
from service.store.tables import Article, EntryRow, GlossaryRow
from tests.service.conftest import article, auth

ROWS = 20_000
PUBLISHERS = 12


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The import file is ~1.2 MB: over the default body limit. A short busy timeout: a write
    waiting longer than 2 s for SQLite's write lock fails (and must answer 503, not 500)."""
    return settings.model_copy(update={"max_body_bytes": 5_000_000, "sqlite_busy_timeout": 2.0})


def _big_file(rows: int) -> str:
    header = "source\taliases\tdnt\tcase_sensitive\tstatus\tnote\ten\tfr"
    lines = [f"試験用語{i:05d}\t\t\t\tapproved\t\tterm{i}\tterme{i}" for i in range(rows)]
    return "\n".join([header, *lines]) + "\n"


@pytest.mark.slow
def test_big_import_while_publishing_never_answers_500(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    editor, publisher = auth(tokens["editor"]), auth(tokens["publisher"])
    # Published articles the import's terms are matched in (some of them use new terms).
    for n in range(40):
        body = f"試験用語{n * 37:05d}について。本文{n}。"
        made = client.post("/v1/articles", json=article(f"old-{n}", body=body), headers=publisher)
        assert made.status_code == 202, made.text
    assert (
        client.post(
            "/v1/glossaries", json={"name": "big", "description": "load"}, headers=editor
        ).status_code
        == 201
    )
    text = _big_file(ROWS)
    imported: dict[str, int] = {}
    answers: list[tuple[str, int, str | None]] = []
    lock = threading.Lock()
    started = threading.Event()
    done = threading.Event()

    def run_import() -> None:
        started.set()
        response = client.post(
            "/v1/glossaries/big/import",
            content=text.encode(),
            params={"format": "kakehashi-tsv"},
            headers={**editor, "Content-Type": "text/tab-separated-values"},
        )
        done.set()
        imported["status"] = response.status_code
        assert response.status_code == 200, response.text

    def publish(worker: int) -> None:
        started.wait()
        n = 0
        while not done.is_set() or n < 2:
            n += 1
            article_id = f"new-{worker}-{n}"
            response = client.post(
                "/v1/articles",
                json=article(article_id, body=f"速報{worker}-{n}。"),
                headers=publisher,
            )
            with lock:
                answers.append(
                    (article_id, response.status_code, response.headers.get("retry-after"))
                )
            time.sleep(0.2)

    importer = threading.Thread(target=run_import)
    publishers = [threading.Thread(target=publish, args=(w,)) for w in range(PUBLISHERS)]
    importer.start()
    for thread in publishers:
        thread.start()
    for thread in [importer, *publishers]:
        thread.join(timeout=300)
    assert imported.get("status") == 200
    assert len(answers) >= PUBLISHERS * 2
    statuses = {status for _, status, _ in answers}
    assert statuses <= {200, 202, 503}, answers
    for _, status, retry_after in answers:
        if status == 503:
            assert retry_after is not None and int(retry_after) > 0
    with runtime.sessions() as session:
        stored = set(session.scalars(select(Article.id).where(Article.id.like("new-%"))))
        glossary_id = session.scalar(select(GlossaryRow.id).where(GlossaryRow.name == "big"))
        entries = session.scalar(
            select(func.count()).select_from(EntryRow).where(EntryRow.glossary_id == glossary_id)
        )
    accepted = {article_id for article_id, status, _ in answers if status in (200, 202)}
    assert stored == accepted  # every 202 is stored, every 503 stored nothing
    assert entries == ROWS


def test_a_locked_database_answers_503_with_retry_after_and_stores_nothing(
    client: TestClient, runtime: Runtime, tokens: dict[str, str], database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("holds SQLite's write lock from a second connection (SQLite only)")
    path = database_url.split("///", 1)[1]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held past the 2 s busy timeout
    try:
        refused = client.post(
            "/v1/articles", json=article("locked-1"), headers=auth(tokens["publisher"])
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert refused.status_code == 503, refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert refused.json()["error"]["code"] == "database_unavailable"
    with runtime.sessions() as session:
        assert session.get(Article, "locked-1") is None
    again = client.post("/v1/articles", json=article("locked-1"), headers=auth(tokens["publisher"]))
    assert again.status_code == 202, again.text


def test_an_unreachable_database_answers_503(
    client: TestClient, runtime: Runtime, tokens: dict[str, str]
) -> None:
    """The database goes away under a running API (here: sessions now point at a port where
    no PostgreSQL listens): requests answer 503 with Retry-After, not 500."""
    from sqlalchemy import create_engine

    from service.store import db

    working = runtime.sessions
    gone = create_engine("postgresql+psycopg://kakehashi:x@127.0.0.1:9/none")
    runtime.sessions = db.make_sessionmaker(gone)
    try:
        refused = client.post(
            "/v1/articles", json=article("away-1"), headers=auth(tokens["publisher"])
        )
    finally:
        runtime.sessions = working
        gone.dispose()
    assert refused.status_code == 503, refused.text
    assert int(refused.headers["retry-after"]) > 0
    with runtime.sessions() as session:
        assert session.get(Article, "away-1") is None
