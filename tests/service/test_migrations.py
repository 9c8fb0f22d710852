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
