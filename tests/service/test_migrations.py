"""Migrations on a database holding data, on SQLite and (in CI's second run) PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from service.db import MIGRATIONS


def _upgrade(url: str, target: str) -> None:
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, target)
    engine.dispose()


def test_0004_history_names_its_glossary_and_outlives_it(empty_database_url: str) -> None:
    _upgrade(empty_database_url, "0003")
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO glossaries (id, name, description, source_lang, version, "
                "created_at, updated_at) VALUES (7, 'desk', '', 'ja', 1, :t, :t)"
            ),
            {"t": "2026-01-01T00:00:00+00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO glossary_history (glossary_id, action, actor, at) "
                "VALUES (7, 'create-glossary', 'ed', :t)"
            ),
            {"t": "2026-01-01T00:00:00+00:00"},
        )
    engine.dispose()

    _upgrade(empty_database_url, "0004")

    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        if empty_database_url.startswith("sqlite"):
            connection.execute(text("PRAGMA foreign_keys=ON"))
        assert connection.execute(
            text("SELECT glossary_id, glossary_name FROM glossary_history")
        ).all() == [(7, "desk")]
        connection.execute(text("DELETE FROM glossaries WHERE id = 7"))
        assert connection.execute(
            text("SELECT glossary_id, glossary_name, action FROM glossary_history")
        ).all() == [(None, "desk", "create-glossary")]
    engine.dispose()


def test_0005_moves_categories_to_rows_and_marks_current_translations(
    empty_database_url: str,
) -> None:
    _upgrade(empty_database_url, "0004")
    t = "2026-01-01T00:00:00+00:00"
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (id, status, current_revision, created_at, updated_at) "
                "VALUES ('a', 'published', 2, :t, :t)"
            ),
            {"t": t},
        )
        for number, categories in ((1, '["security"]'), (2, '["security", "politics"]')):
            connection.execute(
                text(
                    "INSERT INTO revisions (id, article_id, number, content_hash, title, body, "
                    "format, url, categories, published_at, created_at) VALUES "
                    "(:n, 'a', :n, 'h', 't', 'b', 'text', 'u', :c, :t, :t)"
                ),
                {"n": number, "c": categories, "t": t},
            )
            for lang in ("en", "fr") if number == 1 else ("en",):
                connection.execute(
                    text(
                        "INSERT INTO translations (article_id, revision_id, lang, title, body, "
                        "format, report, needs_review, route, model, created_at, updated_at) "
                        "VALUES ('a', :n, :l, 'T', 'B', 'text', '{}', false, '[]', 'm', :t, :t)"
                    ),
                    {"n": number, "l": lang, "t": t},
                )
    engine.dispose()

    _upgrade(empty_database_url, "0005")

    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        assert connection.execute(
            text("SELECT revision_id, category FROM article_categories ORDER BY 1, 2")
        ).all() == [(1, "security"), (2, "politics"), (2, "security")]
        # The newest translated revision per language is current: en of 2, fr of 1.
        assert connection.execute(
            text("SELECT lang, revision_id FROM translations WHERE current ORDER BY 1")
        ).all() == [("en", 2), ("fr", 1)]
        assert (
            connection.execute(
                text("SELECT count(*) FROM translations WHERE text_hash IS NULL")
            ).scalar()
            == 0
        )
    engine.dispose()
