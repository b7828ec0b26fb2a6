"""notification hand-over journal

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 20:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("handover_started_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("handed_over_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("receipt", sa.Text(), nullable=True))
        batch.add_column(sa.Column("interrupted", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        for column in (
            "error",
            "interrupted",
            "receipt",
            "channel",
            "handed_over_at",
            "handover_started_at",
            "message_id",
        ):
            batch.drop_column(column)
