from pathlib import Path

import pytest

from identity_service.app import create_app
from identity_service.settings import IdentitySettings
from identity_service.testing import ADMIN_EMAIL, ADMIN_PASSWORD, login
from suite_shared.testing.apps import TEST_RETRY_DELAYS_MS, app_client, test_settings
from suite_shared.testing.infra import TestDatabase, delete_namespace

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

# argon2 at its cheapest: hashing in microseconds keeps the suite fast; production costs are
# the settings' defaults.
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 64, "argon2_parallelism": 1}


@pytest.fixture(scope="session")
async def database(postgres_url):
    db = TestDatabase(postgres_url, "identity", MIGRATIONS)
    await db.create()
    yield db
    await db.drop()


@pytest.fixture
async def settings(database, amqp_url, broker_namespace, public_jwks):
    await database.truncate()
    yield test_settings(
        IdentitySettings,
        database,
        amqp_url,
        broker_namespace,
        public_jwks,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        admin_name="Quản Trị Viên",
        **CHEAP_ARGON2,
    )
    await delete_namespace(amqp_url, broker_namespace, ["identity"], TEST_RETRY_DELAYS_MS)


@pytest.fixture
async def app(settings):
    return create_app(settings)


@pytest.fixture
async def client(app):
    async with app_client(app) as client:
        yield client


@pytest.fixture
async def admin(client) -> dict:
    """Authorization header of the bootstrapped administrator (a real login)."""
    tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    return {"Authorization": f"Bearer {tokens['access_token']}"}
