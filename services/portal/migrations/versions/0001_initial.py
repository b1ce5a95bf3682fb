"""Settings and images, accounts and sessions, signing keys, customers read model, idempotency
keys, outbox, inbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from suite_shared.idempotency import create_idempotency_table, drop_idempotency_table
from suite_shared.messaging.tables import create_messaging_tables, drop_messaging_tables
from suite_shared.readmodels.customers import TABLE as CUSTOMERS
from suite_shared.readmodels.customers import create_customer_table
from suite_shared.signing_keys import TABLE as SIGNING_KEYS
from suite_shared.signing_keys import create_signing_key_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# unaccent() is only STABLE; this wrapper pins the dictionary and is IMMUTABLE, so searches
# (accounts by customer name, products by name) can use it in index expressions.
UNACCENT_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _settings() -> None:
    op.create_table(
        "portal_settings",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("access_path", sa.Text),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("hotline", sa.Text, nullable=False),
        sa.Column("support_email", sa.Text),
        sa.Column("default_password", sa.Text),
        sa.Column("notify", ARRAY(sa.Text), nullable=False),
        sa.Column("product_mode", sa.Text, nullable=False),
        sa.Column("product_conditions", JSONB, nullable=False),
        sa.Column("show_stock", sa.Boolean, nullable=False),
        sa.Column("stock_warehouse_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
        sa.Column("stock_basis", sa.Text, nullable=False),
        sa.Column("allow_out_of_stock", sa.Boolean, nullable=False),
        sa.Column("customer_warehouse_filter", sa.Boolean, nullable=False),
        sa.Column("payment_enabled", sa.Boolean, nullable=False),
        sa.Column("bank_bin", sa.Text),
        sa.Column("bank_account", sa.Text),
        sa.Column("bank_account_holder", sa.Text),
        sa.Column("show_bank_details", sa.Boolean, nullable=False),
        sa.Column("receiver_kind", sa.Text),
        sa.Column("receiver_user_id", UUID(as_uuid=True)),
        sa.Column("receiver_rule_id", UUID(as_uuid=True)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", UUID(as_uuid=True)),
        _now("updated_at"),
        sa.CheckConstraint("id = 1", name="ck_portal_settings_one_row"),
    )
    op.create_index(
        "uq_portal_settings_access_path",
        "portal_settings",
        [sa.text("lower(access_path)")],
        unique=True,
    )
    op.create_table(
        "portal_images",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("link_kind", sa.Text, nullable=False),
        sa.Column("link_url", sa.Text),
        sa.Column("link_category_id", UUID(as_uuid=True)),
        sa.Column("created_by", UUID(as_uuid=True)),
        _now("created_at"),
    )


def _accounts() -> None:
    op.create_table(
        "portal_accounts",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("login", sa.Text, nullable=False),
        sa.Column("login_kind", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("must_change_password", sa.Boolean, nullable=False),
        sa.Column("change_ticket_hash", sa.Text),
        sa.Column("change_ticket_expires_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("token_version", sa.Integer, nullable=False),
        sa.Column("tokens_revoked_at", sa.DateTime(timezone=True)),
        sa.Column("granted_by", UUID(as_uuid=True)),
        _now("granted_at"),
        sa.Column("last_login_at", sa.DateTime(timezone=True)),
        _now("updated_at"),
        sa.Column("version", sa.Integer, nullable=False),
    )
    # One live account per login; a revoked account's login may be granted to someone else.
    op.create_index(
        "uq_portal_accounts_login",
        "portal_accounts",
        ["login"],
        unique=True,
        postgresql_where=sa.text("status <> 'revoked'"),
    )
    op.create_index("ix_portal_accounts_revoked", "portal_accounts", ["tokens_revoked_at"])
    op.create_table(
        "portal_refresh_tokens",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "account_id",
            UUID(as_uuid=True),
            sa.ForeignKey("portal_accounts.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("family_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        _now("created_at"),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "portal_unknown_login_failures",
        sa.Column("login_key", sa.Text, primary_key=True),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(UNACCENT_FUNCTION)
    create_customer_table(op)
    create_signing_key_table(op)
    _settings()
    _accounts()
    create_idempotency_table(op)
    create_messaging_tables(op)


def downgrade() -> None:
    drop_messaging_tables(op)
    drop_idempotency_table(op)
    for table in (
        "portal_unknown_login_failures",
        "portal_refresh_tokens",
        "portal_accounts",
        "portal_images",
        "portal_settings",
        SIGNING_KEYS,
        CUSTOMERS,
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS portal_unaccent(text)")
