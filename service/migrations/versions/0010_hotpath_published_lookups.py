"""hot path: published snapshots found by translation id, pages in index order

A default partner's page reads its 50 published snapshots by translation id
(`published_translations WHERE translation_id IN (...)`): without an index on that column
SQLite scanned the whole table (61 ms at 100k articles, issue 18). The page's own index gains
`article_id`, the feed's tie-breaker, so the page is read in index order and stops after 51
rows instead of sorting each group of equal dates.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 19:20:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_published_translation", "published_translations", ["translation_id"], unique=True
    )
    op.create_index(
        "ix_published_feed", "published_translations", ["lang", "updated_at", "article_id"]
    )
    op.drop_index("ix_published_lang_updated", table_name="published_translations")


def downgrade() -> None:
    op.create_index("ix_published_lang_updated", "published_translations", ["lang", "updated_at"])
    op.drop_index("ix_published_feed", table_name="published_translations")
    op.drop_index("ix_published_translation", table_name="published_translations")
