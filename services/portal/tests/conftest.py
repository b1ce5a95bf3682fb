from pathlib import Path

from portal_service.app import create_app
from portal_service.settings import PortalSettings
from suite_shared.testing.apps import service_fixtures

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

# Cheap argon2 in tests: hashing takes microseconds instead of ~50 ms.
database, settings, app, client = service_fixtures(
    "portal",
    PortalSettings,
    create_app,
    MIGRATIONS,
    **{"argon2_time_cost": 1, "argon2_memory_cost_kib": 8, "argon2_parallelism": 1},
)


# ---- the catalog, for browsing and carts ------------------------------------------------------
import pytest  # noqa: E402

import catalog_service  # noqa: E402
from catalog_service.app import create_app as create_catalog_app  # noqa: E402
from catalog_service.settings import CatalogSettings  # noqa: E402
from suite_shared.testing.apps import (  # noqa: E402
    TEST_RETRY_DELAYS_MS,
    app_client,
    test_settings,
)
from suite_shared.testing.infra import TestDatabase, delete_namespace  # noqa: E402
from suite_shared.testing.servers import serving  # noqa: E402

CATALOG_MIGRATIONS = Path(catalog_service.__file__).resolve().parents[2] / "migrations"
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 8, "argon2_parallelism": 1}


@pytest.fixture(scope="session")
async def catalog_database(postgres_url):
    db = TestDatabase(postgres_url, "catalog", CATALOG_MIGRATIONS)
    await db.create()
    yield db
    await db.drop()


@pytest.fixture
async def catalog(catalog_database, amqp_url, broker_namespace, public_jwks):
    """The catalog service over HTTP, on the portal's broker namespace: its product and stock
    events reach the portal's consumer, and the portal's quotes go to it."""
    await catalog_database.truncate()
    settings = test_settings(
        CatalogSettings, catalog_database, amqp_url, broker_namespace, public_jwks
    )
    app = create_catalog_app(settings)
    async with serving(app) as url:
        yield app, url
    await delete_namespace(amqp_url, broker_namespace, ["catalog"], TEST_RETRY_DELAYS_MS)


@pytest.fixture
async def shop_portal(database, catalog, amqp_url, broker_namespace, public_jwks, signing_key):
    """The portal app asking that catalog, and an HTTP client of it: (app, client). It signs
    customer tokens with the tests' key, which the catalog trusts as the portal's."""
    await database.truncate()
    settings = test_settings(
        PortalSettings,
        database,
        amqp_url,
        broker_namespace,
        public_jwks,
        catalog_url=catalog[1],
        portal_signing_key_pem=signing_key.private_pem.decode(),
        portal_signing_key_kid=signing_key.kid,
        **CHEAP_ARGON2,
    )
    app = create_app(settings)
    async with app_client(app) as client:
        yield app, client
    await delete_namespace(amqp_url, broker_namespace, ["portal"], TEST_RETRY_DELAYS_MS)
