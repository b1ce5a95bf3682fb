"""Orders tests run against a real catalog: the catalog service in-process on a real HTTP port
with its own database, sharing the broker namespace, so quotes go over HTTP and order and
stock events go through RabbitMQ both ways."""

from pathlib import Path
from types import SimpleNamespace

import pytest

import catalog_service
from catalog_service.app import create_app as create_catalog_app
from catalog_service.settings import CatalogSettings
from orders_service.app import create_app
from orders_service.settings import OrdersSettings
from suite_shared.testing.apps import TEST_RETRY_DELAYS_MS, app_client, test_settings
from suite_shared.testing.infra import TestDatabase, delete_namespace
from suite_shared.testing.servers import serving

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
CATALOG_MIGRATIONS = Path(catalog_service.__file__).resolve().parents[2] / "migrations"


@pytest.fixture(scope="session")
async def database(postgres_url):
    db = TestDatabase(postgres_url, "orders", MIGRATIONS)
    await db.create()
    yield db
    await db.drop()


@pytest.fixture(scope="session")
async def catalog_database(postgres_url):
    db = TestDatabase(postgres_url, "catalog", CATALOG_MIGRATIONS)
    await db.create()
    yield db
    await db.drop()


@pytest.fixture
async def catalog(catalog_database, amqp_url, broker_namespace, public_jwks):
    """The catalog service, served over HTTP: .app, .url."""
    await catalog_database.truncate()
    settings = test_settings(
        CatalogSettings, catalog_database, amqp_url, broker_namespace, public_jwks
    )
    app = create_catalog_app(settings)
    async with serving(app) as url:
        yield SimpleNamespace(app=app, url=url)
    await delete_namespace(amqp_url, broker_namespace, ["catalog"], TEST_RETRY_DELAYS_MS)


@pytest.fixture
async def settings(database, catalog, amqp_url, broker_namespace, public_jwks):
    await database.truncate()
    yield test_settings(
        OrdersSettings, database, amqp_url, broker_namespace, public_jwks, catalog_url=catalog.url
    )
    await delete_namespace(amqp_url, broker_namespace, ["orders"], TEST_RETRY_DELAYS_MS)


@pytest.fixture
async def app(settings):
    return create_app(settings)


@pytest.fixture
async def client(app):
    async with app_client(app) as client:
        yield client
