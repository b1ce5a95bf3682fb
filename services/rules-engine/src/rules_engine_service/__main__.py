"""``python -m rules_engine_service``: create/migrate the database, then serve."""

from pathlib import Path

from rules_engine_service.settings import RulesSettings
from suite_shared.runner import serve

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    serve(RulesSettings(), "rules_engine_service.app:create_app", MIGRATIONS_DIR)
