"""glossary history outlives its glossary

A deleted glossary's history rows stay: `glossary_id` becomes nullable with ON DELETE SET NULL
(it was CASCADE), and each row names its glossary in `glossary_name`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 22:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0002 created the foreign key unnamed: SQLite reflects it without a name, so batch mode
# names it by this convention; PostgreSQL gave it its own name, read from the inspector.
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
FK_NAME = "fk_glossary_history_glossary_id_glossaries"


def _old_fk_name() -> str:
    for fk in sa.inspect(op.get_bind()).get_foreign_keys("glossary_history"):
        if fk["referred_table"] == "glossaries":
            return fk["name"] or FK_NAME
    return FK_NAME


def upgrade() -> None:
    old = _old_fk_name()
    with op.batch_alter_table("glossary_history", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("glossary_name", sa.String(length=100), nullable=True))
        batch_op.drop_constraint(old, type_="foreignkey")
        batch_op.alter_column("glossary_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            FK_NAME, "glossaries", ["glossary_id"], ["id"], ondelete="SET NULL"
        )
    op.execute(
        "UPDATE glossary_history SET glossary_name = "
        "(SELECT name FROM glossaries WHERE glossaries.id = glossary_history.glossary_id)"
    )
    op.execute("UPDATE glossary_history SET glossary_name = '' WHERE glossary_name IS NULL")
    with op.batch_alter_table("glossary_history") as batch_op:
        batch_op.alter_column("glossary_name", existing_type=sa.String(length=100), nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM glossary_history WHERE glossary_id IS NULL")
    with op.batch_alter_table("glossary_history", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
        batch_op.alter_column("glossary_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            FK_NAME, "glossaries", ["glossary_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.drop_column("glossary_name")
