"""Uploads keep the name of their file: a parse of the stored document names its source locations after it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.add_column(sa.Column("filename", sa.String(200), nullable=True))
    # Uploads made before keep the label their games were parsed under until now.
    uploads = sa.table("uploads", sa.column("id", sa.String), sa.column("filename", sa.String))
    op.execute(uploads.update().values(filename=sa.literal("upload ", sa.String) + uploads.c.id))
    with op.batch_alter_table("uploads") as batch:
        batch.alter_column("filename", existing_type=sa.String(200), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("uploads") as batch:
        batch.drop_column("filename")
