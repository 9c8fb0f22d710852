"""review desk: published snapshots, translation history, translation memory, deliveries

`published_translations` is what partners without `include_needs_review` read (one row per
article and language); `translation_history` records approvals and corrections;
`translation_memory` holds editors' corrected sentences; `deliveries` is the log (and outbox)
of notices to the review desk's and the CMS's URLs. Existing translations that need no
review are copied into `published_translations` (the newest per article and language).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 23:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "published_translations",
        sa.Column(
            "article_id",
            sa.String(200),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("lang", sa.String(16), primary_key=True),
        sa.Column(
            "translation_id",
            sa.Integer(),
            sa.ForeignKey("translations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("published_at", WHEN, nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.Column("approved_at", WHEN, nullable=True),
    )
    op.create_index("ix_published_lang_updated", "published_translations", ["lang", "updated_at"])
    op.create_table(
        "translation_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "translation_id",
            sa.Integer(),
            sa.ForeignKey("translations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_translation_history_translation", "translation_history", ["translation_id"])
    op.create_table(
        "translation_memory",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("terms_key", sa.String(64), nullable=False),
        sa.Column("translation", sa.Text(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("lang", "source_hash", "terms_key"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event", sa.String(30), nullable=False),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", WHEN, nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("delivered_at", WHEN, nullable=True),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_attempt_at"])
    # The newest clean translation of each published article and language becomes visible.
    op.execute(
        """
        INSERT INTO published_translations
            (article_id, lang, translation_id, revision, title, summary, body, format,
             updated_at, published_at)
        SELECT t.article_id, t.lang, t.id, r.number, t.title, t.summary, t.body, t.format,
               t.updated_at, t.updated_at
        FROM translations t
        JOIN revisions r ON r.id = t.revision_id
        JOIN articles a ON a.id = t.article_id
        WHERE a.status = 'published' AND t.needs_review = false
          AND r.number = (
            SELECT max(r2.number) FROM translations t2 JOIN revisions r2 ON r2.id = t2.revision_id
            WHERE t2.article_id = t.article_id AND t2.lang = t.lang AND t2.needs_review = false
          )
        """
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("translation_memory")
    op.drop_index("ix_translation_history_translation", table_name="translation_history")
    op.drop_table("translation_history")
    op.drop_index("ix_published_lang_updated", table_name="published_translations")
    op.drop_table("published_translations")
