"""Async database setup: engine, sessions, metadata naming, database creation."""

from __future__ import annotations

import asyncpg
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from suite_shared.settings import ServiceSettings, to_plain_postgres_url

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Declarative base for ORM models; each service's tables share this metadata."""

    metadata = new_metadata()


def make_engine(settings: ServiceSettings) -> AsyncEngine:
    return create_async_engine(
        settings.effective_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        pool_pre_ping=settings.db_pre_ping,
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def create_database_if_missing(database_url: str) -> bool:
    """Create the database named in the URL on its server. Returns True if it was created."""
    plain = to_plain_postgres_url(database_url)
    server, name = plain.rsplit("/", 1)
    name = name.split("?", 1)[0]
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            return False  # another replica won the race
        return True
    finally:
        await conn.close()


async def drop_database(database_url: str) -> None:
    plain = to_plain_postgres_url(database_url)
    server, name = plain.rsplit("/", 1)
    conn = await asyncpg.connect(f"{server}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
