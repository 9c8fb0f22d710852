"""feeds at archive scale

A feed page becomes an index range scan: `translations.current` marks the translation of each
article's newest translated revision per language (one row per article and language), and the
index `(lang, current, updated_at, article_id)` gives the page in order; the `ja` feed reads
`(status, updated_at, id)` on articles. Categories move into `article_categories` (filled from
each revision's JSON column), `feed_versions` holds the version a cached feed must match, and
`service_secrets` the key that signs links to translation pages. `translations.text_hash` lets
an unchanged translation keep its date.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 23:00:00

"""

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def _text_hash(title: str, summary: str | None, body: str) -> str:
    # Frozen copy of service.jobs.translate_job.text_hash: a migration must not change with
    # the code.
    canonical = json.dumps([title, summary, body], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def upgrade() -> None:
    op.create_table(
        "article_categories",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["revision_id"], ["revisions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("revision_id", "category"),
    )
    op.create_index(
        "ix_article_categories_category", "article_categories", ["category", "revision_id"]
    )
    op.create_table(
        "feed_versions",
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("lang"),
    )
    op.create_table(
        "service_secrets",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("translations") as batch_op:
        batch_op.add_column(
            sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("text_hash", sa.String(length=64), nullable=True))
        batch_op.drop_index("ix_translations_lang_updated")
        batch_op.create_index(
            "ix_translations_feed", ["lang", "current", "updated_at", "article_id"]
        )
        batch_op.create_index("ix_translations_article_lang", ["article_id", "lang"])
    with op.batch_alter_table("articles") as batch_op:
        batch_op.create_index("ix_articles_feed", ["status", "updated_at", "id"])
        batch_op.create_index("ix_articles_retracted", ["status", "retracted_at"])
    _fill()


def _fill() -> None:
    bind = op.get_bind()
    revisions = sa.table(
        "revisions", sa.column("id", sa.Integer()), sa.column("categories", sa.JSON())
    )
    categories = sa.table(
        "article_categories",
        sa.column("revision_id", sa.Integer()),
        sa.column("category", sa.String()),
    )
    rows: list[dict[str, object]] = []
    for revision_id, cats in bind.execute(sa.select(revisions.c.id, revisions.c.categories)):
        rows.extend({"revision_id": revision_id, "category": c} for c in sorted(set(cats or [])))
        if len(rows) >= BATCH:
            bind.execute(categories.insert(), rows)
            rows = []
    if rows:
        bind.execute(categories.insert(), rows)
    op.execute(
        "UPDATE translations SET current = true WHERE id IN ("
        " SELECT t.id FROM translations t JOIN revisions r ON r.id = t.revision_id"
        " WHERE r.number = (SELECT max(r2.number) FROM translations t2"
        "  JOIN revisions r2 ON r2.id = t2.revision_id"
        "  WHERE t2.article_id = t.article_id AND t2.lang = t.lang))"
    )
    translations = sa.table(
        "translations",
        sa.column("id", sa.Integer()),
        sa.column("title", sa.Text()),
        sa.column("summary", sa.Text()),
        sa.column("body", sa.Text()),
        sa.column("text_hash", sa.String()),
    )
    found = bind.execute(
        sa.select(
            translations.c.id, translations.c.title, translations.c.summary, translations.c.body
        )
    ).all()
    for start in range(0, len(found), BATCH):
        bind.execute(
            translations.update()
            .where(translations.c.id == sa.bindparam("tid"))
            .values(text_hash=sa.bindparam("hash")),
            [
                {"tid": tid, "hash": _text_hash(title, summary, body)}
                for tid, title, summary, body in found[start : start + BATCH]
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch_op:
        batch_op.drop_index("ix_articles_retracted")
        batch_op.drop_index("ix_articles_feed")
    with op.batch_alter_table("translations") as batch_op:
        batch_op.drop_index("ix_translations_article_lang")
        batch_op.drop_index("ix_translations_feed")
        batch_op.create_index("ix_translations_lang_updated", ["lang", "updated_at"])
        batch_op.drop_column("text_hash")
        batch_op.drop_column("current")
    op.drop_table("service_secrets")
    op.drop_table("feed_versions")
    op.drop_index("ix_article_categories_category", table_name="article_categories")
    op.drop_table("article_categories")
