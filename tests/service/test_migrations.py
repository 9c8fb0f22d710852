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


def test_0006_publishes_the_newest_clean_translation_of_published_articles(
    empty_database_url: str,
) -> None:
    """Default partners keep seeing what they saw: the newest translation that needed no
    review becomes each article's published snapshot (none for retracted articles, none
    where every translation needs review)."""
    _upgrade(empty_database_url, "0004")
    engine = create_engine(empty_database_url)
    t = "2026-01-01T00:00:00+00:00"
    with engine.begin() as connection:
        for article_id, status in (("a", "published"), ("b", "published"), ("c", "retracted")):
            connection.execute(
                text(
                    "INSERT INTO articles (id, status, current_revision, created_at, updated_at)"
                    " VALUES (:id, :status, 2, :t, :t)"
                ),
                {"id": article_id, "status": status, "t": t},
            )
        revisions = [("a", 1, 1), ("a", 2, 2), ("b", 3, 1), ("c", 4, 1)]
        for article_id, revision_id, number in revisions:
            connection.execute(
                text(
                    "INSERT INTO revisions (id, article_id, number, content_hash, title, body,"
                    " format, url, categories, published_at, created_at) VALUES (:id, :a, :n,"
                    " 'h', 'T', 'B', 'text', 'https://x.example/', '[]', :t, :t)"
                ),
                {"id": revision_id, "a": article_id, "n": number, "t": t},
            )
        # a: rev 1 clean, rev 2 needs review -> rev 1; b: needs review only; c: retracted.
        for ident, revision_id, article_id, review in (
            (10, 1, "a", False),
            (11, 2, "a", True),
            (12, 3, "b", True),
            (13, 4, "c", False),
        ):
            connection.execute(
                text(
                    "INSERT INTO translations (id, article_id, revision_id, lang, title, body,"
                    " format, report, needs_review, route, model, created_at, updated_at)"
                    " VALUES (:id, :a, :r, 'en', :title, 'body', 'text', '{}', :review,"
                    " '[]', 'm', :t, :t)"
                ),
                {
                    "id": ident,
                    "a": article_id,
                    "r": revision_id,
                    "review": review,
                    "title": f"t{ident}",
                    "t": t,
                },
            )
    engine.dispose()

    _upgrade(empty_database_url, "0006")

    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        rows = connection.execute(
            text(
                "SELECT article_id, lang, translation_id, revision, title"
                " FROM published_translations"
            )
        ).all()
    engine.dispose()
    assert rows == [("a", "en", 10, 1, "t10")]


def test_0011_queues_the_translations_awaiting_review_with_their_tags(
    empty_database_url: str,
) -> None:
    """What awaited review before stays in the queue (with its reasons and sections as tags);
    rejected and clean translations are not queued."""
    _upgrade(empty_database_url, "0009")
    engine = create_engine(empty_database_url)
    t = "2026-01-01T00:00:00+00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (id, status, current_revision, created_at, updated_at)"
                " VALUES ('a', 'published', 1, :t, :t)"
            ),
            {"t": t},
        )
        connection.execute(
            text(
                "INSERT INTO revisions (id, article_id, number, content_hash, title, body,"
                " format, url, categories, published_at, created_at) VALUES (1, 'a', 1,"
                " 'h', 'T', 'B', 'text', 'https://x.example/', '[\"security\"]', :t, :t)"
            ),
            {"t": t},
        )
        reports = {
            "en": ('{"review_reasons": ["term-missing", "truncated"]}', True),
            "fr": ('{"review_reasons": ["truncated"], "rejected": {"by": "x"}}', True),
            "de": ("{}", False),
        }
        for ident, (lang, (report, review)) in enumerate(reports.items(), start=10):
            connection.execute(
                text(
                    "INSERT INTO translations (id, article_id, revision_id, lang, title, body,"
                    " format, report, needs_review, route, model, created_at, updated_at)"
                    " VALUES (:id, 'a', 1, :lang, 'T', 'body', 'text', :report, :review,"
                    " '[]', 'm', :t, :t)"
                ),
                {"id": ident, "lang": lang, "report": report, "review": review, "t": t},
            )
    engine.dispose()

    _upgrade(empty_database_url, "0011")

    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        queued = connection.execute(text("SELECT translation_id, lang FROM review_queue")).all()
        tags = connection.execute(
            text("SELECT tag FROM review_tags WHERE translation_id = 10 ORDER BY tag")
        ).scalars()
        assert queued == [(10, "en")]
        assert list(tags) == ["category:security", "reason:term-missing", "reason:truncated"]
    engine.dispose()
