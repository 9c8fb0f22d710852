"""An upgrade from the previous release: a database left at that release's schema, holding
data written with plain SQL (as that release wrote it, not through today's code), is brought to
the newest schema by `kakehashi migrate` and then serves the same articles, translations, feeds,
signed links and keys. On SQLite and (in CI's second run) PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from service.app import create_app
from service.cli import app as cli_app
from service.db import MIGRATIONS
from service.runtime import Runtime
from service.settings import Settings
from tests.service.conftest import auth

# The schema of the release before the newest migrations (0006: review memory and published
# translations, filled from the translations; 0009: keys' last use).
PREVIOUS_RELEASE = "0005"
T = "2026-01-27T06:00:00+00:00"
PARTNER, ADMIN = "kh_upgrade_partner_token_0123456789", "kh_upgrade_admin_token_0123456789"
TITLE, BODY = "Deterrence by denial is tested", "Japan must strengthen deterrence by denial."


def _to(url: str, revision: str) -> None:
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    engine.dispose()


def _text_hash(title: str, summary: str | None, body: str) -> str:
    return hashlib.sha256(
        json.dumps([title, summary, body], ensure_ascii=False).encode()
    ).hexdigest()


ROWS = [
    (
        "INSERT INTO api_keys (id, name, role, token_hash, token_prefix, languages, sections, "
        "include_needs_review, created_at) VALUES "
        "(1, 'outlet', 'partner', :partner, :pp, NULL, NULL, false, :t), "
        "(2, 'ops', 'admin', :admin, :ap, NULL, NULL, false, :t)"
    ),
    "INSERT INTO service_secrets (name, value) VALUES ('page-links', :secret)",
    (
        "INSERT INTO articles (id, status, current_revision, created_at, updated_at) "
        "VALUES ('up-1', 'published', 1, :t, :t)"
    ),
    (
        "INSERT INTO revisions (id, article_id, number, content_hash, title, body, format, url, "
        "categories, published_at, created_at) VALUES (1, 'up-1', 1, 'h1', '拒否的抑止力', "
        "'日本は拒否的抑止力を強化する必要がある。', 'text', 'https://news.example.jp/up-1', "
        "'[\"security\"]', :t, :t)"
    ),
    "INSERT INTO article_categories (revision_id, category) VALUES (1, 'security')",
    (
        "INSERT INTO translations (id, article_id, revision_id, lang, title, summary, body, "
        "report, needs_review, route, model, created_at, updated_at, format, current, text_hash) "
        "VALUES (1, 'up-1', 1, 'en', :title, NULL, :body, :report, false, '[\"ja\", \"en\"]', "
        "'translate-ja_en-1_0', :t, :t, 'text', true, :hash)"
    ),
    (
        "INSERT INTO jobs (id, article_id, revision_id, target_lang, state, attempts, created_at, "
        "updated_at, enqueued_at, started_at, finished_at) VALUES "
        "('0123456789abcdef0123456789abcdef', 'up-1', 1, 'en', 'done', 1, :t, :t, :t, :t, :t)"
    ),
]


@pytest.fixture
def previous_release(empty_database_url: str) -> Iterator[str]:
    _to(empty_database_url, PREVIOUS_RELEASE)
    values = {
        "t": T,
        "partner": hashlib.sha256(PARTNER.encode()).hexdigest(),
        "pp": PARTNER[:10],
        "admin": hashlib.sha256(ADMIN.encode()).hexdigest(),
        "ap": ADMIN[:10],
        "secret": "ab" * 32,
        "title": TITLE,
        "body": BODY,
        "report": json.dumps({"review_reasons": [], "cache": {"hits": 0, "misses": 1}}),
        "hash": _text_hash(TITLE, None, BODY),
    }
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement), values)
    engine.dispose()
    yield empty_database_url


def test_the_previous_release_upgrades_and_serves_the_same_data(
    previous_release: str,
    tmp_path: Path,
    redis_url: str,
    clean_redis: redis.Redis[bytes],
) -> None:
    env = {"KAKEHASHI_DATABASE_URL": previous_release, "KAKEHASHI_DATA_DIR": str(tmp_path)}
    migrated = CliRunner().invoke(cli_app, ["migrate"], env=env)
    assert migrated.exit_code == 0, migrated.output
    assert "database at revision" in migrated.output

    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=previous_release,
        redis_url=redis_url,
        target_languages=("en",),
        argos_packages_dir=tmp_path / "no-argos",
        _env_file=None,  # type: ignore[call-arg]
    )
    runtime = Runtime.start(settings)
    try:
        with TestClient(create_app(runtime=runtime)) as client:
            feed = client.get("/feeds/en.json", params={"token": PARTNER})
            ja = client.get("/feeds/ja.json", params={"token": PARTNER})
            art = client.get("/v1/articles/up-1", headers=auth(ADMIN))
            english = client.get("/v1/articles/up-1/translations/en", headers=auth(ADMIN))
            jobs = client.get("/v1/jobs", params={"state": "done"}, headers=auth(ADMIN))
            keys_used = client.get("/feeds/en.json", headers=auth(PARTNER))
            link = httpx.URL(feed.json()["items"][0]["url"])
            page = client.get(link.path, params=dict(link.params))
    finally:
        runtime.close()
    engine = create_engine(previous_release)
    with engine.connect() as connection:
        secret = connection.scalar(text("SELECT value FROM service_secrets"))
    engine.dispose()
    assert secret == "ab" * 32

    assert feed.status_code == 200, feed.text
    (item,) = feed.json()["items"]
    assert item["id"] == "urn:kakehashi:article:up-1:en"
    assert item["title"] == TITLE and f"<p>{BODY}</p>" in item["content_html"]
    assert item["date_published"] == "2026-01-27T06:00:00Z" and item["tags"] == ["security"]
    assert page.status_code == 200 and TITLE in page.text  # the link signed with the old secret
    assert [i["title"] for i in ja.json()["items"]] == ["拒否的抑止力"]
    assert art.status_code == 200, art.text
    assert art.json()["revision"] == 1 and art.json()["languages"]["en"]["state"] == "done"
    assert english.status_code == 200, english.text
    assert english.json()["title"] == TITLE and english.json()["body"] == BODY
    assert [job["id"] for job in jobs.json()["items"]] == ["0123456789abcdef0123456789abcdef"]
    assert keys_used.status_code == 200
