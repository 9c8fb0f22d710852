"""agency syndication: embargoes, correction notes, partner push callbacks, usage counts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 19:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("embargoed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("embargo_released_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_index("ix_articles_embargo", ["embargo_released_at", "embargoed_until"])
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("correction", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("change", sa.String(20), nullable=False, server_default="update")
        )
    with op.batch_alter_table("translations") as batch:
        batch.add_column(sa.Column("correction", sa.Text(), nullable=True))
    with op.batch_alter_table("published_translations") as batch:
        batch.add_column(sa.Column("correction", sa.Text(), nullable=True))
    _push_tables()
    _usage_tables()


def _push_tables() -> None:
    op.create_table(
        "partner_callbacks",
        sa.Column(
            "key_id",
            sa.Integer(),
            sa.ForeignKey("api_keys.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "pushed_items",
        sa.Column("key_id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.String(200), primary_key=True),
        sa.Column("lang", sa.String(16), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("key_id", sa.Integer(), nullable=True))
        batch.create_index("ix_deliveries_key", ["key_id", "id"])


def _usage_tables() -> None:
    op.create_table(
        "usage_daily",
        sa.Column("key_id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("lang", sa.String(16), primary_key=True),
        sa.Column("fetches", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("not_modified", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("items_delivered", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("page_views", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "usage_delivered",
        sa.Column("key_id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.String(200), primary_key=True),
        sa.Column("lang", sa.String(16), primary_key=True),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("usage_delivered")
    op.drop_table("usage_daily")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_key")
        batch.drop_column("key_id")
    op.drop_table("pushed_items")
    op.drop_table("partner_callbacks")
    with op.batch_alter_table("published_translations") as batch:
        batch.drop_column("correction")
    with op.batch_alter_table("translations") as batch:
        batch.drop_column("correction")
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("change")
        batch.drop_column("correction")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_embargo")
        batch.drop_column("embargo_released_at")
        batch.drop_column("embargoed_until")
