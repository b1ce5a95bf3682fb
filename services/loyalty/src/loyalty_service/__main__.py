"""``python -m loyalty_service``: create/migrate the database, then serve."""

from pathlib import Path

from loyalty_service.settings import LoyaltySettings
from suite_shared.runner import serve

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    serve(LoyaltySettings(), "loyalty_service.app:create_app", MIGRATIONS_DIR)
