from pathlib import Path

import pytest

from identity_service.app import create_app
from identity_service.settings import IdentitySettings
from identity_service.testing import ADMIN_EMAIL, ADMIN_PASSWORD, login
from suite_shared.testing.apps import service_fixtures

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

# argon2 at its cheapest: hashing in microseconds keeps the suite fast; production costs are
# the settings' defaults.
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 64, "argon2_parallelism": 1}

database, settings, app, client = service_fixtures(
    "identity",
    IdentitySettings,
    create_app,
    MIGRATIONS,
    admin_email=ADMIN_EMAIL,
    admin_password=ADMIN_PASSWORD,
    admin_name="Quản Trị Viên",
    **CHEAP_ARGON2,
)


@pytest.fixture
async def admin(client) -> dict:
    """Authorization header of the bootstrapped administrator (a real login)."""
    tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    return {"Authorization": f"Bearer {tokens['access_token']}"}
