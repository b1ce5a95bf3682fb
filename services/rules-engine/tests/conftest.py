from pathlib import Path

from rules_engine_service.app import create_app
from rules_engine_service.settings import RulesSettings
from suite_shared.testing.apps import service_fixtures

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

database, settings, app, client = service_fixtures(
    "rules-engine", RulesSettings, create_app, MIGRATIONS
)
