"""Alembic environment: paymatch runs migrations itself (``Store.open``), on its own connection."""

from __future__ import annotations

from alembic import context

from paymatch.core.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
