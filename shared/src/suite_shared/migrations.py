"""Per-service Alembic migrations, run programmatically.

Each service keeps its migration scripts in ``services/<name>/migrations``; its ``env.py`` is two
lines that call :func:`run_env`. Migrations run under a PostgreSQL advisory lock, so replicas
starting together apply them once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATION_LOCK_ID = 7_240_001


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(migrations_dir: Path, database_url: str) -> None:
    """Blocking; call from a thread when an event loop is running."""
    command.upgrade(alembic_config(migrations_dir, database_url), "head")


async def upgrade_to_head_async(migrations_dir: Path, database_url: str) -> None:
    await asyncio.to_thread(upgrade_to_head, migrations_dir, database_url)


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py (online mode, asyncpg)."""
    url = context.config.get_main_option("sqlalchemy.url")

    def run(connection) -> None:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url)
        async with engine.connect() as connection:
            await connection.execute(text(f"SELECT pg_advisory_lock({MIGRATION_LOCK_ID})"))
            try:
                await connection.run_sync(run)
                await connection.commit()
            finally:
                await connection.execute(text(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_ID})"))
        await engine.dispose()

    asyncio.run(main())
