from pathlib import Path

from loyalty_service.app import create_app
from loyalty_service.settings import LoyaltySettings
from suite_shared.testing.apps import service_fixtures

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

database, settings, app, client = service_fixtures(
    "loyalty", LoyaltySettings, create_app, MIGRATIONS
)
