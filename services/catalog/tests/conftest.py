from pathlib import Path

from catalog_service.app import create_app
from catalog_service.settings import CatalogSettings
from suite_shared.testing.apps import service_fixtures

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

database, settings, app, client = service_fixtures(
    "catalog", CatalogSettings, create_app, MIGRATIONS
)
