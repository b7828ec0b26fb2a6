"""pending postings in matching order

The matcher takes pending postings in chunks, in (booking date, id) order. With an index on the
status alone, every chunk sorted all pending postings again: quadratic in a large import.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_postings_status_booking_date_id", ["status", "booking_date", "id"], unique=False
        )
        batch_op.drop_index("ix_postings_status")


def downgrade() -> None:
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.create_index("ix_postings_status", ["status"], unique=False)
        batch_op.drop_index("ix_postings_status_booking_date_id")
