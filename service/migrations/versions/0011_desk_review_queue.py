"""review desk: the queue of translations awaiting review, paged and filtered in SQL

`review_queue` holds one row per translation that needs review and was not rejected, ordered
by (updated_at, translation_id) and per language; `review_tags` holds its filter values
(`reason:<code>`, `category:<name>`), so the desk's filters, counts and pages are indexed
queries. Existing translations that await review are copied in.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03 19:20:00

"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _backfill() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT t.id, t.report, r.categories "
            "FROM translations t JOIN revisions r ON r.id = t.revision_id "
            "WHERE t.needs_review"
        )
    ).all()
    tags = sa.table("review_tags", sa.column("tag", sa.String()), sa.column("translation_id"))
    for ident, report, categories in rows:
        report = _loaded(report) or {}
        if report.get("rejected"):
            continue
        # Copied in SQL: SQLite hands the stored date back as text, which a DateTime bind refuses.
        bind.execute(
            sa.text(
                "INSERT INTO review_queue (translation_id, article_id, lang, updated_at)"
                " SELECT id, article_id, lang, updated_at FROM translations WHERE id = :id"
            ),
            {"id": ident},
        )
        values = {f"reason:{r}" for r in report.get("review_reasons", [])}
        values |= {f"category:{c}" for c in _loaded(categories) or []}
        for tag in sorted(values):
            bind.execute(tags.insert().values(tag=tag[:200], translation_id=ident))


def upgrade() -> None:
    op.create_table(
        "review_queue",
        sa.Column(
            "translation_id",
            sa.Integer(),
            sa.ForeignKey("translations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(16), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_index("ix_review_queue_order", "review_queue", ["updated_at", "translation_id"])
    op.create_index(
        "ix_review_queue_lang", "review_queue", ["lang", "updated_at", "translation_id"]
    )
    op.create_table(
        "review_tags",
        sa.Column("tag", sa.String(200), primary_key=True),
        sa.Column(
            "translation_id",
            sa.Integer(),
            sa.ForeignKey("review_queue.translation_id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    _backfill()


def downgrade() -> None:
    op.drop_table("review_tags")
    op.drop_index("ix_review_queue_lang", table_name="review_queue")
    op.drop_index("ix_review_queue_order", table_name="review_queue")
    op.drop_table("review_queue")
