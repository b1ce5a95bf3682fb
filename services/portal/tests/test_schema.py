"""The migrations build the schema the models declare (suite_shared.testing.schema_drift)."""

from pathlib import Path

from portal_service.models import Base
from suite_shared.idempotency import idempotency_metadata
from suite_shared.testing.schema_drift import migrated_schema_drift

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


async def test_migrations_build_what_the_models_declare(postgres_url):
    assert await migrated_schema_drift(postgres_url, "portal", MIGRATIONS, Base.metadata) == []


async def test_migrations_build_the_idempotency_keys_table(postgres_url):
    drift = await migrated_schema_drift(postgres_url, "portal", MIGRATIONS, idempotency_metadata)
    assert drift == []
