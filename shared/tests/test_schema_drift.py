"""schema_drift finds what models declare and the database lacks, and nothing else."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from suite_shared.db import create_database_if_missing
from suite_shared.testing.infra import TestDatabase
from suite_shared.testing.schema_drift import schema_drift


def _table(metadata: sa.MetaData, *extra: sa.Column) -> sa.Table:
    return sa.Table(
        "things",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        *extra,
    )


async def test_a_model_column_without_a_migration_is_found_and_extra_indexes_are_not(
    postgres_url, tmp_path
):
    built = sa.MetaData()
    things = _table(built)
    sa.Index("ix_things_name", things.c.name)  # in the database only, as migrations add them
    database = TestDatabase(postgres_url, "drift", tmp_path)
    await create_database_if_missing(database.url)
    try:
        engine = create_async_engine(database.url)
        async with engine.begin() as connection:
            await connection.run_sync(built.create_all)
        await engine.dispose()

        same = sa.MetaData()
        _table(same)
        assert await schema_drift(database.url, same) == []

        grown = sa.MetaData()
        _table(grown, sa.Column("note", sa.Text))
        (difference,) = await schema_drift(database.url, grown)
        assert difference[0] == "add_column" and difference[3].name == "note"

        retyped = sa.MetaData()
        sa.Table(
            "things",
            retyped,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.BigInteger, nullable=False),
        )
        assert [d[0][0] for d in await schema_drift(database.url, retyped)] == ["modify_type"]
    finally:
        await database.drop()
