from pathlib import Path

import pytest

from rules_engine_service.app import create_app
from rules_engine_service.settings import RulesSettings
from suite_shared.testing.apps import TEST_RETRY_DELAYS_MS, app_client, test_settings
from suite_shared.testing.infra import TestDatabase, delete_namespace

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
async def database(postgres_url):
    db = TestDatabase(postgres_url, "rules-engine", MIGRATIONS)
    await db.create()
    yield db
    await db.drop()


@pytest.fixture
async def settings(database, amqp_url, broker_namespace, public_jwks):
    await database.truncate()
    yield test_settings(RulesSettings, database, amqp_url, broker_namespace, public_jwks)
    await delete_namespace(amqp_url, broker_namespace, ["rules-engine"], TEST_RETRY_DELAYS_MS)


@pytest.fixture
async def app(settings):
    return create_app(settings)


@pytest.fixture
async def client(app):
    async with app_client(app) as client:
        yield client
