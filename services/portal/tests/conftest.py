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
    argon2_time_cost=1,
    argon2_memory_cost_kib=8,
    argon2_parallelism=1,
)
