"""Do a service's migrations build the schema its models describe?

Models and migrations are written by hand side by side; a column added to a model without a
migration works in no test that builds tables from the migrations, and fails in production only
when that column is first used. Alembic's autogenerate comparison finds the difference.

Only differences where the models ask for something the database lacks or has otherwise count
(``add_*``, ``modify_*``). ``remove_*`` are things the migrations made that the models don't
repeat: indexes for queries (trigram, partial, expression indexes live in migrations only) and
the shared outbox and inbox tables.
"""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine

from suite_shared.testing.infra import TestDatabase


def _kind(difference) -> str:
    # A column's modifications come as a list of tuples; everything else as one tuple.
    first = difference[0] if isinstance(difference, list) else difference
    return first[0]


def _missing_from_database(differences: list) -> list:
    return [d for d in differences if not _kind(d).startswith("remove_")]


async def schema_drift(database_url: str, metadata: MetaData) -> list:
    """The differences between ``metadata`` and the database that the models depend on."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:

            def compare(sync_connection) -> list:
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                return compare_metadata(context, metadata)

            return _missing_from_database(await connection.run_sync(compare))
    finally:
        await engine.dispose()


async def migrated_schema_drift(
    postgres_url: str, service: str, migrations_dir: Path, metadata: MetaData
) -> list:
    """Migrate a new, empty database to head and compare it with the models."""
    database = TestDatabase(postgres_url, f"{service}_schema", migrations_dir)
    await database.create()
    try:
        return await schema_drift(database.url, metadata)
    finally:
        await database.drop()
