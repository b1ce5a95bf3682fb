from pathlib import Path

import pytest

from customers_service.app import create_app
from customers_service.settings import CustomersSettings
from suite_shared.testing.apps import TEST_RETRY_DELAYS_MS, app_client, test_settings
from suite_shared.testing.infra import TestDatabase, delete_namespace

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture(scope="session")
async def database(postgres_url):
    db = TestDatabase(postgres_url, "customers", MIGRATIONS)
    await db.create()
    yield db
    await db.drop()


@pytest.fixture
async def settings(database, amqp_url, broker_namespace, public_jwks):
    await database.truncate()
    yield test_settings(CustomersSettings, database, amqp_url, broker_namespace, public_jwks)
    await delete_namespace(amqp_url, broker_namespace, ["customers"], TEST_RETRY_DELAYS_MS)


@pytest.fixture
async def app(settings):
    return create_app(settings)


@pytest.fixture
async def client(app):
    async with app_client(app) as client:
        yield client
