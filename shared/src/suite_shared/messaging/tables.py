"""The outbox and inbox tables, the same in every service's database.

Defined on their own metadata: the shared code builds Core statements against them (the ORM is
~6x slower for one-row writes on this hardware, baseline.md), and each service's first
migration creates them with :func:`create_messaging_tables`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from suite_shared.db import new_metadata

messaging_metadata = new_metadata()

# The relay LISTENs on this channel; a trigger NOTIFYs it when outbox rows commit.
OUTBOX_CHANNEL = "suite_outbox"

outbox = Table(
    "outbox",
    messaging_metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("routing_key", Text, nullable=False),
    Column("envelope", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Index("ix_outbox_unpublished", "seq", postgresql_where=text("published_at IS NULL")),
)

inbox = Table(
    "inbox",
    messaging_metadata,
    Column("message_id", Text, nullable=False),
    Column("consumer", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("message_id", "consumer", name="pk_inbox"),
)

_NOTIFY_SQL = [
    f"""
    CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger AS $$
    BEGIN
        PERFORM pg_notify('{OUTBOX_CHANNEL}', '');
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql
    """,
    # Statement-level: one notification per inserting statement, delivered at commit only.
    """
    CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()
    """,
]


def create_messaging_tables(op) -> None:
    """Create outbox and inbox (and the outbox wake-up trigger) inside an Alembic migration."""
    bind = op.get_bind()
    messaging_metadata.create_all(bind)
    for statement in _NOTIFY_SQL:
        op.execute(statement)


def drop_messaging_tables(op) -> None:
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS outbox_notify()")
    messaging_metadata.drop_all(op.get_bind())
