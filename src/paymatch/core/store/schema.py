"""The store's tables (SQLAlchemy Core). Migrations in ``migrations/`` create exactly these.

Money is an integer count of minor units (``*_minor``) beside a currency; times are naive UTC.
JSON columns hold what is read whole and never queried by content (an order as the source
reported it, evidence, settings).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

locks = Table(
    "locks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("seq", BigInteger, nullable=False, default=0),
    # Change counter: raised by every transaction that changes orders under the ledger lock.
)

jobs = Table(
    "jobs",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("last_run_at", DateTime, nullable=True),
)

sources = Table(
    "sources",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("connector", String(100), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("mapping", JSON, nullable=False),
    Column("connected_at", DateTime, nullable=True),
    Column("changed_cursor", DateTime, nullable=True),
    Column("last_new_at", DateTime, nullable=True),
    Column("last_poll_at", DateTime, nullable=True),
    Column("last_full_at", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("iban", String(34), primary_key=True),
    Column("currency", String(3), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=True),
    Column("sources", JSON, nullable=False),
    Column("countries", JSON, nullable=False),
    Column("first_import", String(16), nullable=False),
    Column("first_imported_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), ForeignKey("sources.name"), nullable=False),
    Column("order_id", String(200), nullable=False),
    Column("number", String(200), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("paid_minor", BigInteger, nullable=False, default=0),
    Column("payment_code", String(16), nullable=True),
    Column("state", String(32), nullable=False),
    Column("dunning_level", Integer, nullable=False, default=0),
    Column("lifecycle", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime, nullable=True),
    Column("first_seen_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("state_changed_at", DateTime, nullable=False),
    Column("next_due_at", DateTime, nullable=True),
    # When the lifecycle next has a time-based event for this order (tick loads only those due).
    Column("seq", BigInteger, nullable=False),
    # The ledger change counter of the last change (incremental refresh of match indexes).
    UniqueConstraint("source", "order_id"),
    Index("ix_orders_state", "state"),
    Index("ix_orders_seq", "seq"),
    Index("ix_orders_number", "number"),
    Index("ix_orders_next_due_at", "next_due_at"),
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_iban", String(34), nullable=True),
    Column("name", String(500), nullable=False),
    Column("format", String(64), nullable=True),
    Column("statement_id", String(200), nullable=True),
    Column("new_count", Integer, nullable=False),
    Column("duplicate_count", Integer, nullable=False),
    Column("imported_at", DateTime, nullable=False),
)

postings = Table(
    "postings",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=False),
    Column("account_iban", String(34), nullable=True),
    Column("booking_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("assigned_minor", BigInteger, nullable=False, default=0),
    Column("status", String(16), nullable=False),
    # pending (not matched yet), assigned, partial, suggested, unmatched, ignored, no_assignment
    Column("reason", Text, nullable=True),
    Column("data", JSON, nullable=False),
    Column("imported_at", DateTime, nullable=False),
    Column("decided_at", DateTime, nullable=True),
    Index("ix_postings_status_booking_date_id", "status", "booking_date", "id"),
    # Pending postings are matched in chunks in this order (and found by status alone).
)

assignments = Table(
    "assignments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("posting_id", String(200), ForeignKey("postings.id"), nullable=False),
    Column("order_pk", Integer, ForeignKey("orders.id"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("method", String(8), nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("unassigned_at", DateTime, nullable=True),
    Column("unassigned_by", String(200), nullable=True),
    Column("unassign_reason", Text, nullable=True),
    Index("ix_assignments_posting_id", "posting_id"),
    Index("ix_assignments_order_pk", "order_pk"),
)

review_items = Table(
    "review_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("posting_id", String(200), ForeignKey("postings.id"), nullable=False),
    Column("candidates", JSON, nullable=False),
    Column("reason", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("resolved_at", DateTime, nullable=True),
    Column("resolution", String(16), nullable=True),
    Column("resolved_by", String(200), nullable=True),
    Index("ix_review_items_posting_id", "posting_id"),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_pk", Integer, ForeignKey("orders.id"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("event", String(64), nullable=False),
    Column("state_before", String(32), nullable=True),
    Column("state_after", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("details", JSON, nullable=False),
    Index("ix_order_events_order_pk", "order_pk"),
)

payer_history = Table(
    "payer_history",
    metadata,
    Column("iban", String(34), primary_key=True),
    Column("source", String(100), primary_key=True),
    Column("customer_number", String(200), primary_key=True),
    Column("first_seen_at", DateTime, nullable=False),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("recipient", String(16), nullable=False),
    # customer or merchant
    Column("order_pk", Integer, ForeignKey("orders.id"), nullable=True),
    Column("posting_id", String(200), ForeignKey("postings.id"), nullable=True),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),
    # pending, delivered, recorded (no notifier took it), obsolete (no longer due), failed
    Column("delivered_at", DateTime, nullable=True),
    # The hand-over journal (paymatch.notify.handover): begun before the message leaves,
    # finished the moment the hook or the server accepted it, each committed on its own.
    Column("message_id", String(300), nullable=True),
    Column("handover_started_at", DateTime, nullable=True),
    Column("handed_over_at", DateTime, nullable=True),
    Column("channel", String(16), nullable=True),
    Column("receipt", Text, nullable=True),
    Column("interrupted", Integer, nullable=False, server_default="0"),
    Column("error", Text, nullable=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("key", String(300), nullable=False),
    # Idempotency key: the same piece of work is never queued twice.
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    # pending, done, expired (gave up after the deadline)
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("deadline", DateTime, nullable=False),
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_until", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("done_at", DateTime, nullable=True),
    UniqueConstraint("key"),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)
