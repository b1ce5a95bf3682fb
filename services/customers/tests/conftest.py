from pathlib import Path

from customers_service.app import create_app
from customers_service.settings import CustomersSettings
from suite_shared.testing.apps import service_fixtures

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

database, settings, app, client = service_fixtures(
    "customers", CustomersSettings, create_app, MIGRATIONS
)
